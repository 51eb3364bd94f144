package dev.milvusupgrade.run;

import dev.milvusupgrade.data.MilvusData;
import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.k8s.ApiError;
import dev.milvusupgrade.k8s.BaselineCodec;
import dev.milvusupgrade.k8s.BaselineStore;
import dev.milvusupgrade.k8s.ClusterGateway;
import dev.milvusupgrade.plan.Canary;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.CheckpointGuard;
import dev.milvusupgrade.plan.DataCheck;
import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.DataSnapshot;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.MilvusRef;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.Rejection;
import dev.milvusupgrade.plan.Resume;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.Stop;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The data check's steps of one cluster's run: before the first stage, what every stage is compared with (the
 * baseline the first run kept, issue 21, is compared with, never replaced by a fresh one silently; a first baseline is
 * kept beside the Lease so that a rerun compares with it), and after a success the kept baseline dropped.
 */
final class DataSteps {

    private final ClusterGateway cluster;
    private final RunContext ctx;
    private final RunLog log;
    private final MilvusRef ref;
    private final Function<MilvusEndpoint, MilvusData> dataPlane;
    private final String intentRef;

    DataSteps(ClusterGateway cluster, RunContext ctx, MilvusRef ref, Function<MilvusEndpoint, MilvusData> dataPlane, String intentRef) {
        this.cluster = cluster;
        this.ctx = ctx;
        this.log = ctx.log();
        this.ref = ref;
        this.dataPlane = dataPlane;
        this.intentRef = intentRef;
    }

    /** The run's data gate and baseline set up; why the run ends when it cannot start from them. */
    Optional<Stop.End> prepare(RunState run) {
        Intent intent = run.intent;
        if (intent.dataCheck() == DataCheck.Mode.OFF) {
            return Optional.empty();
        }
        // A run resuming a stage under way may meet Milvus unreachable while the proxies roll, so it keeps trying
        // within the stage timeout; a refusal after a stage started is a failure, not "nothing changed".
        boolean resumed = Resume.startedAnyStage(run.record);
        Phase refusal = resumed ? Phase.Failed : Phase.Rejected;
        Checked<Data> access = dataGate(intent);
        Optional<Instant> retryUntil = resumed ? Optional.of(ctx.now().plus(intent.stageTimeout())) : Optional.empty();
        Checked<Kept> kept = keptBaseline(run.record, intent);
        if (kept instanceof Checked.Refused<Kept> lost) {
            return Optional.of(refused(Phase.Rejected, lost.rejection()));
        }
        Optional<DataSnapshot> first = kept.fold(Kept::snapshot, no -> Optional.empty());
        Optional<String> accepted = kept.fold(Kept::accepted, no -> Optional.empty());
        Optional<DataCheckRecord> before = run.record.dataCheck();
        if (accepted.isPresent()) {
            log.warn(accepted.get());
            List<String> warnings = new ArrayList<>(run.record.warnings());
            warnings.add(accepted.get());
            run.record = run.record.withWarnings(warnings);
            before = Optional.empty();
        }
        Optional<DataCheckRecord> previous = before;
        Checked<DataCheckRecord> baseline = access.map(a -> a.gate().baseline(a.endpoint().toString(), retryUntil, previous, first,
                snap -> BaselineStore.tooLarge(BaselineCodec.encode(new BaselineCodec.Baseline(snap, "")).length)
                        .map(big -> Rejection.of(big + ", so a rerun could not compare with it", "set " + Intent.DATA_CHECK
                                + ": off and check the data yourself (README \"Checkpoint\" gives the sizes)"))));
        if (baseline instanceof Checked.Refused<DataCheckRecord> no) {
            return Optional.of(refused(refusal, no.rejection()));
        }
        // Both are there: a baseline is only taken through the gate.
        DataGate gate = access.toOptional().orElseThrow().gate();
        run.gate = Optional.of(gate);
        DataCheckRecord checked = baseline.toOptional().orElseThrow();
        if (first.isEmpty()) {
            Optional<String> where = keep(gate, checked);
            if (where.isEmpty()) {
                String no = "this tool may not keep the data check's baseline in ConfigMap " + ref.namespace() + "/"
                        + BaselineStore.configMapName(ref.name()) + " (403 Forbidden); fix: grant get, create, patch and delete on it"
                        + " (the base Role names it, rename it for your Milvus), or set " + Intent.DATA_CHECK + ": off";
                return Optional.of(refused(refusal, new Rejection(no)));
            }
            checked = checked.withKept(where.get());
        }
        run.record = run.record.withDataCheck(checked);
        return Optional.empty();
    }

    /** The first baseline kept; empty when this tool may not keep it (403). */
    private Optional<String> keep(DataGate gate, DataCheckRecord checked) {
        byte[] bytes = BaselineCodec.encode(new BaselineCodec.Baseline(gate.baselineSnapshot().orElseThrow(), checked.canary()));
        try {
            String where = baselines().save(ref.namespace(), ref.name(), intentRef, bytes);
            log.info("data: baseline kept on " + where.substring(0, where.indexOf(" sha256:")) + " (" + bytes.length + " bytes)");
            return Optional.of(where);
        } catch (RuntimeException e) {
            if (ApiError.of(e).filter(ApiError::forbidden).isEmpty()) {
                throw e;
            }
            return Optional.empty();
        }
    }

    private Stop.End refused(Phase phase, Rejection why) {
        log.refused(why);
        return new Stop.End(phase, why.message());
    }

    /** The baseline a rerun compares with, and the warning when the intent accepted losing it. */
    record Kept(Optional<DataSnapshot> snapshot, Optional<String> accepted) {
    }

    BaselineStore baselines() {
        return cluster.baselines(ctx.settings().baselineLeaseBudget());
    }

    /**
     * The baseline the record says was kept: none when it says none (a record from before issue 21); refused as
     * "checkpoint lost" when it is not there or not readable, unless the intent accepts the cluster as it is.
     */
    Checked<Kept> keptBaseline(RunRecord record, Intent intent) {
        Optional<DataCheckRecord> d = record.dataCheck().filter(x -> !x.kept().isEmpty());
        if (d.isEmpty()) {
            return Checked.ok(new Kept(Optional.empty(), Optional.empty()));
        }
        BaselineStore.Read got = baselines().load(ref.namespace(), ref.name(), d.get().kept());
        if (got instanceof BaselineStore.Read.Ok ok) {
            return Checked.ok(new Kept(Optional.of(ok.baseline().snapshot()), Optional.empty()));
        }
        String why = ((BaselineStore.Read.Lost) got).why();
        if (!intent.acceptClusterAsIs()) {
            return new Checked.Refused<>(CheckpointGuard.baselineLost(ref.toString(), why));
        }
        return Checked.ok(new Kept(Optional.empty(), Optional.of(CheckpointGuard.baselineAccepted(why))));
    }

    /** After a success: the kept baseline goes (kept on failure, for whoever investigates); a failure to remove it is logged. */
    void dropBaseline() {
        baselines().delete(ref.namespace(), ref.name()).ifPresentOrElse(
                why -> log.warn("the data check's baseline of " + ref + " could not be removed (" + why + "); delete ConfigMap "
                        + BaselineStore.configMapName(ref.name()) + " and the Lease annotation " + BaselineStore.ANNOTATION + " yourself"),
                () -> log.info("data: kept baseline removed"));
    }

    /** The data plane of a run: where it is and the checks on it. */
    record Data(MilvusEndpoint endpoint, DataGate gate) {
    }

    /** The endpoint and credentials the intent names, and a gate on that data plane; refused if the Secret cannot be used. */
    Checked<Data> dataGate(Intent intent) {
        return cluster.endpoint(intent.dataEndpoint(ref.namespace()), ref.namespace(), ref.name(), intent.milvusAuthSecret(),
                ctx.settings().policy().credentials())
                .map(e -> Checked.ok(new Data(e, new DataGate(dataPlane.apply(e), intent.dataCheck(), ctx.clock(),
                        ctx.settings().pollEvery(), log, Canary.name(ref.toString(), intent.targetVersion()), intent.clientsWrite()))));
    }
}

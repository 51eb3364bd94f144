package dev.milvusupgrade.run;

import dev.milvusupgrade.k8s.BaselineCodec;
import dev.milvusupgrade.k8s.BaselineStore;
import dev.milvusupgrade.k8s.CatalogueStore;
import dev.milvusupgrade.k8s.ClusterGateway;
import dev.milvusupgrade.k8s.EventRecorder;
import dev.milvusupgrade.k8s.RecordCodec;
import dev.milvusupgrade.k8s.RunLock;
import dev.milvusupgrade.k8s.StageWaiter;
import dev.milvusupgrade.k8s.StageWaiter.Outcome;
import dev.milvusupgrade.data.MilvusBackup;
import dev.milvusupgrade.data.MilvusData;
import dev.milvusupgrade.data.MilvusEndpoint;
import dev.milvusupgrade.k8s.MilvusAccess;
import dev.milvusupgrade.plan.BackupPoint;
import dev.milvusupgrade.plan.Catalogue;
import dev.milvusupgrade.plan.CheckpointGuard;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.ClusterSnapshot;
import dev.milvusupgrade.plan.Component;
import dev.milvusupgrade.plan.Canary;
import dev.milvusupgrade.plan.DataCheck;
import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.DataSnapshot;
import dev.milvusupgrade.plan.Decision;
import dev.milvusupgrade.plan.ImageRef;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.Plan;
import dev.milvusupgrade.plan.Progress;
import dev.milvusupgrade.plan.Rejection;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.RunRecord.StagePhase;
import dev.milvusupgrade.plan.RunRecord.StageRecord;
import dev.milvusupgrade.plan.Stage;
import dev.milvusupgrade.plan.Version;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One Milvus cluster's upgrade: preflight, plan, then for each stage apply, wait, check the data
 * and checkpoint, recording on its {@link Home}. The single-cluster mode and the fleet both drive
 * it; they differ only in where the record lives and what may stop it between two stages.
 */
final class ClusterUpgrade {

    /**
     * Where this cluster's upgrade was asked for and is recorded: the intent ConfigMap for a single
     * cluster; for a fleet, the cluster's own record beside the fleet intent.
     */
    interface Home {
        /** The namespace of the intent: the Milvus namespace when the intent names none. */
        String namespace();

        String intentName();

        /** What reading the record of an earlier run of this cluster gave: none, the record, or why it cannot be read. */
        RecordCodec.Read recorded();

        /** The record of an earlier run of this cluster, if any: what a rerun resumes from. */
        default Optional<RunRecord> previous() {
            return recorded().record();
        }

        /** Why the record of an earlier run is there but cannot be read (bad JSON, another format), if so. */
        default Optional<String> unreadable() {
            return recorded() instanceof RecordCodec.Read.Unreadable u ? Optional.of(u.why()) : Optional.empty();
        }

        void save(RunRecord r);

        /** The intent for this cluster as it is now; empty when the intent was deleted. */
        Optional<Checked<Intent>> intentNow();

        /** Why no further stage may start (a fleet halted by another cluster's failure), if so. */
        default Optional<String> haltedBefore(String stage) {
            return Optional.empty();
        }

        /** What the Events of this upgrade are about: the Milvus resource and the intent. */
        default ObjectReference[] eventTargets(String milvus) {
            String[] ref = milvus.split("/", 2);
            if (ref.length < 2 || ref[1].isEmpty()) {
                return new ObjectReference[] {EventRecorder.configMap(namespace(), intentName())};
            }
            return new ObjectReference[] {EventRecorder.milvus(ref[0], ref[1]), EventRecorder.configMap(namespace(), intentName())};
        }
    }

    /**
     * What a person should do after a success until the data checks exist: the operator's status says
     * Healthy even while the proxies reject every write (milvus#47806, FACTS §8.13).
     */
    static final String CHECK_WRITES = "check that writes work (insert one row through the proxy and read it back); if they hang or fail"
            + " with 'producer can only be created for RW channel' (milvus#47806), restart mixcoord, then the streaming nodes";

    private final ClusterGateway cluster;
    private final Clock clock;
    private final Runner.Settings settings;
    private final Consumer<String> log;
    private final Checkpoint.Listener checkpoints;
    private final Shutdown shutdown;
    private final Function<MilvusEndpoint, MilvusData> dataPlane;
    private final Function<URI, MilvusBackup> backups;
    private final EventRecorder events;
    private final StageWaiter waiter;
    private final Home home;
    private final Instant started;
    private final String runId;
    /** The bundled release catalogue, with the intent's user catalogue on top once decide has read it. */
    private Catalogue catalogue = Catalogue.builtIn();

    ClusterUpgrade(Runner.Tools tools, StageWaiter waiter, EventRecorder events, Home home, Instant started, String runId) {
        this.cluster = tools.cluster();
        this.clock = tools.clock();
        this.settings = tools.settings();
        this.log = tools.log();
        this.checkpoints = tools.checkpoints();
        this.shutdown = tools.shutdown();
        this.dataPlane = tools.dataPlane();
        this.backups = tools.backups();
        this.waiter = waiter;
        this.events = events;
        this.home = home;
        this.started = started;
        this.runId = runId;
    }

    /** Preflight and plan; with {@code lock} (held) also executes and records. */
    Runner.Report decide(Intent intent, Optional<RunLock> lock) {
        boolean execute = lock.isPresent();
        String milvusNs = intent.milvusNamespace().orElse(home.namespace());
        String milvusRef = milvusNs + "/" + intent.milvus();
        if (execute && intent.paused()) {
            // A run that had started keeps its stages in the record, so that the pause shows where it stands.
            RunRecord paused = resumable(home.previous(), milvusRef, intent.targetVersion().toString())
                    .orElse(new RunRecord(Phase.Paused, milvusRef, "", intent.targetVersion().toString(), List.of(), "", started,
                            Optional.empty(), runId));
            return finish(true, new RunRecord(Phase.Paused, paused.milvus(), paused.fromVersion(), paused.targetVersion(),
                    paused.stages(), "paused by the intent (paused: \"true\"); nothing was changed; set paused to \"false\" to continue",
                    paused.startedAt(), Optional.of(now()), runId), Optional.empty());
        }
        Optional<ClusterSnapshot> snapshot;
        try {
            snapshot = cluster.read(milvusNs, intent.milvus());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403) {
                throw e;
            }
            return finish(execute, rejected(home.previous(), milvusRef, "", intent.targetVersion().toString(),
                    Rejection.of("this tool may not read Milvus " + milvusRef + " (403 Forbidden)",
                            "bind the milvus-upgrade Role in namespace " + milvusNs + " to its ServiceAccount, or fix milvusNamespace"),
                    started, runId), Optional.empty());
        }
        if (snapshot.isEmpty()) {
            return finish(execute, rejected(home.previous(), milvusRef, "", intent.targetVersion().toString(),
                    Rejection.of("Milvus " + milvusRef + " not found", "check the intent keys milvus and milvusNamespace ('kubectl get milvus -A')"),
                    started, runId), Optional.empty());
        }
        ClusterSnapshot s = snapshot.get();
        Instant readAt = now();
        if (home.unreadable().isPresent() && !intent.acceptClusterAsIs()) {
            // Never a silent restart: the record may hold the baseline an interrupted stage must be compared with.
            Rejection why = CheckpointGuard.unreadable(milvusRef, home.unreadable().get());
            log.accept("refused: " + why.message());
            return finish(execute, rejected(Optional.empty(), milvusRef, "", intent.targetVersion().toString(), why, started, runId), Optional.empty());
        }
        Checked<Catalogue> releases = CatalogueStore.load(cluster.client(), home.namespace(), intent.releaseCatalogue());
        if (releases instanceof Checked.Refused<Catalogue> bad) {
            log.accept("refused: " + bad.rejection().message());
            return finish(execute, rejected(home.previous(), milvusRef, ImageRef.parse(s.image()).flatMap(ImageRef::tagVersion)
                    .map(Version::toString).orElse(""), intent.targetVersion().toString(), bad.rejection(), started, runId), Optional.empty());
        }
        catalogue = ((Checked.Ok<Catalogue>) releases).value();
        Decision decision = settings.policy().plan(intent, s, catalogue);
        if (decision instanceof Decision.Refuse refuse) {
            log.accept("refused: " + refuse.rejection().message());
            String from = ImageRef.parse(s.image()).flatMap(ImageRef::tagVersion).map(Version::toString).orElse("");
            return finish(execute, rejected(home.previous(), milvusRef, from, intent.targetVersion().toString(),
                    refuse.rejection(), started, runId), Optional.empty());
        }
        if (decision instanceof Decision.NoOp noop) {
            noop.warnings().forEach(w -> log.accept("warning: " + w));
            Optional<RunRecord> unfinished = home.previous().filter(p -> p.phase() != Phase.Succeeded && p.phase() != Phase.NoOp
                    && p.phase() != Phase.Planned)
                    .filter(p -> p.milvus().equals(milvusRef) && p.targetVersion().equals(noop.version().toString()))
                    .filter(ClusterUpgrade::startedAnyStage);
            if (unfinished.isPresent()) {
                // An earlier run did the work and died before recording the end: finish its record. Only the
                // stages it started are its own; one it never started was done by someone else.
                RunRecord r = unfinished.get();
                String data = "";
                boolean dataFailed = r.dataCheck().map(d -> d.stages().stream().anyMatch(st -> st.outcome() != DataCheckRecord.Outcome.OK))
                        .orElse(false);
                if (execute && dataFailed) {
                    // A run that failed its data check is not finished by a rerun that does not check again.
                    if (intent.dataCheck() == DataCheck.Mode.OFF) {
                        data = "; the data check that failed was not repeated (dataCheck: off)";
                    } else {
                        DataCheckRecord failed = r.dataCheck().get();
                        Checked<Kept> kept = keptBaseline(r, milvusRef, intent);
                        if (kept instanceof Checked.Refused<Kept> lost) {
                            log.accept("refused: " + lost.rejection().message());
                            return finish(true, r.withPhase(Phase.Rejected, lost.rejection().message(), Optional.of(now())).withRunId(runId),
                                    Optional.empty());
                        }
                        Optional<DataSnapshot> first = ((Checked.Ok<Kept>) kept).value().snapshot();
                        Checked<DataCheckRecord> again = dataGate(intent, milvusNs).map(g -> g.gate().recheck(g.endpoint().toString(), failed, first));
                        if (again instanceof Checked.Refused<DataCheckRecord> no) {
                            log.accept("refused: " + no.rejection().message());
                            return finish(true, r.withPhase(Phase.Failed, no.rejection().message(), Optional.of(now()))
                                    .withRunId(runId), Optional.empty());
                        }
                        r = r.withDataCheck(((Checked.Ok<DataCheckRecord>) again).value());
                        data = "; data check repeated: nothing lost";
                    }
                }
                Instant end = now();
                List<StageRecord> stages = finishUnobserved(r.stages(), st -> st.startedAt().isPresent(), s, readAt);
                r = new RunRecord(Phase.Succeeded, r.milvus(), r.fromVersion(), r.targetVersion(), stages, "Milvus " + milvusRef
                        + " upgraded from " + r.fromVersion() + " to " + r.targetVersion() + " (completion confirmed by a rerun)" + data
                        + "; " + CHECK_WRITES, r.startedAt(), Optional.of(end), runId, r.warnings(), r.dataCheck(), r.backup());
                if (execute && r.dataCheck().filter(d -> !d.kept().isEmpty()).isPresent()) {
                    dropBaseline(milvusRef);
                }
                return finish(execute, r, Optional.empty());
            }
            RunRecord r = new RunRecord(Phase.NoOp, milvusRef, noop.version().toString(),
                    (intent.recommendedTarget() ? noop.version() : intent.targetVersion()).toString(), List.of(),
                    "Milvus " + milvusRef + " already runs " + noop.version() + " and the operator finished rolling it; nothing to do",
                    started, Optional.of(now()), runId);
            return finish(execute, r, Optional.empty());
        }
        Plan plan = ((Decision.Staged) decision).plan();
        Optional<Rejection> lost = CheckpointGuard.lost(intent, plan, s, resumable(home.previous(), milvusRef, plan.target().toString()).isPresent());
        if (lost.isPresent()) {
            log.accept("refused: " + lost.get().message());
            return finish(execute, rejected(home.previous(), milvusRef, plan.from().toString(), plan.target().toString(), lost.get(), started, runId),
                    Optional.empty());
        }
        List<String> warnings = new ArrayList<>(plan.warnings());
        CheckpointGuard.accepted(intent, home.unreadable(), plan, s, resumable(home.previous(), milvusRef, plan.target().toString()).isPresent())
                .ifPresent(warnings::add);
        plan.warnings().forEach(w -> log.accept("warning: " + w));
        log.accept("plan: " + plan.from() + " -> " + plan.target() + " in " + plan.stages().size() + " stage(s), message queue "
                + plan.msgStreamType() + " kept");
        for (Stage st : plan.stages()) {
            log.accept("  stage " + st.name() + (st.isApplied(s) ? " (already applied, will wait)" : "") + ": patch " + st.patch());
        }
        List<StageRecord> stageRecords = new ArrayList<>(plan.stages().stream().map(st -> new StageRecord(st.name(), st.image().toString(),
                StagePhase.Pending, Optional.<Instant>empty(), Optional.<Instant>empty())).toList());
        OptionalInt backupAt = intent.backup().map(b -> BackupPoint.before(plan, b.always())).orElse(OptionalInt.empty());
        if (backupAt.isPresent()) {
            // The same name for every run of this upgrade: a rerun finds the backup by it.
            Instant upgradeStart = resumable(home.previous(), milvusRef, plan.target().toString()).map(RunRecord::startedAt).orElse(started);
            String name = BackupPoint.name(milvusRef, upgradeStart);
            stageRecords.add(backupAt.getAsInt(), new StageRecord(BackupPoint.STAGE, name, StagePhase.Pending, Optional.empty(), Optional.empty()));
            log.accept("  backup " + name + " by milvus-backup at " + intent.backup().get().endpoint() + " before stage "
                    + plan.stages().get(backupAt.getAsInt()).name());
        }
        RunRecord record = new RunRecord(Phase.Running, milvusRef, plan.from().toString(), plan.target().toString(), stageRecords, "", started,
                Optional.empty(), runId);
        record = resumedFrom(record, home.previous(), s, readAt).withWarnings(warnings);
        if (!execute) {
            return new Runner.Report(record.withPhase(Phase.Planned, planMessage(plan), Optional.of(now())), Optional.of(plan));
        }
        if (intent.dryRun()) {
            return finish(true, record.withPhase(Phase.Planned, planMessage(plan), Optional.of(now())),
                    Optional.of(plan));
        }
        return new Runner.Report(execute(intent, plan, record, lock.get(), backupAt), Optional.of(plan));
    }

    /** The previous record if this run continues its upgrade (same Milvus and target, a stage started, not finished). */
    private static Optional<RunRecord> resumable(Optional<RunRecord> previous, String milvus, String target) {
        return previous.filter(p -> p.phase() != Phase.Succeeded && p.phase() != Phase.NoOp && startedAnyStage(p)
                && p.milvus().equals(milvus) && p.targetVersion().equals(target));
    }

    private RunRecord execute(Intent planned, Plan plan, RunRecord record, RunLock lock,
            OptionalInt backupAt) {
        String[] ref = plan.milvus().split("/", 2);
        checkpoints.reached(Checkpoint.PLANNED, "");
        Intent intent = planned;
        Optional<DataGate> gate = Optional.empty();
        if (intent.dataCheck() != DataCheck.Mode.OFF) {
            // Before the first stage: what every stage is compared with. A run resuming a stage under way may meet Milvus
            // unreachable while the proxies roll, so it keeps trying within the stage timeout.
            boolean resumed = startedAnyStage(record);
            Checked<Data> access = dataGate(intent, ref[0]);
            Optional<Instant> retryUntil = resumed ? Optional.of(now().plus(intent.stageTimeout())) : Optional.empty();
            Optional<DataCheckRecord> before = record.dataCheck();
            // The baseline the first run kept (issue 21): compared with, never replaced by a fresh one silently.
            Checked<Kept> kept = keptBaseline(record, plan.milvus(), intent);
            if (kept instanceof Checked.Refused<Kept> lost) {
                log.accept("refused: " + lost.rejection().message());
                return recordEnd(record.withPhase(Phase.Rejected, lost.rejection().message(), Optional.of(now())));
            }
            Optional<DataSnapshot> first = ((Checked.Ok<Kept>) kept).value().snapshot();
            Optional<String> accepted = ((Checked.Ok<Kept>) kept).value().accepted();
            if (accepted.isPresent()) {
                log.accept("warning: " + accepted.get());
                List<String> warnings = new ArrayList<>(record.warnings());
                warnings.add(accepted.get());
                record = record.withWarnings(warnings);
                before = Optional.empty();
            }
            Optional<DataCheckRecord> previous = before;
            Checked<DataCheckRecord> baseline = access.map(a -> a.gate().baseline(a.endpoint().toString(), retryUntil, previous, first,
                    snap -> BaselineStore.tooLarge(BaselineCodec.encode(new BaselineCodec.Baseline(snap, "")).length)
                            .map(big -> Rejection.of(big + ", so a rerun could not compare with it", "set " + Intent.DATA_CHECK + ": off and check"
                                    + " the data yourself (README \"Checkpoint\" gives the sizes)"))));
            if (baseline instanceof Checked.Refused<DataCheckRecord> refused) {
                log.accept("refused: " + refused.rejection().message());
                return recordEnd(record.withPhase(resumed ? Phase.Failed : Phase.Rejected, refused.rejection().message(),
                        Optional.of(now())));
            }
            DataCheckRecord checked = ((Checked.Ok<DataCheckRecord>) baseline).value();
            gate = Optional.of(((Checked.Ok<Data>) access).value().gate());
            if (first.isEmpty()) {
                byte[] bytes = BaselineCodec.encode(new BaselineCodec.Baseline(gate.get().baselineSnapshot().orElseThrow(), checked.canary()));
                try {
                    String where = baselines().save(ref[0], ref[1], home.namespace() + "/" + home.intentName(), bytes);
                    log.accept("data: baseline kept on " + where.substring(0, where.indexOf(" sha256:")) + " (" + bytes.length + " bytes)");
                    checked = checked.withKept(where);
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 403) {
                        throw e;
                    }
                    String no = "this tool may not keep the data check's baseline in ConfigMap " + ref[0] + "/" + BaselineStore.configMapName(ref[1])
                            + " (403 Forbidden); fix: grant get, create, patch and delete on it (the base Role names it, rename it for your"
                            + " Milvus), or set " + Intent.DATA_CHECK + ": off";
                    log.accept("refused: " + no);
                    return recordEnd(record.withPhase(resumed ? Phase.Failed : Phase.Rejected, no, Optional.of(now())));
                }
            }
            record = record.withDataCheck(checked);
        }
        Optional<BackupGate> backup = Optional.empty();
        // Until the first 2.6 stage is started, a backup taken is verified again (fresh, of this cluster) before its patch.
        if (backupAt.isPresent() && record.stage(plan.stages().get(backupAt.getAsInt()).name()).flatMap(StageRecord::startedAt).isEmpty()) {
            BackupGate b = new BackupGate(backups.apply(intent.backup().get().endpoint()), intent.backup().get(), clock, settings.progressEvery(), log);
            List<String> warnings = new ArrayList<>(record.warnings());
            Optional<Rejection> down = b.preflight(warnings);
            if (down.isPresent()) {
                log.accept("refused: " + down.get().message());
                return recordEnd(record.withPhase(startedAnyStage(record) ? Phase.Failed : Phase.Rejected,
                        down.get().message(), Optional.of(now())));
            }
            boolean skipped = warnings.size() > record.warnings().size(); // optional and unreachable: said in the warnings
            record = record.withWarnings(warnings);
            backup = skipped ? Optional.empty() : Optional.of(b);
        }
        for (int i = 0; i < plan.stages().size(); i++) {
            Stage stage = plan.stages().get(i);
            String label = "stage " + (i + 1) + "/" + plan.stages().size() + " " + stage.name();
            try {
                ClusterSnapshot s = cluster.read(ref[0], ref[1]).orElse(null);
                if (s == null) {
                    return recordEnd(record.withPhase(Phase.Failed, "Milvus " + plan.milvus()
                            + " disappeared before stage " + stage.name() + "; fix: restore it, then rerun", Optional.of(now())));
                }
                Checked<Intent> current = home.intentNow().orElseThrow(() -> new IllegalStateException("intent ConfigMap "
                        + home.namespace() + "/" + home.intentName() + " was deleted during the run; fix: recreate it, then rerun to continue"
                        + " from the cluster's state"));
                if (current instanceof Checked.Refused<Intent> bad) {
                    // A typo in `paused` must not start the next stage.
                    return recordEnd(record.withPhase(Phase.Failed, "the intent was changed during the run and is now"
                            + " invalid, so stage " + stage.name() + " was not started: " + bad.rejection().message(), Optional.of(now())));
                }
                Intent latest = ((Checked.Ok<Intent>) current).value();
                if (latest.paused()) {
                    return recordEnd(record.withPhase(Phase.Paused, "paused by the intent before stage "
                            + stage.name() + "; set paused to false to continue", Optional.of(now())));
                }
                Optional<String> halted = home.haltedBefore(stage.name());
                if (halted.isPresent()) {
                    return recordEnd(record.withPhase(Phase.Deferred, "stage " + stage.name() + " not started: " + halted.get(), Optional.of(now())));
                }
                Optional<String> retargeted = retargeted(intent, latest);
                if (retargeted.isPresent()) {
                    log.accept("intent changed during the run: " + retargeted.get() + "; stopping before stage " + stage.name());
                    return recordEnd(record.withPhase(Phase.Failed, "the intent changed during the run ("
                            + retargeted.get() + "), so stage " + stage.name() + " was not started; fix: rerun to plan the new intent from"
                            + " where the cluster is", Optional.of(now())));
                }
                intent = latest; // stageTimeout, notAfter and allowUnorderedRollout as they are now
                // The plan is re-derived before every stage: a spec reverted or changed since must not be built on. A stage
                // whose own patch is in the spec and which a fresh read shows complete is ours and done, whoever saw it finish.
                Decision again = settings.policy().plan(intent, s, catalogue);
                boolean next = again instanceof Decision.Staged fresh && fresh.plan().stages().get(0).equals(stage);
                if (!next && !(stage.isApplied(s) && Progress.evaluate(stage, s) instanceof Progress.Done)) {
                    String why = again instanceof Decision.Refuse r ? r.rejection().message()
                            : "the cluster now needs " + (again instanceof Decision.Staged st ? "stage " + st.plan().stages().get(0).name() : "nothing");
                    return recordEnd(record.withPhase(Phase.Failed, "Milvus " + plan.milvus() + " changed before stage "
                            + stage.name() + ": " + why + (why.contains("fix:") ? "" : "; fix: rerun to plan again"), Optional.of(now())));
                }
                Instant now = now();
                if (!stage.isApplied(s) && intent.notAfter().isPresent() && now.plus(intent.stageTimeout()).isAfter(intent.notAfter().get())) {
                    return recordEnd(record.withPhase(Phase.Deferred, "stage " + stage.name() + " deferred: it may take up to "
                            + Intent.format(intent.stageTimeout()) + " and the window closes at " + intent.notAfter().get()
                            + "; the next run in a window continues", Optional.of(now())));
                }
                if (shutdown.requested().isPresent()) {
                    return interrupted(record, "before stage " + stage.name());
                }
                if (lock.lost()) {
                    throw new RetryLater("this run lost Lease " + lock.leaseName() + " to another run before stage " + stage.name());
                }
                if (backup.isPresent() && i == backupAt.getAsInt() && !stage.isApplied(s)) {
                    record = takeBackup(plan, stage, record, backup.get(), intent, gate);
                    if (record.phase() == Phase.Failed) {
                        return record;
                    }
                    backup = Optional.empty();
                    if (intent.notAfter().isPresent() && now().plus(intent.stageTimeout()).isAfter(intent.notAfter().get())) {
                        return recordEnd(record.withPhase(Phase.Deferred, "backup taken; stage " + stage.name()
                                + " deferred: it may take up to " + Intent.format(intent.stageTimeout()) + " and the window closes at "
                                + intent.notAfter().get() + "; the next run in a window continues", Optional.of(now())));
                    }
                    now = now();
                }
                StageRecord sr = new StageRecord(stage.name(), stage.image().toString(), StagePhase.Running,
                        Optional.of(record.stage(stage.name()).flatMap(StageRecord::startedAt).orElse(now)), Optional.empty());
                record = record.withStage(sr).withPhase(Phase.Running, "stage " + stage.name() + " running", Optional.empty());
                save(record, stage.name());
                events.emit(false, EventRecorder.STAGE_STARTED, "stage " + stage.name() + " started: image " + stage.image(),
                        home.eventTargets(plan.milvus()));
                if (stage.isApplied(s)) {
                    log.accept("stage " + stage.name() + ": spec already says " + stage.image() + "; waiting for the operator");
                } else {
                    checkpoints.reached(Checkpoint.BEFORE_PATCH, stage.name());
                    if (lock.lost()) {
                        // Checked again right before the write: a backup or a slow read may have taken longer than the Lease.
                        throw new RetryLater("this run lost Lease " + lock.leaseName() + " to another run before patching stage " + stage.name());
                    }
                    log.accept("stage " + stage.name() + ": patching Milvus " + plan.milvus() + " with " + stage.patch());
                    s = patchOnce(intent, stage, s);
                    checkpoints.reached(Checkpoint.AFTER_PATCH, stage.name());
                }
                Outcome outcome = waiter.await(s, stage, label, intent.stageTimeout(), () -> checkpoints.reached(Checkpoint.MID_WAIT, stage.name()));
                if (shutdown.requested().isPresent() && !(outcome instanceof Outcome.Completed)) {
                    return interrupted(record, "while stage " + stage.name() + " was rolling out");
                }
                Instant end = now();
                if (outcome instanceof Outcome.Completed done) {
                    // When this run saw it complete; for a stage that finished while no run watched, what the operator reported.
                    Instant finished = done.beforeWait() ? Progress.completedAt(done.snapshot(), stage.image().toString(), sr.startedAt(),
                            done.observedAt()) : done.observedAt();
                    finished = finished.truncatedTo(ChronoUnit.MILLIS);
                    log.accept(label + " succeeded in " + Intent.format(Duration.between(sr.startedAt().get(), finished)));
                    record = record.withStage(new StageRecord(sr.name(), sr.image(), StagePhase.Succeeded, sr.startedAt(), Optional.of(finished)));
                    save(record, stage.name());
                    events.emit(false, EventRecorder.STAGE_SUCCEEDED, "stage " + stage.name() + " succeeded: all components run " + stage.image(),
                            home.eventTargets(plan.milvus()));
                    if (gate.isPresent()) {
                        Duration timeout = intent.stageTimeout();
                        DataGate.Verdict v = gate.get().afterStage(stage.name(), stage.version().isAtLeast(Catalogue.STREAMING_ERA),
                                now().plus(timeout), record.dataCheck().orElseThrow(), () -> remedy47806(ref, stage, label, timeout, waiter));
                        if (v instanceof DataGate.Verdict.Failed f) {
                            return recordEnd(record.withDataCheck(f.record()).withPhase(Phase.Failed, f.message(),
                                    Optional.of(now())));
                        }
                        record = record.withDataCheck(((DataGate.Verdict.Passed) v).record());
                        save(record, stage.name());
                    }
                    checkpoints.reached(Checkpoint.BETWEEN_STAGES, stage.name());
                    continue;
                }
                record = record.withStage(new StageRecord(sr.name(), sr.image(), StagePhase.Failed, sr.startedAt(), Optional.of(end)));
                return recordEnd(record.withPhase(Phase.Failed, failure(outcome), Optional.of(end)));
            } catch (KubernetesClientException e) {
                if (shutdown.requested().isPresent()) {
                    return interrupted(record, "during stage " + stage.name());
                }
                if (RetryLater.isTemporary(e)) {
                    throw e; // the record says Running: the next run resumes where this one stopped
                }
                return recordEnd(refusedMidRun(record, stage, e));
            }
        }
        String after = home.intentNow()
                .filter(c -> c instanceof Checked.Ok<Intent>).map(c -> ((Checked.Ok<Intent>) c).value())
                .flatMap(latest -> retargeted(planned, latest)).map(why -> "; the intent changed during the run (" + why + "): rerun for it")
                .orElse("");
        String data = record.dataCheck().map(d -> "; data check: nothing lost in " + d.baseline().collections() + " collection(s)"
                + (d.warningsTotal() > 0 ? " (" + d.warningsTotal() + " warning(s): lower metadata counts, see dataCheck.warnings)" : "")
                + (d.canary().isEmpty() ? "" : ", canary " + d.canary() + " proved after every stage")
                + (d.mode() == DataCheck.Mode.WRITE ? ", writes verified by the probe"
                + (d.remedy47806() ? " after the milvus#47806 remedy" : "") : ""))
                .orElse("");
        boolean writesVerified = record.dataCheck().filter(d -> d.mode() == DataCheck.Mode.WRITE).isPresent();
        if (gate.isPresent()) {
            record = record.withDataCheck(gate.get().finish(record.dataCheck().orElseThrow())); // drops the canary
        }
        if (record.dataCheck().filter(d -> !d.kept().isEmpty()).isPresent()) {
            dropBaseline(plan.milvus()); // also when this run had dataCheck: off
        }
        return recordEnd(record.withPhase(Phase.Succeeded, "Milvus " + plan.milvus() + " upgraded from "
                + plan.from() + " to " + plan.target() + " in " + plan.stages().size() + " stage(s); message queue " + plan.msgStreamType()
                + " unchanged" + data + after + (writesVerified ? "" : "; " + CHECK_WRITES), Optional.of(now())));
    }

    /**
     * The backup before {@code stage}: recorded as its own stage whose image is the name of the current attempt and
     * whose start is when that attempt was asked for, so that a rerun after a crash finds it by name and waits for it
     * or sees it taken, never asking for a second one while one is under way; a retry after a failure asks under a
     * fresh name. A backup taken by an earlier run is verified again (fresh, of this cluster). Returns the record,
     * ended Failed when no verified backup is there.
     */
    private RunRecord takeBackup(Plan plan, Stage stage, RunRecord record, BackupGate gate, Intent intent, Optional<DataGate> data) {
        StageRecord b = record.stage(BackupPoint.STAGE).orElseThrow();
        String base = BackupPoint.name(plan.milvus(), record.startedAt());
        boolean wasTaken = b.phase() == StagePhase.Succeeded && record.backup().filter(t -> t.name().equals(b.image())).isPresent();
        Optional<BackupGate.Attempt> recorded = b.startedAt().map(t -> new BackupGate.Attempt(b.image(), t));
        List<String> only = BackupGate.qualified(intent.backup().orElseThrow().collections());
        List<String> baseline = data.map(DataGate::baselineCollections).orElse(List.of());
        BackupGate.Coverage cover = !only.isEmpty() ? new BackupGate.Coverage(only, false, "backupCollections")
                : !baseline.isEmpty() ? new BackupGate.Coverage(baseline, true, "Milvus " + plan.milvus() + " (the data check's baseline)")
                : BackupGate.Coverage.NONE;
        Duration maxAge = intent.backup().get().maxAge().orElse(intent.stageTimeout());
        RunRecord[] r = {record};
        BackupGate.Result result = gate.take(base, recorded, record.backup(), maxAge, cover, attempt -> {
            r[0] = r[0].withStage(new StageRecord(b.name(), attempt.name(), StagePhase.Running, Optional.of(attempt.askedAt()), Optional.empty()))
                    .withPhase(Phase.Running, "backup " + attempt.name() + " running", Optional.empty());
            save(r[0], BackupPoint.STAGE);
            events.emit(false, EventRecorder.BACKUP_STARTED, "backup " + attempt.name() + " asked of milvus-backup before stage " + stage.name(),
                    home.eventTargets(plan.milvus()));
        }, () -> checkpoints.reached(Checkpoint.MID_WAIT, BackupPoint.STAGE));
        Instant end = now();
        StageRecord current = r[0].stage(BackupPoint.STAGE).orElseThrow();
        if (result instanceof BackupGate.Result.Failed f) {
            r[0] = r[0].withStage(new StageRecord(b.name(), current.image(), StagePhase.Failed, current.startedAt(), Optional.of(end)));
            return recordEnd(r[0].withPhase(Phase.Failed, f.message(), Optional.of(end)));
        }
        BackupGate.Result.Taken ok = (BackupGate.Result.Taken) result;
        MilvusBackup.Backup taken = ok.backup();
        if (wasTaken && taken.name().equals(b.image())) {
            log.accept("backup " + taken.name() + " verified: ended " + ok.endedAt() + ", within maxBackupAge " + Intent.format(maxAge)
                    + (cover.collections().isEmpty() ? "" : ", covers " + cover.what()));
            return r[0];
        }
        // What get_backup said when the backup reached SUCCESS: a rerun after a restart of milvus-backup trusts the list by it.
        RunRecord.BackupRecord info = new RunRecord.BackupRecord(taken.name(), taken.size(), taken.collections().size(),
                taken.collections().stream().limit(10).toList(), Math.max(0, Duration.between(ok.askedAt(), end).toSeconds()),
                Optional.of(ok.endedAt()));
        r[0] = r[0].withStage(new StageRecord(b.name(), taken.name(), StagePhase.Succeeded, Optional.of(current.startedAt().orElse(ok.askedAt())),
                Optional.of(end))).withBackup(info);
        save(r[0], BackupPoint.STAGE);
        String line = "backup " + info.name() + " taken: " + info.size() + " bytes, " + info.collections() + " collection(s), in "
                + Intent.format(Duration.ofSeconds(info.seconds())) + (cover.collections().isEmpty() ? "" : "; covers " + cover.what());
        log.accept(line);
        events.emit(false, EventRecorder.BACKUP_SUCCEEDED, line, home.eventTargets(plan.milvus()));
        return r[0];
    }

    /** The baseline a rerun compares with, and the warning when the intent accepted losing it. */
    private record Kept(Optional<DataSnapshot> snapshot, Optional<String> accepted) {
    }

    private BaselineStore baselines() {
        return new BaselineStore(cluster.client(), settings.baselineLeaseBudget());
    }

    /**
     * The baseline the record says was kept: none when it says none (a record from before issue 21); refused as
     * "checkpoint lost" when it is not there or not readable, unless the intent accepts the cluster as it is.
     */
    private Checked<Kept> keptBaseline(RunRecord record, String milvusRef, Intent intent) {
        Optional<DataCheckRecord> d = record.dataCheck().filter(x -> !x.kept().isEmpty());
        if (d.isEmpty()) {
            return Checked.ok(new Kept(Optional.empty(), Optional.empty()));
        }
        String[] ref = milvusRef.split("/", 2);
        BaselineStore.Read got = baselines().load(ref[0], ref[1], d.get().kept());
        if (got instanceof BaselineStore.Read.Ok ok) {
            return Checked.ok(new Kept(Optional.of(ok.baseline().snapshot()), Optional.empty()));
        }
        String why = ((BaselineStore.Read.Lost) got).why();
        if (!intent.acceptClusterAsIs()) {
            return new Checked.Refused<>(CheckpointGuard.baselineLost(milvusRef, why));
        }
        return Checked.ok(new Kept(Optional.empty(), Optional.of(CheckpointGuard.baselineAccepted(why))));
    }

    /** After a success: the kept baseline goes (kept on failure, for whoever investigates); a failure to remove it is logged. */
    private void dropBaseline(String milvusRef) {
        String[] ref = milvusRef.split("/", 2);
        baselines().delete(ref[0], ref[1]).ifPresentOrElse(
                why -> log.accept("warning: the data check's baseline of " + milvusRef + " could not be removed (" + why + "); delete ConfigMap "
                        + BaselineStore.configMapName(ref[1]) + " and the Lease annotation " + BaselineStore.ANNOTATION + " yourself"),
                () -> log.accept("data: kept baseline removed"));
    }

    /** The data plane of a run: where it is and the checks on it. */
    private record Data(MilvusEndpoint endpoint, DataGate gate) {
    }

    /** The endpoint and credentials the intent names, and a gate on that data plane; refused if the Secret cannot be used. */
    private Checked<Data> dataGate(Intent intent, String milvusNs) {
        return MilvusAccess.endpoint(cluster.client(), intent.dataEndpoint(milvusNs), milvusNs, intent.milvusAuthSecret())
                .map(e -> Checked.ok(new Data(e, new DataGate(dataPlane.apply(e), intent.dataCheck(), clock, settings.progressEvery(), log,
                        Canary.name(milvusNs + "/" + intent.milvus(), intent.targetVersion()), intent.clientsWrite()))));
    }

    /**
     * The milvus#47806 remedy: restart mixcoord, then the streaming nodes, each through its
     * podAnnotations in the Milvus resource, and wait for each roll with the stage's completion rule.
     * Returns why it could not finish, if it could not.
     */
    private Optional<String> remedy47806(String[] ref, Stage stage, String label, Duration timeout, StageWaiter waiter) {
        for (Component c : List.of(Component.MIXCOORD, Component.STREAMINGNODE)) {
            log.accept(label + ": restarting " + c.statusKey() + " (milvus#47806 remedy)");
            cluster.restart(ref[0], ref[1], c, now().toString());
            ClusterSnapshot s = cluster.read(ref[0], ref[1]).orElseThrow(() -> new IllegalStateException("Milvus " + ref[0] + "/" + ref[1]
                    + " disappeared during the milvus#47806 remedy; fix: restore it, then rerun"));
            Outcome o = waiter.await(s, stage, label + " restart " + c.statusKey(), timeout, () -> { });
            if (!(o instanceof Outcome.Completed)) {
                return Optional.of("restarting " + c.statusKey() + ": " + failure(o));
            }
        }
        return Optional.empty();
    }

    /**
     * A change of the intent that would make another plan (the target, the Milvus resource, the
     * repository): the run stops before its next stage rather than silently finish the old one.
     */
    static Optional<String> retargeted(Intent was, Intent now) {
        List<String> changed = new ArrayList<>();
        if (!was.targetVersion().equals(now.targetVersion())) {
            changed.add("targetVersion " + was.targetVersion() + " -> " + now.targetVersion());
        }
        if (!was.milvus().equals(now.milvus()) || !was.milvusNamespace().equals(now.milvusNamespace())) {
            changed.add("milvus " + was.milvusNamespace().map(n -> n + "/").orElse("") + was.milvus() + " -> "
                    + now.milvusNamespace().map(n -> n + "/").orElse("") + now.milvus());
        }
        if (!was.imageRepository().equals(now.imageRepository())) {
            changed.add("imageRepository " + was.imageRepository().orElse("(current)") + " -> " + now.imageRepository().orElse("(current)"));
        }
        return changed.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", changed));
    }

    /**
     * An API request refused once the run had begun (403 after a Role change, an admission webhook's
     * 422): the run failed, and the stage under way with it; the stages before it stay recorded.
     */
    private RunRecord refusedMidRun(RunRecord record, Stage stage, KubernetesClientException e) {
        Instant end = now();
        RunRecord r = record.stage(stage.name()).filter(st -> st.phase() == StagePhase.Running)
                .map(st -> record.withStage(new StageRecord(st.name(), st.image(), StagePhase.Failed, st.startedAt(), Optional.of(end))))
                .orElse(record);
        String said = Optional.ofNullable(e.getStatus()).map(st -> st.getMessage()).filter(m -> m != null && !m.isBlank()).orElse(e.getMessage());
        return r.withPhase(Phase.Failed, "stage " + stage.name() + ": the API server refused a request (" + e.getCode() + " " + said
                + "); fix: check the milvus-upgrade Role and any admission webhook on Milvus resources, then rerun", Optional.of(end));
    }

    /**
     * Applies the stage patch guarded by resourceVersion. The operator writes status often, so a
     * conflict is ordinary: re-read, check that this stage is still the next step of a fresh plan
     * and not yet applied, and try again, a bounded number of times.
     */
    private ClusterSnapshot patchOnce(Intent intent, Stage stage, ClusterSnapshot basis) {
        ClusterSnapshot s = basis;
        for (int attempt = 1; ; attempt++) {
            try {
                cluster.applyStage(s, stage);
                return s;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 5) {
                    throw e;
                }
                s = cluster.read(s.namespace(), s.name()).orElseThrow(() -> e);
                if (stage.isApplied(s)) {
                    return s;
                }
                Decision again = settings.policy().plan(intent, s, catalogue);
                if (!(again instanceof Decision.Staged st) || !st.plan().stages().get(0).equals(stage)) {
                    throw new RetryLater("Milvus " + s.qualifiedName() + " changed while stage " + stage.name()
                            + " was about to be applied; rerun to plan again");
                }
                log.accept("stage " + stage.name() + ": resourceVersion conflict, retrying on a fresh read (" + attempt + ")");
            }
        }
    }

    private static String failure(Outcome o) {
        if (o instanceof Outcome.TimedOut t) {
            return t.message();
        }
        if (o instanceof Outcome.Drifted d) {
            return d.message();
        }
        if (o instanceof Outcome.Deadlocked d) {
            return d.message();
        }
        return ((Outcome.Vanished) o).message();
    }

    /**
     * A rerun of an unfinished run keeps its start time, its starting version and the stages it
     * already completed; the stages still to do come from the fresh plan.
     */
    private static RunRecord resumedFrom(RunRecord fresh, Optional<RunRecord> previous, ClusterSnapshot s, Instant readAt) {
        Optional<RunRecord> continued = resumable(previous, fresh.milvus(), fresh.targetVersion());
        if (continued.isEmpty()) {
            return fresh;
        }
        RunRecord old = continued.get();
        // A recorded stage that the fresh plan no longer needs is done: the cluster shows it.
        List<StageRecord> stages = new ArrayList<>(finishUnobserved(old.stages(), o -> fresh.stage(o.name()).isEmpty() && o.startedAt().isPresent(),
                s, readAt));
        for (StageRecord f : fresh.stages()) {
            stages.add(old.stage(f.name()).filter(o -> (o.image().equals(f.image()) || BackupPoint.STAGE.equals(o.name())
                    && BackupPoint.attemptOf(o.image(), f.image()).isPresent()) && o.startedAt().isPresent())
                    // A backup taken is taken; a planned stage still in the plan is not done.
                    .map(o -> BackupPoint.STAGE.equals(o.name()) && o.phase() == StagePhase.Succeeded ? o
                            : new StageRecord(o.name(), o.image(), StagePhase.Pending, o.startedAt(), Optional.<Instant>empty()))
                    .orElse(f));
        }
        return new RunRecord(fresh.phase(), fresh.milvus(), old.fromVersion().isEmpty() ? fresh.fromVersion() : old.fromVersion(),
                fresh.targetVersion(), stages, fresh.message(), old.startedAt(), fresh.finishedAt(), fresh.runId(), fresh.warnings(),
                old.dataCheck(), old.backup());
    }

    /**
     * Marks Succeeded the stages a fresh read shows done that no run saw finish. Their finishedAt is
     * the operator's own time where it has one (MilvusUpdated turning True on that image), else the
     * start of the stage that followed (the run that started it saw this one done), else the read.
     */
    private static List<StageRecord> finishUnobserved(List<StageRecord> recorded, Predicate<StageRecord> done, ClusterSnapshot s,
            Instant readAt) {
        List<StageRecord> out = new ArrayList<>();
        for (int i = 0; i < recorded.size(); i++) {
            StageRecord st = recorded.get(i);
            if (!done.test(st)) {
                continue;
            }
            if (st.phase() == StagePhase.Succeeded) {
                out.add(st);
                continue;
            }
            Instant observed = i + 1 < recorded.size() ? recorded.get(i + 1).startedAt().orElse(readAt) : readAt;
            Instant finished = Progress.completedAt(s, st.image(), st.startedAt(), observed).truncatedTo(ChronoUnit.MILLIS);
            out.add(new StageRecord(st.name(), st.image(), StagePhase.Succeeded, st.startedAt(), Optional.of(finished)));
        }
        return out;
    }

    /** A record of a run that changed something: a dry run or one paused or deferred before its first stage did not. */
    private static boolean startedAnyStage(RunRecord r) {
        return r.stages().stream().anyMatch(st -> st.startedAt().isPresent());
    }

    private static String planMessage(Plan plan) {
        return "planned " + plan.from() + " -> " + plan.target() + ": " + String.join(", ", plan.stages().stream().map(Stage::name).toList());
    }

    /**
     * A rejection. When it interrupts an upgrade under way (the previous record, for the same Milvus
     * and target, started a stage) it keeps that record's stages, start and starting version, so the
     * run that follows the fix resumes from them.
     */
    RunRecord rejected(Optional<RunRecord> previous, String milvus, String from, String target, Rejection why, Instant started,
            String runId) {
        return resumable(previous, milvus, target)
                .map(p -> new RunRecord(Phase.Rejected, milvus, p.fromVersion(), target, p.stages(), why.message(), p.startedAt(),
                        Optional.of(now()), runId))
                .orElse(new RunRecord(Phase.Rejected, milvus, from, target, List.of(), why.message(), started, Optional.of(now()), runId));
    }

    Runner.Report finish(boolean write, RunRecord r, Optional<Plan> plan) {
        return new Runner.Report(write ? recordEnd(r) : r, plan);
    }

    private void save(RunRecord r, String stage) {
        checkpoints.reached(Checkpoint.RECORD, stage);
        home.save(r);
    }

    /**
     * SIGTERM (the Job's deadline, an eviction, a drain): the record says where the run stopped, with the stage under
     * way still Running, so that the next run resumes it; an Event says so too. The Lease is released by the caller.
     */
    private RunRecord interrupted(RunRecord record, String where) {
        // The interrupt that stopped the wait must not cut the record and Event writes short.
        Thread.interrupted();
        String why = shutdown.requested().orElse("a stop request");
        log.accept("interrupted by " + why + " " + where + "; recording where the run stopped");
        return recordEnd(record.withPhase(Phase.Interrupted, "interrupted by " + why + " " + where + " (the Job's activeDeadlineSeconds, an"
                + " eviction or a drain); nothing is lost; fix: run again (the Job retries on exit 75) and it resumes here", Optional.empty()));
    }

    private RunRecord recordEnd(RunRecord r) {
        save(r, "");
        log.accept(r.phase() + ": " + r.message());
        String reason = switch (r.phase()) {
            case Succeeded -> EventRecorder.UPGRADE_SUCCEEDED;
            case Failed -> EventRecorder.UPGRADE_FAILED;
            case Rejected -> EventRecorder.UPGRADE_REJECTED;
            case Deferred -> EventRecorder.UPGRADE_DEFERRED;
            case Paused -> EventRecorder.UPGRADE_PAUSED;
            case Interrupted -> EventRecorder.UPGRADE_INTERRUPTED;
            default -> "";
        };
        if (!reason.isEmpty()) {
            events.emit(r.phase() == Phase.Failed || r.phase() == Phase.Rejected || r.phase() == Phase.Interrupted, reason, r.message(), home.eventTargets(r.milvus()));
        }
        return r;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}

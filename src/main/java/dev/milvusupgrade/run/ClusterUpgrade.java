package dev.milvusupgrade.run;

import dev.milvusupgrade.data.MilvusBackup;
import dev.milvusupgrade.data.MilvusData;
import dev.milvusupgrade.k8s.ApiError;
import dev.milvusupgrade.k8s.ClusterGateway;
import dev.milvusupgrade.k8s.EventRecorder;
import dev.milvusupgrade.k8s.RunLock;
import dev.milvusupgrade.k8s.StageWaiter;
import dev.milvusupgrade.k8s.StageWaiter.Outcome;
import dev.milvusupgrade.plan.BackupPoint;
import dev.milvusupgrade.plan.Catalogue;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.CheckpointGuard;
import dev.milvusupgrade.plan.ClusterSnapshot;
import dev.milvusupgrade.plan.DataCheck;
import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.DataSnapshot;
import dev.milvusupgrade.plan.Decision;
import dev.milvusupgrade.plan.ImageRef;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.MilvusRef;
import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.Plan;
import dev.milvusupgrade.plan.Progress;
import dev.milvusupgrade.plan.Rejection;
import dev.milvusupgrade.plan.Resume;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.RunRecord.StagePhase;
import dev.milvusupgrade.plan.RunRecord.StageRecord;
import dev.milvusupgrade.plan.Stage;
import dev.milvusupgrade.plan.StageGuard;
import dev.milvusupgrade.plan.Stop;
import dev.milvusupgrade.plan.Version;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * One Milvus cluster's upgrade: preflight, plan, then for each stage apply, wait, check the data
 * and checkpoint, recording on its {@link UpgradeHome}. The single-cluster mode and the fleet both drive
 * it; they differ only in where the record lives and what may stop it between two stages. What
 * stops a run is decided by the pure rules of {@link StageGuard} and {@link Resume}; every end is
 * written by {@link #finish(RunRecord)}.
 */
final class ClusterUpgrade {

    private final ClusterGateway cluster;
    private final Shutdown shutdown;
    private final Function<MilvusEndpoint, MilvusData> dataPlane;
    private final Function<URI, MilvusBackup> backups;
    private final EventRecorder events;
    private final StageWaiter waiter;
    private final UpgradeHome home;
    private final Instant started;
    private final String runId;
    private RunContext ctx;
    /** The Milvus resource this upgrade is about, once known; an invalid intent may name none. */
    private MilvusRef ref;
    /** The bundled release catalogue, with the intent's user catalogue on top once decide has read it. */
    private Catalogue catalogue = Catalogue.builtIn();

    ClusterUpgrade(Runner.Tools tools, StageWaiter waiter, EventRecorder events, UpgradeHome home, Instant started, String runId) {
        this.cluster = tools.cluster();
        this.ctx = RunContext.of(tools, runId);
        this.shutdown = tools.shutdown();
        this.dataPlane = tools.dataPlane();
        this.backups = tools.backups();
        this.waiter = waiter;
        this.events = events;
        this.home = home;
        this.started = started;
        this.runId = runId;
        this.ref = new MilvusRef(home.namespace(), "");
    }

    /** The same upgrade, about Milvus {@code milvus}: where its Events go when it ends before {@link #decide}. */
    ClusterUpgrade about(MilvusRef milvus) {
        this.ref = milvus;
        this.ctx = ctx.about(milvus);
        return this;
    }

    private DataSteps data() {
        return new DataSteps(cluster, ctx, ref, dataPlane, home.namespace() + "/" + home.intentName());
    }

    private RunLog log() {
        return ctx.log();
    }

    /** Preflight and plan; with {@code lock} (held) also executes and records. */
    Runner.Report decide(Intent intent, Optional<RunLock> lock) {
        boolean write = lock.isPresent();
        about(new MilvusRef(intent.milvusNamespace().orElse(home.namespace()), intent.milvus()));
        String target = intent.targetVersion().toString();
        if (write && intent.paused()) {
            return finish(true, Resume.paused(home.previous(), ref.toString(), target, started, runId, now()), Optional.empty());
        }
        ClusterGateway.Found found = cluster.find(ref);
        if (found instanceof ClusterGateway.Found.Forbidden) {
            return refuse(write, home.previous(), "", target, Rejection.of("this tool may not read Milvus " + ref + " (403 Forbidden)",
                    "bind the milvus-upgrade Role in namespace " + ref.namespace() + " to its ServiceAccount, or fix milvusNamespace"));
        }
        if (!(found instanceof ClusterGateway.Found.Present present)) {
            return refuse(write, home.previous(), "", target, Rejection.of("Milvus " + ref + " not found",
                    "check the intent keys milvus and milvusNamespace ('kubectl get milvus -A')"));
        }
        ClusterSnapshot s = present.snapshot();
        Instant readAt = now();
        if (home.unreadable().isPresent() && !intent.acceptClusterAsIs()) {
            // Never a silent restart: the record may hold the baseline an interrupted stage must be compared with.
            return refuse(write, Optional.empty(), "", target, CheckpointGuard.unreadable(ref.toString(), home.unreadable().get()));
        }
        Optional<Version> running = ImageRef.parse(s.image()).flatMap(ImageRef::tagVersion);
        String from = running.map(Version::toString).orElse("");
        return cluster.catalogue(home.namespace(), intent.releaseCatalogue()).fold(releases -> {
            catalogue = releases;
            return planned(intent, lock, s, readAt, from);
        }, bad -> refuse(write, home.previous(), from, target, bad));
    }

    private Runner.Report planned(Intent intent, Optional<RunLock> lock, ClusterSnapshot s, Instant readAt, String from) {
        boolean write = lock.isPresent();
        Decision decision = ctx.settings().policy().plan(intent, s, catalogue);
        if (decision instanceof Decision.Refuse refuse) {
            return refuse(write, home.previous(), from, intent.targetVersion().toString(), refuse.rejection());
        }
        if (decision instanceof Decision.NoOp noop) {
            noop.warnings().forEach(log()::warn);
            return finish(write, Resume.unobservedFinish(home.previous(), ref.toString(), noop.version().toString())
                    .map(r -> confirmed(r, intent, write, s, readAt))
                    .orElseGet(() -> new RunRecord(Phase.NoOp, ref.toString(), noop.version().toString(),
                            (intent.recommendedTarget() ? noop.version() : intent.targetVersion()).toString(), List.of(), "Milvus " + ref
                            + " already runs " + noop.version() + " and the operator finished rolling it; nothing to do",
                            started, Optional.of(now()), runId)), Optional.empty(), noop.warnings());
        }
        Plan plan = ((Decision.Staged) decision).plan();
        boolean resuming = Resume.resumable(home.previous(), ref.toString(), plan.target().toString()).isPresent();
        Optional<Rejection> lost = CheckpointGuard.lost(intent, plan, s, resuming);
        if (lost.isPresent()) {
            return refuse(write, home.previous(), plan.from().toString(), plan.target().toString(), lost.get());
        }
        RunRecord record = fresh(intent, plan, s, readAt, resuming);
        String planned = "planned " + plan.from() + " -> " + plan.target() + ": "
                + String.join(", ", plan.stages().stream().map(Stage::name).toList());
        if (!write || intent.dryRun()) {
            return finish(write, record.withPhase(Phase.Planned, planned, Optional.of(now())), Optional.of(plan));
        }
        return new Runner.Report(execute(intent, plan, record, lock.get()), Optional.of(plan));
    }

    /** The record of a planned run, resuming the record of the run it continues; logs the plan. */
    private RunRecord fresh(Intent intent, Plan plan, ClusterSnapshot s, Instant readAt, boolean resuming) {
        List<String> warnings = new ArrayList<>(plan.warnings());
        CheckpointGuard.accepted(intent, home.unreadable(), plan, s, resuming).ifPresent(warnings::add);
        plan.warnings().forEach(log()::warn);
        log().info("plan: " + plan.from() + " -> " + plan.target() + " in " + plan.stages().size() + " stage(s), message queue "
                + plan.msgStreamType() + " kept");
        for (Stage st : plan.stages()) {
            log().info("  stage " + st.name() + (st.isApplied(s) ? " (already applied, will wait)" : "") + ": patch " + st.patch());
        }
        List<StageRecord> stages = new ArrayList<>(plan.stages().stream().map(st -> new StageRecord(st.name(), st.image().toString(),
                StagePhase.Pending, Optional.<Instant>empty(), Optional.<Instant>empty())).toList());
        OptionalInt backupAt = backupAt(intent, plan);
        if (backupAt.isPresent()) {
            // The same name for every run of this upgrade: a rerun finds the backup by it.
            Instant upgradeStart = Resume.resumable(home.previous(), ref.toString(), plan.target().toString()).map(RunRecord::startedAt)
                    .orElse(started);
            String name = BackupPoint.name(ref.toString(), upgradeStart);
            stages.add(backupAt.getAsInt(), new StageRecord(BackupPoint.STAGE, name, StagePhase.Pending, Optional.empty(),
                    Optional.empty()));
            log().info("  backup " + name + " by milvus-backup at " + intent.backup().get().endpoint() + " before stage "
                    + plan.stages().get(backupAt.getAsInt()).name());
        }
        RunRecord record = new RunRecord(Phase.Running, ref.toString(), plan.from().toString(), plan.target().toString(), stages, "",
                started, Optional.empty(), runId);
        return Resume.resumedFrom(record, home.previous(), s, readAt).withWarnings(warnings);
    }

    private static OptionalInt backupAt(Intent intent, Plan plan) {
        return intent.backup().map(b -> BackupPoint.before(plan, b.always())).orElse(OptionalInt.empty());
    }

    /**
     * An earlier run did the work and died before recording the end: its record finished. A run that failed its data
     * check is not finished by a rerun that does not check again.
     */
    private RunRecord confirmed(RunRecord r, Intent intent, boolean write, ClusterSnapshot s, Instant readAt) {
        String data = "";
        boolean dataFailed = r.dataCheck().map(d -> d.stages().stream().anyMatch(st -> st.outcome() != DataCheckRecord.Outcome.OK))
                .orElse(false);
        RunRecord checked = r;
        if (write && dataFailed && intent.dataCheck() == DataCheck.Mode.OFF) {
            data = "; the data check that failed was not repeated (dataCheck: off)";
        } else if (write && dataFailed) {
            Checked<DataSteps.Kept> kept = data().keptBaseline(r, intent);
            if (kept instanceof Checked.Refused<DataSteps.Kept> lost) {
                log().refused(lost.rejection());
                return r.withPhase(Phase.Rejected, lost.rejection().message(), Optional.of(now())).withRunId(runId);
            }
            DataCheckRecord failed = r.dataCheck().get();
            Optional<DataSnapshot> first = kept.fold(DataSteps.Kept::snapshot, no -> Optional.empty());
            Checked<DataCheckRecord> again = data().dataGate(intent).map(g -> g.gate().recheck(g.endpoint().toString(), failed, first));
            if (again instanceof Checked.Refused<DataCheckRecord> no) {
                log().refused(no.rejection());
                return r.withPhase(Phase.Failed, no.rejection().message(), Optional.of(now())).withRunId(runId);
            }
            checked = again.fold(r::withDataCheck, no -> r);
            data = "; data check repeated: nothing lost";
        }
        RunRecord done = Resume.confirmed(checked, s, readAt, now(), runId, data);
        if (write && done.dataCheck().filter(d -> !d.kept().isEmpty()).isPresent()) {
            data().dropBaseline();
        }
        return done;
    }

    private RunRecord execute(Intent planned, Plan plan, RunRecord record, RunLock lock) {
        ctx.checkpoints().reached(Checkpoint.PLANNED, "");
        RunState run = new RunState(planned, plan, record, lock, backupAt(planned, plan));
        Optional<RunRecord> ended = data().prepare(run).or(() -> new BackupStep(this, backups, ctx, ref).prepare(run))
                .map(stop -> end(run.record, stop));
        for (int i = 0; ended.isEmpty() && i < plan.stages().size(); i++) {
            ended = stage(run, i);
        }
        return ended.orElseGet(() -> succeeded(run));
    }

    /** Stage {@code i}: guard, backup, patch, wait, data check. Returns the ended record when the run stops. */
    private Optional<RunRecord> stage(RunState run, int i) {
        Stage stage = run.plan.stages().get(i);
        String label = "stage " + (i + 1) + "/" + run.plan.stages().size() + " " + stage.name();
        try {
            Optional<ClusterSnapshot> read = cluster.read(ref);
            if (read.isEmpty()) {
                return Optional.of(end(run.record, new Stop.End(Phase.Failed, "Milvus " + ref + " disappeared before stage " + stage.name()
                        + "; fix: restore it, then rerun")));
            }
            ClusterSnapshot s = read.get();
            Optional<Stop> stop = guard(run, stage, s);
            if (stop.isEmpty() && run.backup.isPresent() && i == run.backupAt.getAsInt() && !stage.isApplied(s)) {
                Optional<RunRecord> failed = new BackupStep(this, backups, ctx, ref).take(run, stage);
                if (failed.isPresent()) {
                    return Optional.of(finish(failed.get()));
                }
                stop = StageGuard.window(run.intent, stage.name(), false, now(), "backup taken; ");
            }
            if (stop.isPresent()) {
                return Optional.of(stopped(run.record, stop.get()));
            }
            StageRecord sr = start(run, stage, s);
            Outcome outcome = waiter.await(patched(run, stage, s), stage, label, run.intent.stageTimeout(),
                    () -> ctx.checkpoints().reached(Checkpoint.MID_WAIT, stage.name()));
            if (!(outcome instanceof Outcome.Completed done)) {
                String where = "while stage " + stage.name() + " was rolling out";
                Optional<Stop> interrupted = StageGuard.interrupted(shutdown.requested(), where);
                if (interrupted.isPresent()) {
                    return Optional.of(stopped(run.record, interrupted.get()));
                }
                Instant end = now();
                run.record = run.record.withStage(new StageRecord(sr.name(), sr.image(), StagePhase.Failed, sr.startedAt(),
                        Optional.of(end)));
                return Optional.of(finish(run.record.withPhase(Phase.Failed, StageWrites.failure(outcome), Optional.of(end))));
            }
            return completed(run, stage, label, sr, done);
        } catch (RuntimeException e) {
            return Optional.of(refusedMidRun(run.record, stage, e));
        }
    }

    /** The {@link StageGuard} rules before {@code stage}, on the intent as it is now; the run goes on with that intent. */
    private Optional<Stop> guard(RunState run, Stage stage, ClusterSnapshot s) {
        Checked<Intent> now = home.intentNow().orElseThrow(() -> new IllegalStateException("intent ConfigMap " + home.namespace() + "/"
                + home.intentName() + " was deleted during the run; fix: recreate it, then rerun to continue from the cluster's state"));
        Optional<Stop> stop = StageGuard.beforeStage(new StageGuard.BeforeStage(run.intent, now, () -> home.haltedBefore(stage.name()), ref,
                stage, s, latest -> ctx.settings().policy().plan(latest, s, catalogue), now(), shutdown::requested, lease(run.lock)));
        run.intent = now.fold(latest -> latest, bad -> run.intent); // stageTimeout, notAfter and allowUnorderedRollout as they are now
        return stop;
    }

    static StageGuard.Lease lease(RunLock lock) {
        return new StageGuard.Lease(lock.leaseName(), lock.lost());
    }

    private StageWrites writes() {
        return new StageWrites(cluster, ctx, ref, waiter, catalogue);
    }

    /** The stage recorded Running (its first start kept) and announced. */
    private StageRecord start(RunState run, Stage stage, ClusterSnapshot s) {
        StageRecord sr = new StageRecord(stage.name(), stage.image().toString(), StagePhase.Running,
                Optional.of(run.record.stage(stage.name()).flatMap(StageRecord::startedAt).orElse(now())), Optional.empty());
        run.record = run.record.withStage(sr).withPhase(Phase.Running, "stage " + stage.name() + " running", Optional.empty());
        save(run.record, stage.name());
        emit(false, EventRecorder.STAGE_STARTED, "stage " + stage.name() + " started: image " + stage.image());
        return sr;
    }

    /** The stage's patch sent, unless the spec already has it; the snapshot the wait starts from. */
    private ClusterSnapshot patched(RunState run, Stage stage, ClusterSnapshot s) {
        if (stage.isApplied(s)) {
            log().info("stage " + stage.name() + ": spec already says " + stage.image() + "; waiting for the operator");
            return s;
        }
        ctx.checkpoints().reached(Checkpoint.BEFORE_PATCH, stage.name());
        ClusterSnapshot basis = writes().patch(run, stage, s);
        ctx.checkpoints().reached(Checkpoint.AFTER_PATCH, stage.name());
        return basis;
    }

    /** A stage seen complete: recorded, announced, and the data checked after it. */
    private Optional<RunRecord> completed(RunState run, Stage stage, String label, StageRecord sr, Outcome.Completed done) {
        // When this run saw it complete; for a stage that finished while no run watched, what the operator reported.
        Instant finished = (done.beforeWait()
                ? Progress.completedAt(done.snapshot(), stage.image().toString(), sr.startedAt(), done.observedAt())
                : done.observedAt()).truncatedTo(ChronoUnit.MILLIS);
        log().info(label + " succeeded in " + Intent.format(Duration.between(sr.startedAt().get(), finished)));
        run.record = run.record.withStage(new StageRecord(sr.name(), sr.image(), StagePhase.Succeeded, sr.startedAt(),
                Optional.of(finished)));
        save(run.record, stage.name());
        emit(false, EventRecorder.STAGE_SUCCEEDED, "stage " + stage.name() + " succeeded: all components run " + stage.image());
        if (run.gate.isPresent()) {
            Duration timeout = run.intent.stageTimeout();
            DataGate.Verdict v = run.gate.get().afterStage(stage.name(), stage.version().isAtLeast(Catalogue.STREAMING_ERA),
                    now().plus(timeout), run.record.dataCheck().orElseThrow(), () -> writes().remedy47806(run, stage, label, timeout));
            if (v instanceof DataGate.Verdict.Failed f) {
                return Optional.of(finish(run.record.withDataCheck(f.record()).withPhase(Phase.Failed, f.message(), Optional.of(now()))));
            }
            run.record = run.record.withDataCheck(((DataGate.Verdict.Passed) v).record());
            save(run.record, stage.name());
        }
        ctx.checkpoints().reached(Checkpoint.BETWEEN_STAGES, stage.name());
        return Optional.empty();
    }

    private RunRecord succeeded(RunState run) {
        Plan plan = run.plan;
        String after = home.intentNow().flatMap(Checked::toOptional).flatMap(latest -> Resume.retarget(run.planned, latest))
                .map(why -> "; the intent changed during the run (" + why + "): rerun for it").orElse("");
        String data = run.record.dataCheck().map(d -> "; data check: nothing lost in " + d.baseline().collections() + " collection(s)"
                + (d.warningsTotal() > 0 ? " (" + d.warningsTotal() + " warning(s): lower metadata counts, see dataCheck.warnings)" : "")
                + (d.canary().isEmpty() ? "" : ", canary " + d.canary() + " proved after every stage")
                + (d.mode() == DataCheck.Mode.WRITE
                        ? ", writes verified by the probe" + (d.remedy47806() ? " after the milvus#47806 remedy" : "") : ""))
                .orElse("");
        boolean writesVerified = run.record.dataCheck().filter(d -> d.mode() == DataCheck.Mode.WRITE).isPresent();
        if (run.gate.isPresent()) {
            run.record = run.record.withDataCheck(run.gate.get().finish(run.record.dataCheck().orElseThrow())); // drops the canary
        }
        if (run.record.dataCheck().filter(d -> !d.kept().isEmpty()).isPresent()) {
            data().dropBaseline(); // also when this run had dataCheck: off
        }
        return finish(run.record.withPhase(Phase.Succeeded, "Milvus " + ref + " upgraded from " + plan.from() + " to " + plan.target()
                + " in " + plan.stages().size() + " stage(s); message queue " + plan.msgStreamType() + " unchanged" + data + after
                + (writesVerified ? "" : "; " + Resume.CHECK_WRITES), Optional.of(now())));
    }

    /**
     * An API request refused once the run had begun (403 after a Role change, an admission webhook's 422): the run
     * failed, and the stage under way with it; the stages before it stay recorded. A temporary failure (no answer,
     * 409, 429, 5xx) is rethrown: the record says Running and the next run resumes where this one stopped.
     */
    private RunRecord refusedMidRun(RunRecord record, Stage stage, RuntimeException e) {
        ApiError refused = ApiError.of(e).orElseThrow(() -> e);
        if (shutdown.requested().isPresent()) {
            return stopped(record, StageGuard.interrupted(shutdown.requested(), "during stage " + stage.name()).orElseThrow());
        }
        if (RetryLater.isTemporary(e)) {
            throw e;
        }
        Instant end = now();
        RunRecord r = record.stage(stage.name()).filter(st -> st.phase() == StagePhase.Running)
                .map(st -> record.withStage(new StageRecord(st.name(), st.image(), StagePhase.Failed, st.startedAt(), Optional.of(end))))
                .orElse(record);
        return finish(r.withPhase(Phase.Failed, "stage " + stage.name() + ": the API server refused a request (" + refused.code() + " "
                + refused.said() + "); fix: check the milvus-upgrade Role and any admission webhook on Milvus resources, then rerun",
                Optional.of(end)));
    }

    /** A refusal: recorded (when {@code write}) with the stages of the upgrade it interrupts, if any. */
    private Runner.Report refuse(boolean write, Optional<RunRecord> previous, String from, String target, Rejection why) {
        log().refused(why);
        return finish(write, rejected(previous, ref.toString(), from, target, why, started, runId), Optional.empty());
    }

    /** A rejection, keeping the record of an upgrade under way (see {@link Resume#rejected}). */
    RunRecord rejected(Optional<RunRecord> previous, String milvus, String from, String target, Rejection why, Instant started,
            String runId) {
        return Resume.rejected(previous, milvus, from, target, why, started, runId, now());
    }

    /** What the run says: {@code r} recorded and emitted when {@code write}, as it is when only planning. */
    Runner.Report finish(boolean write, RunRecord r, Optional<Plan> plan) {
        return new Runner.Report(write ? finish(r) : r, plan);
    }

    private Runner.Report finish(boolean write, RunRecord r, Optional<Plan> plan, List<String> warnings) {
        return new Runner.Report(write ? finish(r) : r, plan, warnings);
    }

    /** A {@link StageGuard} stop: an end recorded, or the run left Running for the next one. */
    private RunRecord stopped(RunRecord record, Stop stop) {
        if (stop instanceof Stop.Later later) {
            return stopLater(later);
        }
        return end(record, (Stop.End) stop);
    }

    static RunRecord stopLater(Stop stop) {
        throw new RetryLater(((Stop.Later) stop).message());
    }

    RunRecord end(RunRecord record, Stop.End stop) {
        boolean interrupted = stop.phase() == Phase.Interrupted;
        if (interrupted) {
            // The interrupt that stopped the wait must not cut the record and Event writes short.
            Thread.interrupted();
        }
        stop.note().ifPresent(log()::info);
        return finish(record.withPhase(stop.phase(), stop.message(), interrupted ? Optional.empty() : Optional.of(now())));
    }

    /** The one writer of a run's end: the record saved, one log line, one Event. */
    private RunRecord finish(RunRecord r) {
        save(r, "");
        log().info(r.phase() + ": " + r.message());
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
            emit(r.phase() == Phase.Failed || r.phase() == Phase.Rejected || r.phase() == Phase.Interrupted, reason, r.message());
        }
        return r;
    }

    void emit(boolean warning, String reason, String message) {
        events.emit(warning, reason, message, ref, home.namespace(), home.intentName());
    }

    void save(RunRecord r, String stage) {
        ctx.checkpoints().reached(Checkpoint.RECORD, stage);
        home.save(r);
    }

    Instant now() {
        return ctx.now();
    }
}

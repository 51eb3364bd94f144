package dev.milvusupgrade.run;

import dev.milvusupgrade.data.MilvusBackup;
import dev.milvusupgrade.plan.BackupPoint;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.MilvusRef;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.Rejection;
import dev.milvusupgrade.plan.Resume;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.RunRecord.StagePhase;
import dev.milvusupgrade.plan.RunRecord.StageRecord;
import dev.milvusupgrade.plan.Stage;
import dev.milvusupgrade.plan.Stop;
import dev.milvusupgrade.k8s.EventRecorder;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** The backup steps of one cluster's run: milvus-backup checked before the first stage, the backup before the point of no return. */
final class BackupStep {

    private final ClusterUpgrade upgrade;
    private final Function<URI, MilvusBackup> backups;
    private final RunContext ctx;
    private final RunLog log;
    private final MilvusRef ref;

    BackupStep(ClusterUpgrade upgrade, Function<URI, MilvusBackup> backups, RunContext ctx, MilvusRef ref) {
        this.upgrade = upgrade;
        this.backups = backups;
        this.ctx = ctx;
        this.log = ctx.log();
        this.ref = ref;
    }

    /** Until the first 2.6 stage is started, a backup taken is verified again (fresh, of this cluster) before its patch. */
    Optional<Stop.End> prepare(RunState run) {
        if (run.backupAt.isEmpty()
                || run.record.stage(run.plan.stages().get(run.backupAt.getAsInt()).name()).flatMap(StageRecord::startedAt).isPresent()) {
            return Optional.empty();
        }
        Intent.Backup asked = run.intent.backup().get();
        BackupGate b = new BackupGate(backups.apply(asked.endpoint()), asked, ctx.clock(), ctx.settings().pollEvery(), log);
        List<String> warnings = new ArrayList<>(run.record.warnings());
        Optional<Rejection> down = b.preflight(warnings);
        if (down.isPresent()) {
            log.refused(down.get());
            return Optional.of(new Stop.End(Resume.startedAnyStage(run.record) ? Phase.Failed : Phase.Rejected, down.get().message()));
        }
        boolean skipped = warnings.size() > run.record.warnings().size(); // optional and unreachable: said in the warnings
        run.record = run.record.withWarnings(warnings);
        run.backup = skipped ? Optional.empty() : Optional.of(b);
        return Optional.empty();
    }

    /**
     * The backup before {@code stage}: recorded as its own stage whose image is the name of the current attempt and
     * whose start is when that attempt was asked for, so that a rerun after a crash finds it by name and waits for it
     * or sees it taken, never asking for a second one while one is under way; a retry after a failure asks under a
     * fresh name. A backup taken by an earlier run is verified again (fresh, of this cluster). Returns the record
     * to end Failed when no verified backup is there.
     */
    Optional<RunRecord> take(RunState run, Stage stage) {
        StageRecord b = run.record.stage(BackupPoint.STAGE).orElseThrow();
        Intent.Backup asked = run.intent.backup().orElseThrow();
        boolean wasTaken = b.phase() == StagePhase.Succeeded && run.record.backup().filter(t -> t.name().equals(b.image())).isPresent();
        List<String> only = BackupGate.qualified(asked.collections());
        List<String> baseline = run.gate.map(DataGate::baselineCollections).orElse(List.of());
        BackupGate.Coverage cover = !only.isEmpty() ? new BackupGate.Coverage(only, false, "backupCollections")
                : !baseline.isEmpty() ? new BackupGate.Coverage(baseline, true, "Milvus " + ref + " (the data check's baseline)")
                : BackupGate.Coverage.NONE;
        Duration maxAge = asked.maxAge().orElse(run.intent.stageTimeout());
        BackupGate.Result result = run.backup.get().take(BackupPoint.name(ref.toString(), run.record.startedAt()),
                b.startedAt().map(t -> new BackupGate.Attempt(b.image(), t)), run.record.backup(), maxAge, cover, attempt -> {
                    run.record = run.record.withStage(new StageRecord(b.name(), attempt.name(), StagePhase.Running,
                            Optional.of(attempt.askedAt()), Optional.empty()))
                                .withPhase(Phase.Running, "backup " + attempt.name() + " running", Optional.empty());
                    upgrade.save(run.record, BackupPoint.STAGE);
                    upgrade.emit(false, EventRecorder.BACKUP_STARTED, "backup " + attempt.name() + " asked of milvus-backup before stage "
                            + stage.name());
                }, () -> ctx.checkpoints().reached(Checkpoint.MID_WAIT, BackupPoint.STAGE));
        run.backup = Optional.empty();
        Instant end = now();
        StageRecord current = run.record.stage(BackupPoint.STAGE).orElseThrow();
        if (result instanceof BackupGate.Result.Failed f) {
            run.record = run.record.withStage(new StageRecord(b.name(), current.image(), StagePhase.Failed, current.startedAt(),
                    Optional.of(end)));
            return Optional.of(run.record.withPhase(Phase.Failed, f.message(), Optional.of(end)));
        }
        BackupGate.Result.Taken ok = (BackupGate.Result.Taken) result;
        MilvusBackup.Backup taken = ok.backup();
        String covers = cover.collections().isEmpty() ? "" : "covers " + cover.what();
        if (wasTaken && taken.name().equals(b.image())) {
            log.info("backup " + taken.name() + " verified: ended " + ok.endedAt() + ", within maxBackupAge " + Intent.format(maxAge)
                    + (covers.isEmpty() ? "" : ", " + covers));
            return Optional.empty();
        }
        // What get_backup said when the backup reached SUCCESS: a rerun after a restart of milvus-backup trusts the list by it.
        run.record = run.record.withStage(new StageRecord(b.name(), taken.name(), StagePhase.Succeeded,
                Optional.of(current.startedAt().orElse(ok.askedAt())), Optional.of(end)))
                .withBackup(new RunRecord.BackupRecord(taken.name(), taken.size(), taken.collections().size(),
                        taken.collections().stream().limit(10).toList(), Math.max(0, Duration.between(ok.askedAt(), end).toSeconds()),
                        Optional.of(ok.endedAt())));
        upgrade.save(run.record, BackupPoint.STAGE);
        String line = "backup " + info(taken) + " in " + Intent.format(Duration.ofSeconds(run.record.backup().get().seconds()))
                + (covers.isEmpty() ? "" : "; " + covers);
        log.info(line);
        upgrade.emit(false, EventRecorder.BACKUP_SUCCEEDED, line);
        return Optional.empty();
    }

    private static String info(MilvusBackup.Backup taken) {
        return taken.name() + " taken: " + taken.size() + " bytes, " + taken.collections().size() + " collection(s),";
    }

    private Instant now() {
        return ctx.now();
    }
}

package dev.milvusupgrade.plan;

import dev.milvusupgrade.plan.RunRecord.StagePhase;
import dev.milvusupgrade.plan.RunRecord.StageRecord;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What a rerun takes over from the record of an earlier run: whether it continues that upgrade, the stages it keeps,
 * the stages done while no run watched. Pure: the times it needs are passed in.
 */
public final class Resume {

    /**
     * What a person should do after a success without a write probe: the operator's status says Healthy even while the
     * proxies reject every write (milvus#47806, FACTS §8.13).
     */
    public static final String CHECK_WRITES = "check that writes work (insert one row through the proxy and read it back); if they hang or"
            + " fail with 'producer can only be created for RW channel' (milvus#47806), restart mixcoord, then the streaming nodes";

    private Resume() {
    }

    /** A record of a run that changed something: a dry run or one paused or deferred before its first stage did not. */
    public static boolean startedAnyStage(RunRecord r) {
        return r.stages().stream().anyMatch(st -> st.startedAt().isPresent());
    }

    /** The previous record if this run continues its upgrade (same Milvus and target, a stage started, not finished). */
    public static Optional<RunRecord> resumable(Optional<RunRecord> previous, String milvus, String target) {
        return previous.filter(p -> p.phase() != Phase.Succeeded && p.phase() != Phase.NoOp && startedAnyStage(p)
                && p.milvus().equals(milvus) && p.targetVersion().equals(target));
    }

    /**
     * The record of an earlier run that did the work and died before recording the end, when the cluster already runs
     * {@code version}: a rerun finishes it rather than report "nothing to do".
     */
    public static Optional<RunRecord> unobservedFinish(Optional<RunRecord> previous, String milvus, String version) {
        return previous.filter(p -> p.phase() != Phase.Succeeded && p.phase() != Phase.NoOp && p.phase() != Phase.Planned)
                .filter(p -> p.milvus().equals(milvus) && p.targetVersion().equals(version))
                .filter(Resume::startedAnyStage);
    }

    /**
     * That record finished: Succeeded, the stages it started marked done (only those are its own; one it never started
     * was done by someone else). {@code data} says what the rerun did about the data check.
     */
    public static RunRecord confirmed(RunRecord r, ClusterSnapshot s, Instant readAt, Instant now, String runId, String data) {
        List<StageRecord> stages = finishUnobserved(r.stages(), st -> st.startedAt().isPresent(), s, readAt);
        return new RunRecord(Phase.Succeeded, r.milvus(), r.fromVersion(), r.targetVersion(), stages, "Milvus " + r.milvus()
                + " upgraded from " + r.fromVersion() + " to " + r.targetVersion() + " (completion confirmed by a rerun)" + data
                + "; " + CHECK_WRITES, r.startedAt(), Optional.of(now), runId, r.warnings(), r.dataCheck(), r.backup());
    }

    /**
     * A rerun of an unfinished run keeps its start time, its starting version and the stages it
     * already completed; the stages still to do come from the fresh plan.
     */
    public static RunRecord resumedFrom(RunRecord fresh, Optional<RunRecord> previous, ClusterSnapshot s, Instant readAt) {
        Optional<RunRecord> continued = resumable(previous, fresh.milvus(), fresh.targetVersion());
        if (continued.isEmpty()) {
            return fresh;
        }
        RunRecord old = continued.get();
        // A recorded stage that the fresh plan no longer needs is done: the cluster shows it.
        List<StageRecord> stages = new ArrayList<>(finishUnobserved(old.stages(),
                o -> fresh.stage(o.name()).isEmpty() && o.startedAt().isPresent(), s, readAt));
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
    public static List<StageRecord> finishUnobserved(List<StageRecord> recorded, Predicate<StageRecord> done, ClusterSnapshot s,
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

    /**
     * A rejection. When it interrupts an upgrade under way (the previous record, for the same Milvus
     * and target, started a stage) it keeps that record's stages, start and starting version, so the
     * run that follows the fix resumes from them.
     */
    public static RunRecord rejected(Optional<RunRecord> previous, String milvus, String from, String target, Rejection why,
            Instant started, String runId, Instant now) {
        return resumable(previous, milvus, target)
                .map(p -> new RunRecord(Phase.Rejected, milvus, p.fromVersion(), target, p.stages(), why.message(), p.startedAt(),
                        Optional.of(now), runId))
                .orElse(new RunRecord(Phase.Rejected, milvus, from, target, List.of(), why.message(), started, Optional.of(now), runId));
    }

    /** Paused by the intent before the run began: a run that had started keeps its stages, so that the pause shows where it stands. */
    public static RunRecord paused(Optional<RunRecord> previous, String milvus, String target, Instant started, String runId, Instant now) {
        RunRecord p = resumable(previous, milvus, target)
                .orElse(new RunRecord(Phase.Paused, milvus, "", target, List.of(), "", started, Optional.empty(), runId));
        return new RunRecord(Phase.Paused, p.milvus(), p.fromVersion(), p.targetVersion(), p.stages(), "paused by the intent"
                + " (paused: \"true\"); nothing was changed; set paused to \"false\" to continue", p.startedAt(), Optional.of(now), runId);
    }

    /**
     * A change of the intent that would make another plan (the target, the Milvus resource, the
     * repository); empty when the plan would be the same.
     */
    public static Optional<String> retarget(Intent was, Intent now) {
        List<String> changed = new ArrayList<>();
        if (!was.targetVersion().equals(now.targetVersion())) {
            changed.add("targetVersion " + was.targetVersion() + " -> " + now.targetVersion());
        }
        if (!was.milvus().equals(now.milvus()) || !was.milvusNamespace().equals(now.milvusNamespace())) {
            changed.add("milvus " + was.milvusNamespace().map(n -> n + "/").orElse("") + was.milvus() + " -> "
                    + now.milvusNamespace().map(n -> n + "/").orElse("") + now.milvus());
        }
        if (!was.imageRepository().equals(now.imageRepository())) {
            changed.add("imageRepository " + was.imageRepository().orElse("(current)") + " -> "
                    + now.imageRepository().orElse("(current)"));
        }
        return changed.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", changed));
    }
}

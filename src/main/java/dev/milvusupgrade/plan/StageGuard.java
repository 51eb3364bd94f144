package dev.milvusupgrade.plan;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The rules that may stop a run between two steps, in the order they are asked: the intent as it is now (invalid,
 * paused), the fleet (halted), the intent's aim (retargeted), the cluster (re-planned), the maintenance window, a stop
 * request (SIGTERM) and the Lease. Each rule is pure: the run reads, the guard decides, the run records.
 */
public final class StageGuard {

    private StageGuard() {
    }

    /**
     * What is known right before a stage.
     *
     * @param planned the intent the run planned with
     * @param now the intent as read now
     * @param halted why a fleet halted, if it did (asked only when the rules before it pass)
     * @param milvus the Milvus resource, for messages
     * @param stage the stage about to start
     * @param s the cluster as read now
     * @param replan a fresh plan of the cluster for an intent
     * @param at the time now
     * @param shutdown who asked the run to stop (SIGTERM), if anyone did
     * @param lease the run's Lease as it stands
     */
    public record BeforeStage(Intent planned, Checked<Intent> now, Supplier<Optional<String>> halted, MilvusRef milvus, Stage stage,
            ClusterSnapshot s, Function<Intent, Decision> replan, Instant at, Supplier<Optional<String>> shutdown, Lease lease) {
    }

    /** The run's Lease: its name, and whether another run may have it by now. */
    public record Lease(String name, boolean lost) {
    }

    /** The first rule that stops the run before {@code f.stage()}, if any. */
    public static Optional<Stop> beforeStage(BeforeStage f) {
        return f.now().fold(latest -> onIntent(f, latest), bad -> invalid(bad, f.stage().name()));
    }

    private static Optional<Stop> onIntent(BeforeStage f, Intent latest) {
        String stage = f.stage().name();
        boolean applied = f.stage().isApplied(f.s());
        return Stream.<Supplier<Optional<Stop>>>of(
                () -> paused(latest, stage),
                () -> halted(f.halted().get(), stage),
                () -> retargeted(f.planned(), latest, stage),
                () -> replanned(f.replan().apply(latest), f.stage(), f.s(), f.milvus()),
                () -> window(latest, stage, applied, f.at(), ""),
                () -> interrupted(f.shutdown().get(), "before stage " + stage),
                () -> leaseLost(f.lease(), "before stage " + stage))
                .map(Supplier::get).flatMap(Optional::stream).findFirst();
    }

    /** Right before any write to the Milvus resource (a stage patch, a restart): a run that lost its Lease writes nothing. */
    public static Optional<Stop> beforeWrite(Lease lease, String what) {
        return leaseLost(lease, "before " + what);
    }

    /** A typo in {@code paused} must not start the next stage. */
    public static Optional<Stop> invalid(Rejection why, String stage) {
        return Optional.of(new Stop.End(Phase.Failed, "the intent was changed during the run and is now invalid, so stage " + stage
                + " was not started: " + why.message()));
    }

    public static Optional<Stop> paused(Intent latest, String stage) {
        return latest.paused() ? Optional.of(new Stop.End(Phase.Paused, "paused by the intent before stage " + stage
                + "; set paused to false to continue")) : Optional.empty();
    }

    /** A fleet halted by another cluster's failure: this cluster's next stage does not start. */
    public static Optional<Stop> halted(Optional<String> halted, String stage) {
        return halted.map(h -> new Stop.End(Phase.Deferred, "stage " + stage + " not started: " + h));
    }

    /** The intent now asks for another plan (target, Milvus, repository): stop rather than silently finish the old one. */
    public static Optional<Stop> retargeted(Intent planned, Intent latest, String stage) {
        return Resume.retarget(planned, latest).map(why -> new Stop.End(Phase.Failed, "the intent changed during the run (" + why
                + "), so stage " + stage + " was not started; fix: rerun to plan the new intent from where the cluster is",
                Optional.of("intent changed during the run: " + why + "; stopping before stage " + stage)));
    }

    /**
     * The plan is re-derived before every stage: a spec reverted or changed since must not be built on. A stage whose
     * own patch is in the spec and which a fresh read shows complete is ours and done, whoever saw it finish.
     */
    public static Optional<Stop> replanned(Decision again, Stage stage, ClusterSnapshot s, MilvusRef milvus) {
        boolean next = again instanceof Decision.Staged fresh && fresh.plan().stages().get(0).equals(stage);
        if (next || stage.isApplied(s) && Progress.evaluate(stage, s) instanceof Progress.Done) {
            return Optional.empty();
        }
        String why = again instanceof Decision.Refuse r ? r.rejection().message()
                : "the cluster now needs "
                        + (again instanceof Decision.Staged st ? "stage " + st.plan().stages().get(0).name() : "nothing");
        return Optional.of(new Stop.End(Phase.Failed, "Milvus " + milvus + " changed before stage " + stage.name() + ": " + why
                + (why.contains("fix:") ? "" : "; fix: rerun to plan again")));
    }

    /**
     * The maintenance window: a stage not yet applied starts only if it can take its whole timeout before
     * {@code notAfter}. {@code prefix} says what was done before (a backup taken).
     */
    public static Optional<Stop> window(Intent intent, String stage, boolean applied, Instant now, String prefix) {
        if (applied || !windowTooShort(intent, now)) {
            return Optional.empty();
        }
        return Optional.of(new Stop.End(Phase.Deferred, prefix + "stage " + stage + " deferred: it may take up to "
                + Intent.format(intent.stageTimeout()) + " and the window closes at " + intent.notAfter().get()
                + "; the next run in a window continues"));
    }

    /** The window rule, the one place it is: a stage started at {@code now} might still run when the window closes. */
    public static boolean windowTooShort(Intent intent, Instant now) {
        return intent.notAfter().isPresent() && now.plus(intent.stageTimeout()).isAfter(intent.notAfter().get());
    }

    /**
     * SIGTERM (the Job's deadline, an eviction, a drain): the record says where the run stopped, the stage under way
     * still Running, so that the next run resumes it.
     */
    public static Optional<Stop> interrupted(Optional<String> shutdown, String where) {
        return shutdown.map(why -> new Stop.End(Phase.Interrupted, "interrupted by " + why + " " + where + " (the Job's"
                + " activeDeadlineSeconds, an eviction or a drain); nothing is lost; fix: run again (the Job retries on exit 75) and it"
                + " resumes here", Optional.of("interrupted by " + why + " " + where + "; recording where the run stopped")));
    }

    /** A run whose Lease another run may hold by now writes nothing more; the record stays Running for the holder. */
    public static Optional<Stop> leaseLost(Lease lease, String where) {
        return lease.lost() ? Optional.of(new Stop.Later("this run lost Lease " + lease.name() + " to another run " + where))
                : Optional.empty();
    }
}

package dev.milvusupgrade.plan;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The result of a fleet run as recorded on its intent: one short line per cluster and the totals,
 * so that it stays small (a 500-cluster fleet fits the annotation limit many times over). Each
 * cluster's full record, the checkpoint its rerun resumes from, lives on its own Lease.
 *
 * @param phase where the fleet is or ended: Running, Planned, Succeeded, Deferred, Paused, Rejected, Failed or Interrupted
 * @param selector the selector of the intent, as written
 * @param targetVersion the version asked for
 * @param clusters every selected cluster in the fleet's order
 * @param message one line for a person, with the fix where there is one
 * @param startedAt when the fleet run started
 * @param finishedAt when it ended; empty while Running
 * @param runId the run that wrote this record
 */
public record FleetRecord(Phase phase, String selector, String targetVersion, List<Line> clusters, String message, Instant startedAt,
        Optional<Instant> finishedAt, String runId) {

    /** Where one cluster of the fleet stands. */
    public enum State {
        /** Not started yet. */
        Pending,
        /** Under way. */
        Running,
        /** A dry run planned it. */
        Planned,
        Succeeded,
        NoOp,
        /** Not started, or stopped between two stages, because the window closes. */
        Deferred,
        Paused,
        /** Refused by its preflight; nothing of it changed. */
        Rejected,
        Failed,
        /** Not started, or stopped between two stages, because another cluster failed (onFailure: halt). */
        Halted,
        /** Another run holds its Lease, or the API server failed for a while: the next run takes it up. */
        Retry,
        /** Stopped by SIGTERM where its own record says: the next run resumes it. */
        Interrupted;

        /** The state of a cluster whose own run ended in {@code p}. */
        public static State of(Phase p) {
            return switch (p) {
                case Planned -> Planned;
                case Running -> Running;
                case Succeeded -> Succeeded;
                case NoOp -> NoOp;
                case Deferred -> Deferred;
                case Paused -> Paused;
                case Rejected -> Rejected;
                case Failed -> Failed;
                case Interrupted -> Interrupted; // the next run resumes it
            };
        }

        /** Whether the fleet's exit code counts this state as done: Succeeded, NoOp, Deferred, or what a dry run or a pause leaves. */
        boolean isFine() {
            return this == Succeeded || this == NoOp || this == Deferred || this == Planned || this == Paused;
        }
    }

    /**
     * One cluster.
     *
     * @param milvus namespace/name
     * @param canary whether it was one of the canaries
     * @param from the version it started from, empty if not known yet
     * @param to the version it is being upgraded to
     */
    public record Line(String milvus, State state, boolean canary, String from, String to, Optional<Instant> finishedAt) {
        public Line with(State s, String newFrom, Optional<Instant> at) {
            return new Line(milvus, s, canary, newFrom.isEmpty() ? from : newFrom, to, at);
        }
    }

    public FleetRecord {
        clusters = List.copyOf(clusters);
        message = Text.oneLine(message, RunRecord.MAX_MESSAGE);
    }

    public Map<State, Integer> totals() {
        Map<State, Integer> t = new EnumMap<>(State.class);
        clusters.forEach(l -> t.merge(l.state(), 1, Integer::sum));
        return t;
    }

    /**
     * 0 when every cluster ended Succeeded, NoOp or Deferred; 1 when one Failed, was Rejected or Halted; 75 when one must be
     * retried, and always when the fleet run was interrupted (SIGTERM): the next run continues it.
     */
    public int exitCode() {
        return exit().code();
    }

    /** {@link #exitCode()} as the contract's value. */
    public ExitCode exit() {
        if (phase == Phase.Rejected) {
            return ExitCode.REJECTED;
        }
        if (phase == Phase.Interrupted) {
            return ExitCode.TEMPORARY;
        }
        if (anyFailed(clusters)) {
            return ExitCode.FAILED;
        }
        if (clusters.stream().anyMatch(l -> l.state() == State.Retry || l.state() == State.Interrupted || l.state() == State.Running
                || l.state() == State.Pending)) {
            return ExitCode.TEMPORARY;
        }
        return ExitCode.OK;
    }

    /** The fleet's phase once no cluster runs any more. */
    public static Phase endPhase(List<Line> clusters, boolean dryRun) {
        if (anyFailed(clusters)) {
            return Phase.Failed;
        }
        if (dryRun) {
            return Phase.Planned;
        }
        if (clusters.stream().anyMatch(l -> l.state() == State.Paused)) {
            return Phase.Paused;
        }
        if (clusters.stream().anyMatch(l -> !l.state().isFine())) {
            return Phase.Running; // a cluster to retry: the next run continues
        }
        return clusters.stream().anyMatch(l -> l.state() == State.Deferred) ? Phase.Deferred : Phase.Succeeded;
    }

    /** A cluster that Failed, was Rejected or was Halted: the fleet needs a person. */
    private static boolean anyFailed(List<Line> clusters) {
        return clusters.stream().anyMatch(l -> l.state() == State.Failed || l.state() == State.Rejected || l.state() == State.Halted);
    }

    public FleetRecord withClusters(List<Line> lines) {
        return new FleetRecord(phase, selector, targetVersion, lines, message, startedAt, finishedAt, runId);
    }

    public FleetRecord ended(Phase p, String why, Instant at) {
        return new FleetRecord(p, selector, targetVersion, clusters, why, startedAt, Optional.of(at), runId);
    }

    /** The totals as a person reads them: "10 Succeeded, 1 Failed, 1 Halted". */
    public String totalsLine() {
        List<String> parts = new ArrayList<>();
        totals().forEach((s, n) -> parts.add(n + " " + s));
        return String.join(", ", parts);
    }
}

package dev.milvusupgrade.plan;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How long a run waits before it looks again, as data: the run's adapters only carry the waits out.
 *
 * @param progressEvery at most one progress line per this interval while a stage does not change; also the
 *     longest a stage wait goes without a fresh look
 * @param pollEvery how often a gate asks something that has no watch (Milvus, milvus-backup) again
 * @param settle how long a complete stage must stay complete before it is recorded Succeeded
 * @param deadlockGrace how long the signature of operator issue 446 must last before the run fails with it
 */
public record WaitPolicy(Duration progressEvery, Duration pollEvery, Duration settle, Duration deadlockGrace) {

    /** The shortest wait: a wait of zero would spin. */
    public static final Duration MIN_WAIT = Duration.ofMillis(1);

    public WaitPolicy {
        positive("progressEvery", progressEvery);
        positive("pollEvery", pollEvery);
        positive("deadlockGrace", deadlockGrace);
        if (settle.isNegative()) {
            throw new IllegalArgumentException("settle must not be negative: " + settle);
        }
    }

    /**
     * How long a stage wait sleeps (unless a change wakes it) while the stage is not complete: until the
     * stage deadline, the next progress line, or the end of the issue 446 grace, whichever comes first.
     */
    public Duration nextStageLook(Instant now, Instant deadline, Optional<Instant> deadlockSince) {
        Duration wait = min(Duration.between(now, deadline), progressEvery);
        if (deadlockSince.isPresent()) {
            wait = min(wait, Duration.between(now, deadlockSince.get().plus(deadlockGrace)));
        }
        return atLeastMin(wait);
    }

    /** How long a complete stage wait sleeps before it confirms the stage again: until the settle period ends. */
    public Duration nextSettleLook(Instant now, Instant doneSince) {
        return atLeastMin(Duration.between(now, settledAt(doneSince)));
    }

    /** When a stage complete since {@code doneSince} may be recorded Succeeded. */
    public Instant settledAt(Instant doneSince) {
        return doneSince.plus(settle);
    }

    /** Whether the issue 446 signature seen since {@code since} has lasted its grace at {@code now}. */
    public boolean deadlockLasted(Instant since, Instant now) {
        return !now.isBefore(since.plus(deadlockGrace));
    }

    /** Whether a progress line is due: the line changed, or the last one is {@code progressEvery} old. */
    public boolean progressLineDue(String line, String lastLine, Instant lastLineAt, Instant now) {
        return !line.equals(lastLine) || !now.isBefore(lastLineAt.plus(progressEvery));
    }

    /** How long a gate pauses before it asks again: {@code pollEvery}, or until {@code deadline} if that is sooner. */
    public Duration nextPoll(Instant now, Instant deadline) {
        return pause(now, deadline, pollEvery);
    }

    /** {@code every}, or until {@code deadline} if that is sooner; never less than {@link #MIN_WAIT}. */
    public static Duration pause(Instant now, Instant deadline, Duration every) {
        return atLeastMin(min(Duration.between(now, deadline), every));
    }

    private static Duration atLeastMin(Duration d) {
        return d.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : d;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void positive(String name, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}

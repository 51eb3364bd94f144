package dev.milvusupgrade.plan;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a Lease another run holds may be taken over, judged without trusting the holder's clock.
 *
 * <p>The holder writes {@code renewTime} from its own wall clock, which may be hours off ours. So, like client-go's
 * leader election (which records when it last saw the record change, on its own clock), a Lease counts as expired only
 * after this run has watched it unchanged (same holder, renewTime and resourceVersion) for the Lease's whole duration,
 * measured on this run's monotonic clock: a live holder renews every third of its duration, so it is seen renewing
 * however skewed its clock (never stolen), and a dead one is taken after one duration however far ahead its clock is
 * (never waited on for ever). The renewTime is used for one thing only, to refuse at once without watching: when it
 * says the Lease is live and is no later than our own clock plus {@link #CLOCK_TOLERANCE}. A dead holder's last
 * renewTime R is thus believed only while our clock is between R minus the tolerance and R plus the duration: a run
 * starting then exits 75 and the Job's retry comes back; any run outside that one window, however far off the
 * holder's clock was, takes the Lease over after watching it one duration.
 */
public final class LeaseExpiry {

    /** How far ahead of ours a holder's clock may be for its renewTime to be believed without watching. */
    public static final Duration CLOCK_TOLERANCE = Duration.ofSeconds(5);

    private LeaseExpiry() {
    }

    /**
     * What one read of the Lease said.
     *
     * @param holder holderIdentity, empty when nobody holds it (released, or never held)
     * @param renewTime renewTime as the holder's clock wrote it, if any
     * @param duration leaseDurationSeconds as the holder declared it (zero when missing: the caller's own then)
     * @param version the Lease's resourceVersion: any write by the holder (a renewal, a fleet's record) changes it
     */
    public record Observed(String holder, Optional<Instant> renewTime, Duration duration, String version) {
        public Observed {
            Objects.requireNonNull(holder);
            Objects.requireNonNull(renewTime);
            Objects.requireNonNull(duration);
            Objects.requireNonNull(version);
        }

        boolean sameAs(Observed o) {
            return holder.equals(o.holder) && renewTime.equals(o.renewTime) && version.equals(o.version);
        }
    }

    /** What to do about the Lease. */
    public sealed interface Verdict {
    }

    /** Nobody holds it: take it. */
    public record Free() implements Verdict {
    }

    /** Someone holds it and is alive: refuse (the run exits 75). {@code why} ends a sentence "... holds Lease x". */
    public record Held(String holder, String why) implements Verdict {
    }

    /** Not known yet: read it again, and decide once {@code remaining} more has passed on this run's clock. */
    public record Watch(Duration remaining) implements Verdict {
    }

    /** Unchanged for its whole duration while this run watched: its holder is gone, take it over. */
    public record Expired(String holder, Duration unchangedFor) implements Verdict {
    }

    /**
     * The verdict on the Lease as first read ({@code first}), as read now ({@code latest}), {@code watched} after the
     * first read on this run's monotonic clock; {@code wallNow} is this run's wall clock, {@code ownDuration} the duration
     * this run would declare (used when the Lease declares none).
     */
    public static Verdict judge(Observed first, Observed latest, Duration watched, Instant wallNow, Duration ownDuration) {
        if (latest.holder().isEmpty()) {
            return new Free();
        }
        if (!latest.sameAs(first)) {
            return new Held(latest.holder(), "and renewed it while this run watched");
        }
        Duration duration = latest.duration().isZero() || latest.duration().isNegative() ? ownDuration : latest.duration();
        if (watched.isZero() && believable(latest, duration, wallNow)) {
            return new Held(latest.holder(), "until " + latest.renewTime().get().plus(duration) + " by its clock");
        }
        if (watched.compareTo(duration) >= 0) {
            return new Expired(latest.holder(), watched);
        }
        return new Watch(duration.minus(watched));
    }

    /** The renewTime says the Lease is live, and is not in our future by more than {@link #CLOCK_TOLERANCE}. */
    static boolean believable(Observed o, Duration duration, Instant wallNow) {
        return o.renewTime().filter(t -> t.plus(duration).isAfter(wallNow) && !t.isAfter(wallNow.plus(CLOCK_TOLERANCE))).isPresent();
    }
}

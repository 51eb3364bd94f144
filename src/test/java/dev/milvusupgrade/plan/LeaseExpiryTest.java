package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.LeaseExpiry.Expired;
import dev.milvusupgrade.plan.LeaseExpiry.Free;
import dev.milvusupgrade.plan.LeaseExpiry.Held;
import dev.milvusupgrade.plan.LeaseExpiry.Observed;
import dev.milvusupgrade.plan.LeaseExpiry.Verdict;
import dev.milvusupgrade.plan.LeaseExpiry.Watch;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Lease expiry on this run's clock, never the holder's: table tests with skewed holder clocks. */
class LeaseExpiryTest {

    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    static final Duration D = Duration.ofSeconds(30);

    static Observed held(String holder, Instant renewTime, String version) {
        return new Observed(holder, Optional.of(renewTime), D, version);
    }

    static Stream<Arguments> cases() {
        Observed live = held("pod-a/1", NOW.minusSeconds(5), "10");
        Observed behind = held("pod-a/1", NOW.minus(Duration.ofHours(1)), "10");
        Observed ahead = held("pod-a/1", NOW.plus(Duration.ofHours(1)), "10");
        Observed slightlyAhead = held("pod-a/1", NOW.plusSeconds(3), "10");
        Observed noRenewTime = new Observed("pod-a/1", Optional.empty(), D, "10");
        return Stream.of(
                Arguments.of("nobody holds it", free(), free(), Duration.ZERO, new Free()),
                Arguments.of("released while watched", behind, free(), Duration.ofSeconds(3), new Free()),
                Arguments.of("renewed 5 s ago by a clock like ours: refused at once", live, live, Duration.ZERO,
                        new Held("pod-a/1", "until 2026-03-01T10:00:25Z by its clock")),
                Arguments.of("holder 3 s ahead, within the tolerance: refused at once", slightlyAhead, slightlyAhead, Duration.ZERO,
                        new Held("pod-a/1", "until 2026-03-01T10:00:33Z by its clock")),
                Arguments.of("holder an hour behind: its renewTime looks expired, so watch, never take at once", behind, behind,
                        Duration.ZERO, new Watch(D)),
                Arguments.of("holder an hour behind, renewed while watched: live, refused", behind,
                        held("pod-a/1", NOW.minus(Duration.ofHours(1)).plusSeconds(10), "11"), Duration.ofSeconds(10),
                        new Held("pod-a/1", "and renewed it while this run watched")),
                Arguments.of("a fleet's record written on it while watched: live", behind, held("pod-a/1", behind.renewTime().get(), "12"),
                        Duration.ofSeconds(4), new Held("pod-a/1", "and renewed it while this run watched")),
                Arguments.of("taken by another run while watched", behind, held("pod-b/2", NOW, "13"), Duration.ofSeconds(4),
                        new Held("pod-b/2", "and renewed it while this run watched")),
                Arguments.of("holder an hour ahead: its renewTime is not believed, watch", ahead, ahead, Duration.ZERO, new Watch(D)),
                Arguments.of("holder an hour ahead, dead, unchanged for 29 s: watch 1 s more", ahead, ahead, Duration.ofSeconds(29),
                        new Watch(Duration.ofSeconds(1))),
                Arguments.of("holder an hour ahead, dead, unchanged for its duration: taken over", ahead, ahead, D,
                        new Expired("pod-a/1", D)),
                Arguments.of("holder an hour behind, dead, unchanged for its duration: taken over", behind, behind, D.plusMillis(1),
                        new Expired("pod-a/1", D.plusMillis(1))),
                Arguments.of("a believable renewTime does not shorten the watch once it started", live, live, Duration.ofSeconds(10),
                        new Watch(Duration.ofSeconds(20))),
                Arguments.of("no renewTime: watch", noRenewTime, noRenewTime, Duration.ZERO, new Watch(D)),
                Arguments.of("no declared duration: this run's own", new Observed("pod-a/1", Optional.empty(), Duration.ZERO, "10"),
                        new Observed("pod-a/1", Optional.empty(), Duration.ZERO, "10"), Duration.ofSeconds(60),
                        new Expired("pod-a/1", Duration.ofSeconds(60))));
    }

    static Observed free() {
        return new Observed("", Optional.empty(), Duration.ZERO, "");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void judges_on_this_run_s_clock(String name, Observed first, Observed latest, Duration watched, Verdict expected) {
        assertThat(LeaseExpiry.judge(first, latest, watched, NOW, Duration.ofSeconds(60))).isEqualTo(expected);
    }

    /**
     * A holder renewing every third of the duration on a clock {@code skew} off ours, and a run that reads the Lease every
     * tenth of it on its own clock: the run takes a live Lease never, and a dead one after watching it exactly one
     * duration, unless the dead holder's last renewTime R is believable at the start (our clock within R - tolerance
     * and R + duration: one such window, however far off the holder's clock is).
     */
    @ParameterizedTest(name = "holder clock {0} s off")
    @ValueSource(longs = {-86_400, -3_600, -31, -29, -5, 0, 4, 6, 31, 3_600, 86_400})
    void a_skewed_holder_clock_neither_loses_a_live_lease_nor_keeps_a_dead_one(long skewSeconds) {
        Duration skew = Duration.ofSeconds(skewSeconds);
        Duration renewEvery = D.dividedBy(3);
        Duration readEvery = D.dividedBy(10);

        // Live: the holder keeps renewing while the run watches.
        Verdict live = watch(skew, renewEvery, readEvery, Optional.empty());
        assertThat(live).isInstanceOf(Held.class);

        // Dead, its last renewTime believable when the run starts: refused (exit 75, the Job retries).
        Instant recently = NOW.minus(skew).minusSeconds(1);
        assertThat(watch(skew, renewEvery, readEvery, Optional.of(recently))).isInstanceOf(Held.class);
        // Dead, the run starting before or after that window: taken over after one duration of watching.
        Instant longAgo = NOW.minus(skew.isNegative() ? Duration.ZERO : skew).minus(D).minus(renewEvery);
        assertThat(watch(skew, renewEvery, readEvery, Optional.of(longAgo))).isEqualTo(new Expired("pod-a/1", D));
        if (skew.compareTo(LeaseExpiry.CLOCK_TOLERANCE.plus(renewEvery)) > 0) {
            Instant justNow = NOW.minus(renewEvery);
            assertThat(watch(skew, renewEvery, readEvery, Optional.of(justNow))).as("renewTime in our future: not believed")
                    .isEqualTo(new Expired("pod-a/1", D));
        }
    }

    /** Runs the watch loop the way RunLock does, on a simulated timeline starting at NOW (our clock). */
    private static Verdict watch(Duration skew, Duration renewEvery, Duration readEvery, Optional<Instant> death) {
        Observed first = read(NOW, skew, renewEvery, death);
        Duration watched = Duration.ZERO;
        for (int i = 0; i < 1000; i++) {
            Verdict v = LeaseExpiry.judge(first, read(NOW.plus(watched), skew, renewEvery, death), watched, NOW.plus(watched), D);
            if (!(v instanceof Watch w)) {
                return v;
            }
            watched = watched.plus(w.remaining().compareTo(readEvery) < 0 ? w.remaining() : readEvery);
        }
        throw new AssertionError("never decided");
    }

    /** The Lease at {@code t} (our clock): last renewed at the latest multiple of renewEvery before t (or death), written skewed. */
    private static Observed read(Instant t, Duration skew, Duration renewEvery, Optional<Instant> death) {
        Instant last = death.filter(d -> d.isBefore(t)).orElse(t);
        long renewals = Duration.between(Instant.EPOCH, last).toMillis() / renewEvery.toMillis();
        Instant renewedAt = Instant.EPOCH.plusMillis(renewals * renewEvery.toMillis());
        return held("pod-a/1", renewedAt.plus(skew), Long.toString(renewals));
    }

    @Test
    void a_lease_renewed_just_now_by_a_holder_far_ahead_is_not_believed() {
        Observed ahead = held("pod-a/1", NOW.plus(Duration.ofMinutes(10)), "10");

        assertThat(LeaseExpiry.believable(ahead, D, NOW)).isFalse();
        assertThat(LeaseExpiry.believable(held("pod-a/1", NOW.plusSeconds(5), "10"), D, NOW)).isTrue();
        assertThat(LeaseExpiry.believable(held("pod-a/1", NOW.minus(D), "10"), D, NOW)).isFalse();
    }
}

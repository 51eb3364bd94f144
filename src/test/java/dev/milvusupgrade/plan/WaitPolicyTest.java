package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class WaitPolicyTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final WaitPolicy POLICY = new WaitPolicy(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(60),
            Duration.ofMinutes(15));

    private static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    @ParameterizedTest(name = "now {0}s, deadline {1}s, issue 446 since {2}s: look again in {3} ms")
    @CsvSource({
        // now, deadline, deadlock since (-1: none), expected millis
        "0, 1800, -1, 10000",   // the progress interval
        "0, 4, -1, 4000",       // the deadline is sooner
        "10, 10, -1, 1",        // at the deadline: never zero
        "20, 10, -1, 1",        // past it: never negative
        "895, 1800, 0, 5000",   // the issue 446 grace ends sooner than the next progress line
        "900, 1800, 0, 1",      // the grace is over
        "0, 1800, 0, 10000",    // the grace is far: the progress interval
    })
    void a_stage_wait_looks_again_at_the_first_of_deadline_progress_line_and_deadlock_grace(long now, long deadline, long since,
            long millis) {
        Optional<Instant> deadlock = since < 0 ? Optional.empty() : Optional.of(at(since));
        assertThat(POLICY.nextStageLook(at(now), at(deadline), deadlock)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "now {0}s, deadline {1}s: poll again in {2} ms")
    @CsvSource({
        "0, 3600, 2000",
        "0, 1, 1000",
        "5, 5, 1",
        "9, 5, 1",
    })
    void a_gate_polls_at_its_own_interval_or_at_the_deadline(long now, long deadline, long millis) {
        assertThat(POLICY.nextPoll(at(now), at(deadline))).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "done since {0}s, now {1}s: settled {2}, next look in {3} ms")
    @CsvSource({
        "0, 0, false, 60000",
        "0, 59, false, 1000",
        "0, 60, true, 1",
        "0, 61, true, 1",
    })
    void a_complete_stage_is_recorded_once_it_stayed_complete_for_the_settle_period(long done, long now, boolean settled,
            long millis) {
        assertThat(!at(now).isBefore(POLICY.settledAt(at(done)))).isEqualTo(settled);
        assertThat(POLICY.nextSettleLook(at(now), at(done))).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "since {0}s, now {1}s: lasted {2}")
    @CsvSource({ "0, 899, false", "0, 900, true", "100, 999, false", "100, 1000, true" })
    void the_issue_446_signature_fails_the_stage_only_after_its_grace(long since, long now, boolean lasted) {
        assertThat(POLICY.deadlockLasted(at(since), at(now))).isEqualTo(lasted);
    }

    @ParameterizedTest(name = "line {0} after {1}: {2}, {3}s later: due {4}")
    @CsvSource({
        "a, a, 0, 9, false",
        "a, a, 0, 10, true",
        "b, a, 0, 1, true",
        "a, '', 0, 0, true",
    })
    void a_progress_line_is_logged_when_it_changes_or_once_per_interval(String line, String last, long lastAt, long now,
            boolean due) {
        assertThat(POLICY.progressLineDue(line, last, at(lastAt), at(now))).isEqualTo(due);
    }

    @Test
    void intervals_must_be_positive_and_settle_not_negative() {
        assertThatThrownBy(() -> new WaitPolicy(Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("progressEvery");
        assertThatThrownBy(() -> new WaitPolicy(Duration.ofSeconds(1), Duration.ofSeconds(-1), Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("pollEvery");
        assertThatThrownBy(() -> new WaitPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(-1),
                Duration.ofSeconds(1)))
                .hasMessageContaining("settle");
        assertThat(new WaitPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(1)).settle()).isZero();
    }
}

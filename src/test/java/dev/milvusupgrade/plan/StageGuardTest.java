package dev.milvusupgrade.plan;

import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_25;
import static dev.milvusupgrade.plan.Snapshots.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every reason a run stops before a stage or a write, one row each, without a cluster (issue 18). */
class StageGuardTest {

    private static final Instant NOW = Instant.parse("2026-12-06T01:00:00Z");
    private static final ClusterSnapshot AT_REST = healthy("milvusdb/milvus:v2.5.16", MIXCOORD_25);
    private static final MilvusRef REF = new MilvusRef("milvus", "my-release");

    private static Intent intent(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("milvus", "my-release", "targetVersion", "v2.6.4"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return ((Checked.Ok<Intent>) Intent.parse(m, NOW)).value();
    }

    private static final Intent PLANNED = intent();
    private static final Plan PLAN = ((Decision.Staged) Planner.plan(PLANNED, AT_REST)).plan();
    private static final Stage FIRST = PLAN.stages().get(0);

    /** Nothing wrong: the intent unchanged, the plan the same, in the window, no stop asked, the Lease held. */
    private static StageGuard.BeforeStage calm() {
        return new StageGuard.BeforeStage(PLANNED, Checked.ok(PLANNED), Optional::empty, REF, FIRST, AT_REST,
                i -> Planner.plan(i, AT_REST), NOW, Optional::empty, new StageGuard.Lease("milvus-upgrade-my-release", false));
    }

    private static StageGuard.BeforeStage with(Checked<Intent> now) {
        StageGuard.BeforeStage c = calm();
        return new StageGuard.BeforeStage(c.planned(), now, c.halted(), c.milvus(), c.stage(), c.s(), c.replan(), c.at(), c.shutdown(),
                c.lease());
    }

    private static StageGuard.BeforeStage replan(Function<Intent, Decision> replan) {
        StageGuard.BeforeStage c = calm();
        return new StageGuard.BeforeStage(c.planned(), c.now(), c.halted(), c.milvus(), c.stage(), c.s(), replan, c.at(), c.shutdown(),
                c.lease());
    }

    static Stream<Arguments> stops() {
        UnaryOperator<StageGuard.BeforeStage> halted = c -> new StageGuard.BeforeStage(c.planned(), c.now(),
                () -> Optional.of("the fleet halted: ns/b failed"), c.milvus(), c.stage(), c.s(), c.replan(), c.at(), c.shutdown(),
                c.lease());
        UnaryOperator<StageGuard.BeforeStage> sigterm = c -> new StageGuard.BeforeStage(c.planned(), c.now(), c.halted(), c.milvus(),
                c.stage(), c.s(), c.replan(), c.at(), () -> Optional.of("SIGTERM"), c.lease());
        UnaryOperator<StageGuard.BeforeStage> leaseLost = c -> new StageGuard.BeforeStage(c.planned(), c.now(), c.halted(), c.milvus(),
                c.stage(), c.s(), c.replan(), c.at(), c.shutdown(), new StageGuard.Lease("milvus-upgrade-my-release", true));
        return Stream.of(
                Arguments.of("intent invalid", with(Checked.refused("paused: \"ture\" is not true or false", "write true or false")),
                        Phase.Failed, "the intent was changed during the run and is now invalid, so stage " + FIRST.name()
                                + " was not started: paused"),
                Arguments.of("paused", with(Checked.ok(intent("paused", "true"))), Phase.Paused,
                        "paused by the intent before stage " + FIRST.name() + "; set paused to false to continue"),
                Arguments.of("halted", halted.apply(calm()), Phase.Deferred,
                        "stage " + FIRST.name() + " not started: the fleet halted: ns/b failed"),
                Arguments.of("retargeted", with(Checked.ok(intent("targetVersion", "v2.6.5"))), Phase.Failed,
                        "the intent changed during the run (targetVersion v2.6.4 -> v2.6.5), so stage " + FIRST.name()
                                + " was not started;"),
                Arguments.of("re-planned: nothing to do", replan(i -> new Decision.NoOp(REF.toString(), Version.of(2, 6, 4), List.of())),
                        Phase.Failed, "Milvus milvus/my-release changed before stage " + FIRST.name()
                                + ": the cluster now needs nothing; fix: rerun"),
                Arguments.of("re-planned: refused", replan(i -> new Decision.Refuse(Rejection.of("operator too old", "upgrade it"))),
                        Phase.Failed, "changed before stage " + FIRST.name() + ": operator too old; fix: upgrade it"),
                Arguments.of("window", with(Checked.ok(intent("notAfter", "2026-12-06T01:20:00Z"))), Phase.Deferred,
                        "stage " + FIRST.name() + " deferred: it may take up to 30m and the window closes at 2026-12-06T01:20:00Z;"),
                Arguments.of("SIGTERM", sigterm.apply(calm()), Phase.Interrupted,
                        "interrupted by SIGTERM before stage " + FIRST.name() + " (the Job's activeDeadlineSeconds"),
                Arguments.of("lease lost", leaseLost.apply(calm()), Phase.Running,
                        "this run lost Lease milvus-upgrade-my-release to another run before stage " + FIRST.name()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stops")
    void each_rule_stops_the_run_before_the_stage_with_its_phase_and_one_line(String rule, StageGuard.BeforeStage facts, Phase phase,
            String says) {
        Stop stop = StageGuard.beforeStage(facts).orElseThrow();

        if (phase == Phase.Running) {
            assertThat(stop).isInstanceOf(Stop.Later.class);
            assertThat(((Stop.Later) stop).message()).startsWith(says);
        } else {
            Stop.End end = (Stop.End) stop;
            assertThat(end.phase()).isEqualTo(phase);
            assertThat(end.message()).contains(says).doesNotContain("\n");
        }
    }

    @Test
    void nothing_wrong_is_no_stop() {
        assertThat(StageGuard.beforeStage(calm())).isEmpty();
    }

    @Test
    void the_first_rule_that_applies_wins_and_a_fleet_halt_is_not_even_asked_when_the_intent_is_paused() {
        boolean[] asked = {false};
        StageGuard.BeforeStage c = with(Checked.ok(intent("paused", "true")));
        StageGuard.BeforeStage both = new StageGuard.BeforeStage(c.planned(), c.now(), () -> {
            asked[0] = true;
            return Optional.of("halted");
        }, c.milvus(), c.stage(), c.s(), c.replan(), c.at(), () -> Optional.of("SIGTERM"), new StageGuard.Lease("l", true));

        assertThat(((Stop.End) StageGuard.beforeStage(both).orElseThrow()).phase()).isEqualTo(Phase.Paused);
        assertThat(asked[0]).isFalse();
    }

    @Test
    void a_retarget_is_logged_once_besides_the_recorded_line() {
        Stop.End end = (Stop.End) StageGuard.beforeStage(with(Checked.ok(intent("targetVersion", "v2.6.5")))).orElseThrow();

        assertThat(end.note())
                .contains("intent changed during the run: targetVersion v2.6.4 -> v2.6.5; stopping before stage " + FIRST.name());
    }

    @Test
    void a_re_plan_that_still_starts_with_this_stage_or_a_stage_already_done_is_no_stop() {
        assertThat(StageGuard.replanned(Planner.plan(PLANNED, AT_REST), FIRST, AT_REST, REF)).isEmpty();
    }

    @Test
    void the_window_rule_counts_the_whole_stage_timeout_and_ignores_a_stage_already_applied() {
        Intent closing = intent("notAfter", "2026-12-06T01:30:00Z", "stageTimeout", "30m");

        assertThat(StageGuard.window(closing, "2.6.4", false, NOW, "")).isEmpty(); // ends exactly at notAfter: still in
        assertThat(StageGuard.window(closing, "2.6.4", false, NOW.plusSeconds(1), "")).isPresent();
        assertThat(StageGuard.window(closing, "2.6.4", true, NOW.plusSeconds(1), "")).isEmpty();
        assertThat(StageGuard.window(PLANNED, "2.6.4", false, NOW.plusSeconds(86_400), "")).as("no notAfter").isEmpty();
        assertThat(((Stop.End) StageGuard.window(closing, "2.6.4", false, NOW.plusSeconds(1), "backup taken; ").orElseThrow()).message())
                .startsWith("backup taken; stage 2.6.4 deferred: it may take up to 30m");
    }

    @Test
    void an_interrupt_has_no_finish_time_to_give_and_says_how_to_resume() {
        Stop.End end = (Stop.End) StageGuard.interrupted(Optional.of("SIGTERM"), "while stage 2.6.4 was rolling out").orElseThrow();

        assertThat(end.phase()).isEqualTo(Phase.Interrupted);
        assertThat(end.message()).contains("fix: run again (the Job retries on exit 75) and it resumes here");
        assertThat(end.note()).contains("interrupted by SIGTERM while stage 2.6.4 was rolling out; recording where the run stopped");
        assertThat(StageGuard.interrupted(Optional.empty(), "anywhere")).isEmpty();
    }

    @Test
    void every_write_is_guarded_by_the_lease() {
        assertThat(StageGuard.beforeWrite(new StageGuard.Lease("milvus-upgrade-a", false), "patching stage 2.6.4")).isEmpty();
        Stop later = StageGuard.beforeWrite(new StageGuard.Lease("milvus-upgrade-a", true), "restarting mixcoord").orElseThrow();

        assertThat(((Stop.Later) later).message())
                .isEqualTo("this run lost Lease milvus-upgrade-a to another run before restarting mixcoord");
    }
}

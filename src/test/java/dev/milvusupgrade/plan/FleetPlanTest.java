package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.FleetPlan.Member;
import dev.milvusupgrade.plan.FleetPlan.Start;
import dev.milvusupgrade.plan.FleetPlan.Stop;
import dev.milvusupgrade.plan.FleetRecord.Line;
import dev.milvusupgrade.plan.FleetRecord.State;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The fleet's rules without a cluster: member planning, canaries, who may start, and the fleet's last word. */
class FleetPlanTest {

    private static final Instant NOW = Instant.parse("2026-11-24T22:00:00Z");
    private static final Supplier<ClusterSnapshot> NOT_READ = () -> {
        throw new AssertionError("the cluster is not read when its intent or the catalogue is refused");
    };

    private static Checked<Intent> intent(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("milvus", "m1", "milvusNamespace", "team-a", "targetVersion", "v2.6.4"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return Intent.parse(m, NOW);
    }

    private static Member member(String ref, State planned) {
        return new Member(ref, "v2.5.4", planned, "d", "");
    }

    @Test
    void a_cluster_on_2_5_is_planned_in_stages_with_its_version_and_catalogue_view() {
        Member m = FleetPlan.member("team-a/m1", intent(), Checked.ok(Catalogue.builtIn()),
                () -> Snapshots.healthy("milvusdb/milvus:v2.5.4", Snapshots.FOUR_COORDS), JobPolicy.defaults());
        assertThat(m.planned()).isEqualTo(State.Planned);
        assertThat(m.needsUpgrade()).isTrue();
        assertThat(m.from()).isEqualTo("v2.5.4");
        assertThat(m.decision()).startsWith("v2.5.4 -> v2.6.4 in ").contains(" stage(s): ");
        assertThat(m.view()).isNotEmpty();
    }

    @Test
    void a_cluster_already_on_the_target_is_noop() {
        Member m = FleetPlan.member("team-a/m1", intent(), Checked.ok(Catalogue.builtIn()),
                () -> Snapshots.healthy("milvusdb/milvus:v2.6.4", Snapshots.MIXCOORD_26), JobPolicy.defaults());
        assertThat(m.planned()).isEqualTo(State.NoOp);
        assertThat(m.decision()).isEqualTo("nothing to do, already v2.6.4");
    }

    @Test
    void a_refused_intent_or_catalogue_rejects_the_cluster_without_reading_it() {
        Member badIntent = FleetPlan.member("team-a/m1", intent("stageTimeout", "forever"), Checked.ok(Catalogue.builtIn()), NOT_READ,
                JobPolicy.defaults());
        Member badCatalogue = FleetPlan.member("team-a/m1", intent(), Checked.refused("catalogue broken", "fix it"), NOT_READ,
                JobPolicy.defaults());
        assertThat(badIntent.planned()).isEqualTo(State.Rejected);
        assertThat(badIntent.decision()).startsWith("refused: ").contains("stageTimeout");
        assertThat(badCatalogue.planned()).isEqualTo(State.Rejected);
        assertThat(badCatalogue.decision()).startsWith("refused: catalogue broken");
    }

    @Test
    void the_canaries_are_the_first_clusters_that_need_an_upgrade() {
        List<Member> ms = List.of(member("a/1", State.NoOp), member("a/2", State.Planned), member("a/3", State.Rejected),
                member("a/4", State.Planned), member("a/5", State.Planned));
        assertThat(FleetPlan.canaries(ms, 2)).containsExactly("a/2", "a/4");
        assertThat(FleetPlan.canaries(ms, 0)).isEmpty();
        assertThat(FleetPlan.planLines(ms, List.of("a/2"))).element(1).isEqualTo("2. a/2 (canary): d");
        assertThat(FleetPlan.lines(ms, List.of("a/2"), "v2.6.4", false)).extracting(Line::state).containsOnly(State.Pending);
        assertThat(FleetPlan.lines(ms, List.of("a/2"), "v2.6.4", true)).extracting(Line::state)
                .containsExactly(State.NoOp, State.Planned, State.Rejected, State.Planned, State.Planned);
    }

    static Stream<Arguments> starts() {
        Optional<Checked<Intent>> open = Optional.of(intent());
        return Stream.of(
                Arguments.of("the fleet runs and the intent is as planned", Stop.NONE, open, "Go", null, false),
                Arguments.of("another cluster crashed: left for the next run", Stop.CRASHED, open, "Skip", State.Pending, false),
                Arguments.of("SIGTERM: left for the next run", Stop.INTERRUPTED, open, "Skip", State.Pending, false),
                Arguments.of("the fleet halted", Stop.HALTED, open, "Skip", State.Halted, false),
                Arguments.of("the intent was deleted: halts the fleet", Stop.NONE, Optional.empty(), "Skip", State.Halted, true),
                Arguments.of("the intent was made invalid: halts the fleet", Stop.NONE, Optional.of(intent("stageTimeout", "x")), "Skip",
                        State.Halted, true),
                Arguments.of("the intent is paused", Stop.NONE, Optional.of(intent("paused", "true")), "Skip", State.Paused, false),
                Arguments.of("a stage would run past the window", Stop.NONE,
                        Optional.of(intent("stageTimeout", "30m", "notAfter", "2026-11-24T22:10:00Z")), "Skip", State.Deferred, false),
                Arguments.of("a stage fits the window", Stop.NONE,
                        Optional.of(intent("stageTimeout", "30m", "notAfter", "2026-11-24T23:00:00Z")), "Go", null, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("starts")
    void whether_a_cluster_may_start(String why, Stop stop, Optional<Checked<Intent>> now, String kind, State state, boolean halts) {
        Start s = FleetPlan.start(member("team-a/m1", State.Planned), stop, now, NOW);
        assertThat(s.getClass().getSimpleName()).isEqualTo(kind);
        if (s instanceof Start.Skip skip) {
            assertThat(skip.state()).isEqualTo(state);
            assertThat(skip.halt().isPresent()).isEqualTo(halts);
            assertThat(skip.note().isEmpty()).isEqualTo(state != State.Deferred);
        }
    }

    @Test
    void the_window_only_defers_a_cluster_that_needs_an_upgrade() {
        Optional<Checked<Intent>> closing = Optional.of(intent("stageTimeout", "30m", "notAfter", "2026-11-24T22:10:00Z"));
        assertThat(FleetPlan.start(member("a/1", State.NoOp), Stop.NONE, closing, NOW)).isInstanceOf(Start.Go.class);
    }

    @Test
    void a_crash_outweighs_a_halt_and_a_halt_outweighs_sigterm() {
        assertThat(Stop.of(true, true, true)).isEqualTo(Stop.CRASHED);
        assertThat(Stop.of(false, true, true)).isEqualTo(Stop.HALTED);
        assertThat(Stop.of(false, false, true)).isEqualTo(Stop.INTERRUPTED);
        assertThat(Stop.of(false, false, false)).isEqualTo(Stop.NONE);
    }

    @Test
    void a_halt_records_every_cluster_not_started_halted_at_once() {
        List<Line> lines = FleetPlan.halt(FleetIntentTest.record(State.Succeeded, State.Running, State.Pending, State.Pending).clusters());
        assertThat(lines).extracting(Line::state).containsExactly(State.Succeeded, State.Running, State.Halted, State.Halted);
    }

    static Stream<Arguments> ends() {
        return Stream.of(
                Arguments.of(List.of(State.Succeeded, State.Interrupted, State.Pending), true, Phase.Interrupted),
                Arguments.of(List.of(State.Succeeded, State.Retry), true, Phase.Interrupted),
                Arguments.of(List.of(State.Succeeded, State.Succeeded), true, Phase.Succeeded),
                Arguments.of(List.of(State.Succeeded, State.Failed, State.Pending), true, Phase.Interrupted),
                Arguments.of(List.of(State.Succeeded, State.Failed, State.Halted), false, Phase.Failed),
                Arguments.of(List.of(State.Succeeded, State.Deferred), false, Phase.Deferred),
                Arguments.of(List.of(State.Succeeded, State.Retry), false, Phase.Running));
    }

    @ParameterizedTest(name = "{0}, SIGTERM {1}: {2}")
    @MethodSource("ends")
    void the_fleet_phase_at_the_end(List<State> states, boolean interrupted, Phase phase) {
        assertThat(FleetPlan.endPhase(FleetIntentTest.record(states.toArray(State[]::new)).clusters(), interrupted)).isEqualTo(phase);
    }

    @Test
    void an_interrupted_fleet_says_so_and_exits_75_whatever_its_clusters() {
        FleetRecord r = FleetIntentTest.record(State.Succeeded, State.Failed, State.Interrupted, State.Pending);
        String msg = FleetPlan.endMessage(Phase.Interrupted, r, Optional.empty(), Optional.of("SIGTERM"));
        assertThat(msg).startsWith("interrupted by SIGTERM").contains("1 Interrupted").contains("exit 75");
        assertThat(r.ended(Phase.Interrupted, msg, NOW).exitCode()).isEqualTo(75);
        assertThat(State.of(Phase.Interrupted)).isEqualTo(State.Interrupted);
        assertThat(FleetIntentTest.record(State.Succeeded, State.Interrupted).exitCode()).isEqualTo(75);
    }

    @Test
    void a_halted_fleet_says_why_first() {
        FleetRecord r = FleetIntentTest.record(State.Succeeded, State.Failed, State.Halted);
        assertThat(FleetPlan.endMessage(Phase.Failed, r, Optional.of("ns/m1 failed (onFailure: halt)"), Optional.empty()))
                .startsWith("halted: ns/m1 failed (onFailure: halt); 1 Succeeded, 1 Failed, 1 Halted; fix: ");
        assertThat(FleetPlan.listForbidden(List.of())).contains("all namespaces (403 Forbidden)").contains("k8s/overlays/fleet");
        assertThat(FleetPlan.noMatch(((Checked.Ok<LabelSelector>) LabelSelector.parse("env=prod")).value(), 3, List.of("a", "b")))
                .contains("matches none of the 3 Milvus resource(s) in namespace(s) a, b");
    }
}

package dev.milvusupgrade.plan;

import static dev.milvusupgrade.plan.Snapshots.FOUR_COORDS;
import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_25;
import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_26;
import static dev.milvusupgrade.plan.Snapshots.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.ClusterSnapshot.Condition;
import dev.milvusupgrade.plan.ClusterSnapshot.OperatorVersion;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PlannerTest {

    private static Intent intent(String target, String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("milvus", "my-release", "targetVersion", target));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return ((Checked.Ok<Intent>) Intent.parse(m, Instant.parse("2026-11-24T22:00:00Z"))).value();
    }

    private static Plan staged(Decision d) {
        assertThat(d).as("decision").isInstanceOf(Decision.Staged.class);
        return ((Decision.Staged) d).plan();
    }

    static Stream<Arguments> paths() {
        return Stream.of(
                Arguments.of("four coordinators on 2.5.4", healthy("milvusdb/milvus:v2.5.4", FOUR_COORDS), "v2.6.4",
                        List.of(
                                "mixcoord-2.5.16|{\"spec\":{\"components\":{\"mixCoord\":{\"replicas\":1},\"image\":\"milvusdb/milvus:v2.5.16\"}}}",
                                "2.6.4|{\"spec\":{\"components\":{\"image\":\"milvusdb/milvus:v2.6.4\"}}}")),
                Arguments.of("mixCoord on 2.5.16", healthy("milvusdb/milvus:v2.5.16", MIXCOORD_25), "v2.6.4",
                        List.of("2.6.4|{\"spec\":{\"components\":{\"image\":\"milvusdb/milvus:v2.6.4\"}}}")),
                Arguments.of("mixCoord on 2.5.18", healthy("milvusdb/milvus:v2.5.18", MIXCOORD_25), "v2.6.4",
                        List.of("2.6.4|{\"spec\":{\"components\":{\"image\":\"milvusdb/milvus:v2.6.4\"}}}")),
                Arguments.of("mixCoord on 2.5.8 still needs 2.5.16, its replicas kept", healthy("milvusdb/milvus:v2.5.8", MIXCOORD_25),
                        "v2.6.4",
                        List.of("mixcoord-2.5.16|{\"spec\":{\"components\":{\"image\":\"milvusdb/milvus:v2.5.16\"}}}",
                                "2.6.4|{\"spec\":{\"components\":{\"image\":\"milvusdb/milvus:v2.6.4\"}}}")),
                Arguments.of("four coordinators on 2.5.18 never go back to 2.5.16", healthy("milvusdb/milvus:v2.5.18", FOUR_COORDS),
                        "v2.6.4",
                        List.of(
                                "mixcoord-2.5.18|{\"spec\":{\"components\":{\"mixCoord\":{\"replicas\":1},\"image\":\"milvusdb/milvus:v2.5.18\"}}}",
                                "2.6.4|{\"spec\":{\"components\":{\"image\":\"milvusdb/milvus:v2.6.4\"}}}")),
                Arguments.of("2.6.2 to 2.6.4", healthy("milvusdb/milvus:v2.6.2", MIXCOORD_26), "2.6.4",
                        List.of("2.6.4|{\"spec\":{\"components\":{\"image\":\"milvusdb/milvus:v2.6.4\"}}}")),
                Arguments.of("private registry with a port", healthy("registry.local:5000/milvusdb/milvus:v2.5.8", FOUR_COORDS), "v2.6.4",
                        List.of(
                                "mixcoord-2.5.16|{\"spec\":{\"components\":{\"mixCoord\":{\"replicas\":1},\"image\":\"registry.local:5000/milvusdb/milvus:v2.5.16\"}}}",
                                "2.6.4|{\"spec\":{\"components\":{\"image\":\"registry.local:5000/milvusdb/milvus:v2.6.4\"}}}")),
                Arguments.of("a mirror that tags without v", healthy("mirror.local/milvus:2.5.16", MIXCOORD_25), "v2.6.4",
                        List.of("2.6.4|{\"spec\":{\"components\":{\"image\":\"mirror.local/milvus:2.6.4\"}}}")),
                Arguments.of("gpu variant carried", healthy("milvusdb/milvus:v2.5.8-gpu", FOUR_COORDS), "v2.6.4",
                        List.of(
                                "mixcoord-2.5.16-gpu|{\"spec\":{\"components\":{\"mixCoord\":{\"replicas\":1},\"image\":\"milvusdb/milvus:v2.5.16-gpu\"}}}",
                                "2.6.4-gpu|{\"spec\":{\"components\":{\"image\":\"milvusdb/milvus:v2.6.4-gpu\"}}}")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void plans_the_runbook_stages(String name, ClusterSnapshot s, String target, List<String> expected) {
        Plan plan = staged(Planner.plan(intent(target), s));
        assertThat(plan.stages()).extracting(st -> st.name() + "|" + st.patch()).containsExactlyElementsOf(expected);
        assertThat(plan.stages()).allSatisfy(st -> assertThat(st.patch()).doesNotContain("null"));
        assertThat(plan.msgStreamType()).isEqualTo("pulsar");
    }

    @Test
    void an_intent_repository_overrides_the_current_one() {
        Plan plan = staged(Planner.plan(intent("v2.6.4", "imageRepository", "mirror.local/milvus"),
                healthy("milvusdb/milvus:v2.5.16", MIXCOORD_25)));
        assertThat(plan.stages()).singleElement()
                .satisfies(st -> assertThat(st.image().toString()).isEqualTo("mirror.local/milvus:v2.6.4"));
        assertThat(plan.warnings()).anyMatch(w -> w.contains("image repository changes from milvusdb/milvus to mirror.local/milvus"));
    }

    @Test
    void another_repository_gets_the_v_that_milvus_publishes() {
        Plan plan = staged(Planner.plan(intent("v2.6.4", "imageRepository", "milvusdb/milvus"),
                healthy("mirror.local/milvus:2.5.16", MIXCOORD_25)));
        assertThat(plan.stages()).singleElement().satisfies(st -> assertThat(st.image().toString()).isEqualTo("milvusdb/milvus:v2.6.4"));
    }

    @Test
    void an_intent_repository_with_a_port_is_refused_for_an_operator_that_misreads_it() {
        ClusterSnapshot s = Snapshots.with(healthy("milvusdb/milvus:v2.5.8", FOUR_COORDS), "cluster", Optional.empty(), false,
                new OperatorVersion.Known(Version.of(1, 3, 2)));
        Decision d = Planner.plan(intent("v2.6.4", "imageRepository", "registry.local:5000/milvus"), s);
        assertThat(d).isInstanceOf(Decision.Refuse.class);
        assertThat(((Decision.Refuse) d).rejection().message()).contains("(registry.local:5000/milvus)").contains("fixed in v1.3.4");
    }

    @Test
    void a_settled_cluster_on_the_target_is_a_noop() {
        assertThat(Planner.plan(intent("v2.6.4"), healthy("milvusdb/milvus:v2.6.4", MIXCOORD_26))).isInstanceOf(Decision.NoOp.class);
    }

    @Test
    void a_settled_cluster_on_the_target_tagged_without_v_is_a_noop_not_a_restart() {
        assertThat(Planner.plan(intent("v2.6.4"), healthy("milvusdb/milvus:2.6.4", MIXCOORD_26))).isInstanceOf(Decision.NoOp.class);
    }

    @Test
    void a_target_in_the_spec_but_not_yet_rolled_is_resumed_by_waiting() {
        ClusterSnapshot patched = Snapshots.withImage(healthy("milvusdb/milvus:v2.5.16", MIXCOORD_25), "milvusdb/milvus:v2.6.4");
        ClusterSnapshot s = Snapshots.withStatus(patched,
                Snapshots.status(patched, "Healthy", new Condition("True", "ReasonMilvusHealthy", ""),
                        new Condition("False", "MilvusUpgradingImage", ""), "milvusdb/milvus:v2.5.16", "", Snapshots.components(patched)));
        Plan plan = staged(Planner.plan(intent("v2.6.4"), s));
        assertThat(plan.stages()).singleElement().satisfies(st -> assertThat(st.isApplied(s)).isTrue());
        assertThat(plan.from()).isEqualTo(Version.of(2, 5, 16));
    }

    @Test
    void a_mixcoord_stage_in_flight_is_resumed_not_refused() {
        ClusterSnapshot four = healthy("milvusdb/milvus:v2.5.4", FOUR_COORDS);
        java.util.Set<Component> withMix = java.util.EnumSet.copyOf(FOUR_COORDS);
        withMix.add(Component.MIXCOORD);
        ClusterSnapshot s = new ClusterSnapshot(four.namespace(), four.name(), four.resourceVersion(), 5, "cluster",
                "milvusdb/milvus:v2.5.16",
                Optional.empty(), withMix, Optional.empty(), "pulsar", false, Optional.empty(),
                Snapshots.status(four, "Healthy", new Condition("True", "", ""), new Condition("False", "MilvusUpgradingImage", ""),
                        "milvusdb/milvus:v2.5.4", "", Snapshots.components(four)), four.deployments(), four.operator(), four.settings());
        Plan plan = staged(Planner.plan(intent("v2.6.4"), s));
        assertThat(plan.stages()).extracting(Stage::name).containsExactly("mixcoord-2.5.16", "2.6.4");
        assertThat(plan.stages().get(0).isApplied(s)).isTrue();
    }

    static Stream<Arguments> refusals() {
        ClusterSnapshot ok = healthy("milvusdb/milvus:v2.5.8", FOUR_COORDS);
        ClusterSnapshot unhealthy = Snapshots.withStatus(ok,
                Snapshots.status(ok, "Unhealthy", new Condition("False", "MilvusComponentNotHealthy",
                "[proxy] not ready"), new Condition("True", "", ""), "milvusdb/milvus:v2.5.8", "", Snapshots.components(ok)));
        ClusterSnapshot rolling = Snapshots.withStatus(ok, Snapshots.status(ok, "Healthy", new Condition("True", "", ""),
                new Condition("False", "MilvusComponentsUpdating", ""), "milvusdb/milvus:v2.5.8", "", Snapshots.components(ok)));
        ClusterSnapshot digest = Snapshots.withImage(ok, "milvusdb/milvus@sha256:0123");
        return Stream.of(
                Arguments.of("rc1 source", healthy("milvusdb/milvus:v2.6.0-rc1", MIXCOORD_26), "v2.6.4",
                    "v2.6.0-rc1 is not compatible with later 2.6 releases"),
                Arguments.of("downgrade", healthy("milvusdb/milvus:v2.6.4", MIXCOORD_26), "v2.6.2",
                        "targetVersion v2.6.2 is older than the running v2.6.4 and downgrades are not supported"),
                Arguments.of("source below 2.5", healthy("milvusdb/milvus:v2.4.9", FOUR_COORDS), "v2.6.4",
                    "the cluster runs v2.4.9, older than v2.5.0"),
                Arguments.of("unknown target 2.7", ok, "v2.7.0", "targetVersion v2.7.0 is not in the upgrade catalogue"),
                Arguments.of("unknown target 2.6.99", ok, "v2.6.99", "targetVersion v2.6.99 is not in the upgrade catalogue"),
                Arguments.of("2.5 to an early 2.6", ok, "v2.6.2", "no known upgrade path from v2.5.8 to v2.6.2"),
                Arguments.of("pre-release target", ok, "v2.6.4-rc1", "targetVersion v2.6.4-rc1 is a pre-release"),
                Arguments.of("standalone", Snapshots.with(ok, "standalone", Optional.empty(), false, ok.operator()), "v2.6.4",
                    "runs in standalone mode"),
                Arguments.of("old operator",
                        Snapshots.with(ok, "cluster", Optional.empty(), false, new OperatorVersion.Known(Version.of(1, 2, 8))),
                        "v2.6.4", "Milvus Operator v1.2.8 has no 2.6 upgrade logic (it needs v1.3.0 or later)"),
                Arguments.of("operator that misreads registry ports",
                        Snapshots.with(healthy("registry.local:5000/milvusdb/milvus:v2.5.8", FOUR_COORDS),
                        "cluster", Optional.empty(), false, new OperatorVersion.Known(Version.of(1, 3, 2))), "v2.6.4",
                        "Milvus Operator v1.3.2 misreads the version of images from a registry with a port (registry.local:5000/milvusdb/milvus)"),
                Arguments.of("pinned version", Snapshots.with(ok, "cluster", Optional.of("v2.5.8"), false, ok.operator()), "v2.6.4",
                        "spec.components.version is pinned to v2.5.8"),
                Arguments.of("pause-reconcile", Snapshots.with(ok, "cluster", Optional.empty(), true, ok.operator()), "v2.6.4",
                    "milvus.io/pause-reconcile=true"),
                Arguments.of("empty image", Snapshots.withImage(ok, ""), "v2.6.4", "spec.components.image is empty"),
                Arguments.of("digest without a reported version", digest, "v2.6.4", "pinned by digest and the status reports no version"),
                Arguments.of("not healthy", unhealthy, "v2.6.4",
                    "is Unhealthy, not Healthy (MilvusReady False/MilvusComponentNotHealthy: [proxy] not ready)"),
                Arguments.of("still rolling", rolling, "v2.6.4",
                    "is still rolling out a change (MilvusUpdated False/MilvusComponentsUpdating"),
                Arguments.of("generation not observed", Snapshots.withGeneration(ok, 9), "v2.6.4", "observedGeneration 4 of 9"),
                Arguments.of("someone else's image change", Snapshots.withImage(ok, "milvusdb/milvus:v2.5.10"), "v2.6.4",
                        "spec.components.image is milvusdb/milvus:v2.5.10 but the cluster still runs milvusdb/milvus:v2.5.8, a rollout this plan did not start"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refuses_with_one_line_and_a_fix(String name, ClusterSnapshot s, String target, String fragment) {
        Decision d = Planner.plan(intent(target), s);
        assertThat(d).isInstanceOf(Decision.Refuse.class);
        String message = ((Decision.Refuse) d).rejection().message();
        assertThat(message).contains(fragment).contains("fix:").doesNotContain("\n");
    }

    @Test
    void a_digest_is_accepted_when_the_status_reports_its_version() {
        ClusterSnapshot ok = healthy("milvusdb/milvus@sha256:0123", MIXCOORD_25);
        ClusterSnapshot s = Snapshots.withStatus(ok, Snapshots.status(ok, "Healthy", ok.status().ready(), ok.status().updated(),
                "milvusdb/milvus@sha256:0123", "v2.5.16", Snapshots.components(ok)));
        Plan plan = staged(Planner.plan(intent("v2.6.4"), s));
        assertThat(plan.stages()).singleElement().satisfies(st -> assertThat(st.image().toString()).isEqualTo("milvusdb/milvus:v2.6.4"));
    }

    @Test
    void an_unreadable_operator_version_is_a_warning_not_a_refusal() {
        ClusterSnapshot ok = healthy("milvusdb/milvus:v2.5.16", MIXCOORD_25);
        Plan plan = staged(Planner.plan(intent("v2.6.16"), Snapshots.with(ok, "cluster", Optional.empty(), false,
                new OperatorVersion.Unknown("reading Deployment milvus-operator/milvus-operator is forbidden"))));
        assertThat(plan.warnings()).singleElement().asString().contains("is forbidden").contains("must be v1.3.0 or later");
    }
}

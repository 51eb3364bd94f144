package dev.milvusupgrade.plan;

import static dev.milvusupgrade.plan.Snapshots.FOUR_COORDS;
import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_25;
import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_26;
import static dev.milvusupgrade.plan.Snapshots.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.ClusterSnapshot.OperatorVersion;
import dev.milvusupgrade.plan.ClusterSnapshot.SpecSettings;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The planner on today's catalogue: the recommended target, the refused ones, newer operator layouts (FACTS §9). */
class CataloguePlanTest {

    private static Intent intent(String target, String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("milvus", "my-release", "targetVersion", target));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return ((Checked.Ok<Intent>) Intent.parse(m, Instant.parse("2026-12-06T22:00:00Z"))).value();
    }

    private static Plan staged(Decision d) {
        assertThat(d).as("decision").isInstanceOf(Decision.Staged.class);
        return ((Decision.Staged) d).plan();
    }

    private static String refused(Decision d) {
        assertThat(d).as("decision").isInstanceOf(Decision.Refuse.class);
        String m = ((Decision.Refuse) d).rejection().message();
        assertThat(m).contains("fix:").doesNotContain("\n");
        return m;
    }

    private static ClusterSnapshot withWorkloads(ClusterSnapshot s, Map<Component, Integer> replicas, WorkloadSettings w) {
        SpecSettings d = SpecSettings.defaults();
        return Snapshots.withSettings(s,
                new SpecSettings(d.rollingMode(), d.enableRollingUpdate(), d.imageUpdateMode(), false, Set.of(), false,
                Map.of(), replicas, w));
    }

    @Test
    void recommended_on_2_5_4_with_four_coordinators_plans_the_newest_safe_2_6_in_two_stages() {
        Plan plan = staged(Planner.plan(intent("recommended"), healthy("milvusdb/milvus:v2.5.4", FOUR_COORDS)));
        assertThat(plan.target()).isEqualTo(Version.of(2, 6, 25));
        assertThat(plan.target().isAtLeast(Version.of(2, 6, 16))).isTrue();
        assertThat(plan.stages()).extracting(Stage::name).containsExactly("mixcoord-2.5.16", "2.6.25");
        assertThat(plan.recommendation()).startsWith("targetVersion recommended resolved: recommended target from v2.5.4: v2.6.25")
                .contains("v2.6.13 (milvus-io/milvus#48930)");
    }

    @Test
    void plan_with_a_version_still_says_what_is_recommended_and_warns_below_2_6_16() {
        Plan plan = staged(Planner.plan(intent("v2.6.4"), healthy("milvusdb/milvus:v2.5.4", FOUR_COORDS)));
        assertThat(plan.target()).isEqualTo(Version.of(2, 6, 4));
        assertThat(plan.recommendation()).startsWith("recommended target from v2.5.4: v2.6.25");
        assertThat(plan.warnings()).anyMatch(w -> w.startsWith("targetVersion v2.6.4 is older than v2.6.16 on a 2.5 -> 2.6 route")
                && w.contains("milvus-io/milvus#48351"));
    }

    @Test
    void v2_6_13_from_2_5_is_refused_naming_the_issue_and_the_nearest_good_target() {
        assertThat(refused(Planner.plan(intent("v2.6.13"), healthy("milvusdb/milvus:v2.5.8", FOUR_COORDS))))
                .contains("targetVersion v2.6.13 is refused from 2.5 (milvus-io/milvus#48930)").contains("fix: target v2.6.15 or later");
    }

    @Test
    void v2_6_24_from_2_5_16_with_mixcoord_is_a_single_stage() {
        Plan plan = staged(Planner.plan(intent("v2.6.24"), healthy("milvusdb/milvus:v2.5.16", MIXCOORD_25)));
        assertThat(plan.stages()).extracting(Stage::name).containsExactly("2.6.24");
        assertThat(plan.warnings()).noneMatch(w -> w.contains("older than v2.6.16"));
    }

    @Test
    void v2_6_11_to_v2_6_24_is_a_single_stage() {
        Plan plan = staged(Planner.plan(intent("v2.6.24"), healthy("milvusdb/milvus:v2.6.11", MIXCOORD_26)));
        assertThat(plan.stages()).extracting(Stage::name).containsExactly("2.6.24");
    }

    @Test
    void recommended_on_the_newest_release_is_nothing_to_do() {
        assertThat(Planner.plan(intent("recommended"), healthy("milvusdb/milvus:v2.6.25", MIXCOORD_26))).isInstanceOf(Decision.NoOp.class);
    }

    @Test
    void nothing_to_do_on_an_older_release_still_names_the_recommended_one() {
        Decision d = Planner.plan(intent("v2.6.11"), healthy("milvusdb/milvus:v2.6.11", MIXCOORD_26));
        assertThat(d).isInstanceOf(Decision.NoOp.class);
        assertThat(((Decision.NoOp) d).warnings()).containsExactly(Catalogue.builtIn().recommendation(Version.of(2, 6, 11)));
        assertThat(((Decision.NoOp) Planner.plan(intent("v2.6.25"), healthy("milvusdb/milvus:v2.6.25", MIXCOORD_26))).warnings()).isEmpty();
    }

    @Test
    void a_cluster_on_3_0_is_outside_the_routes_and_3_0_is_no_target() {
        assertThat(refused(Planner.plan(intent("recommended"), healthy("milvusdb/milvus:v3.0.1", MIXCOORD_26))))
                .contains("the cluster runs v3.0.1, outside this tool's routes");
        assertThat(refused(Planner.plan(intent("v3.0.1"), healthy("milvusdb/milvus:v3.0.1", MIXCOORD_26))))
                .contains("outside this tool's routes");
        assertThat(refused(Planner.plan(intent("v3.0.5"), healthy("milvusdb/milvus:v2.6.24", MIXCOORD_26))))
                .contains("targetVersion v3.0.5 is refused (milvus-io/milvus-docs#3574): the 2.6 to 3.0 route is not supported yet");
    }

    @Test
    void recommended_with_no_safe_target_is_refused() {
        assertThat(refused(Planner.plan(intent("recommended"), healthy("milvusdb/milvus:v2.6.0-rc1", MIXCOORD_26))))
                .startsWith("targetVersion recommended: no recommended target from v2.6.0-rc1");
    }

    @Test
    void statefulset_mode_is_refused_with_the_reason() {
        ClusterSnapshot s = withWorkloads(healthy("milvusdb/milvus:v2.5.16", MIXCOORD_25), Map.of(),
                new WorkloadSettings(Set.of(Component.QUERYNODE), Set.of(), Map.of(), Optional.empty()));
        assertThat(refused(Planner.plan(intent("v2.6.24"), s)))
                .startsWith("spec.components.queryNode.statefulSet.enabled is true (StatefulSet mode");
    }

    @Test
    void a_user_hpa_on_the_querynode_is_refused_under_operators_that_never_finish_and_explained_under_newer_ones() {
        ClusterSnapshot hpa = withWorkloads(healthy("milvusdb/milvus:v2.5.16", MIXCOORD_25), Map.of(Component.QUERYNODE, -1),
                WorkloadSettings.none());
        ClusterSnapshot old = Snapshots.with(hpa, "cluster", Optional.empty(), false, new OperatorVersion.Known(Version.of(1, 3, 5)));
        assertThat(refused(Planner.plan(intent("v2.6.24"), old)))
                .contains("Milvus Operator v1.3.5 never finishes a two-Deployment querynode rollout")
                .contains("fix: upgrade the operator to v1.3.6 or later");
        Plan plan = staged(Planner.plan(intent("v2.6.24"), hpa));
        assertThat(plan.warnings())
                .anyMatch(w -> w.contains("milvus.io/querynode-current-group-id") && w.contains("my-release-milvus-querynode-0/-1")
                && !w.contains("must be v1.3.6"));
        ClusterSnapshot unknown = Snapshots.with(hpa, "cluster", Optional.empty(), false, new OperatorVersion.Unknown("forbidden"));
        assertThat(staged(Planner.plan(intent("v2.6.24"), unknown)).warnings())
                .anyMatch(w -> w.contains("the operator must be v1.3.6 or later"));
    }

    @Test
    void pulsar_clusters_are_warned_of_the_exclusive_producer_unless_spec_config_keeps_it_shared() {
        ClusterSnapshot pulsar = healthy("milvusdb/milvus:v2.6.24", MIXCOORD_26);
        assertThat(staged(Planner.plan(intent("v2.6.25"), pulsar)).warnings())
                .anyMatch(w -> w.contains("exclusive (milvus-io/milvus#53540)")
                && w.contains("pulsar.producerAccessMode: shared"));
        ClusterSnapshot shared = withWorkloads(pulsar, Map.of(), new WorkloadSettings(Set.of(), Set.of(), Map.of(), Optional.of("shared")));
        assertThat(staged(Planner.plan(intent("v2.6.25"), shared)).warnings()).noneMatch(w -> w.contains("exclusive"));
        ClusterSnapshot kafka = Snapshots.with(pulsar, Optional.of(true), "kafka", pulsar.deployments());
        assertThat(staged(Planner.plan(intent("v2.6.25"), kafka)).warnings()).noneMatch(w -> w.contains("exclusive"));
        assertThat(staged(Planner.plan(intent("v2.6.24"), healthy("milvusdb/milvus:v2.6.11", MIXCOORD_26))).warnings())
                .noneMatch(w -> w.contains("exclusive"));
    }

    @Test
    void a_per_component_rolling_update_is_accepted_and_its_duration_weighed_against_the_stage_timeout() {
        ClusterSnapshot s = withWorkloads(healthy("milvusdb/milvus:v2.6.11", MIXCOORD_26), Map.of(Component.QUERYNODE, 120),
                new WorkloadSettings(Set.of(), Set.of(), Map.of(Component.QUERYNODE, new WorkloadSettings.RollingUpdate("0", "2")),
                    Optional.empty()));
        Plan plan = staged(Planner.plan(intent("v2.6.24", "stageTimeout", "30m"), s));
        // 120 query nodes two at a time: 60 steps; the other components one each: 4 steps; 64 x 30 s = 32m.
        assertThat(plan.warnings())
                .anyMatch(w -> w.startsWith("per-component rollingUpdate: queryNode 120 replica(s) in batches of 2 (maxSurge 0,"
                + " maxUnavailable 2); a stage takes about 64 step(s), 32m at ~30 s a step")
                    && w.contains("raise stageTimeout to at least 1h4m"));
        Plan roomy = staged(Planner.plan(intent("v2.6.24", "stageTimeout", "2h"), s));
        assertThat(roomy.warnings()).anyMatch(w -> w.startsWith("per-component rollingUpdate") && !w.contains("raise stageTimeout"));
    }

    @Test
    void rolling_update_percentages_round_as_kubernetes_does() {
        assertThat(Layouts.resolve("25%", 10, true)).isEqualTo(3);
        assertThat(Layouts.resolve("25%", 10, false)).isEqualTo(2);
        assertThat(Layouts.resolve("", 4, true)).isEqualTo(1);
        assertThat(Layouts.resolve("3", 4, false)).isEqualTo(3);
        assertThat(Layouts.resolve("lots", 4, false)).isZero();
    }
}

package dev.milvusupgrade.plan;

import static dev.milvusupgrade.plan.Snapshots.FOUR_COORDS;
import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_25;
import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_26;
import static dev.milvusupgrade.plan.Snapshots.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.ClusterSnapshot.ComponentDeployment;
import dev.milvusupgrade.plan.ClusterSnapshot.Condition;
import dev.milvusupgrade.plan.ClusterSnapshot.MilvusStatus;
import dev.milvusupgrade.plan.ClusterSnapshot.OperatorVersion;
import dev.milvusupgrade.plan.ClusterSnapshot.SpecSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The preflight rules for the operator's traps (FACTS §8): each refusal names the field and the fix. */
class OperatorTrapsRulesTest {

    private static final ClusterSnapshot OK = healthy("milvusdb/milvus:v2.5.16", MIXCOORD_25);

    private static Intent intent(String target, String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("milvus", "my-release", "targetVersion", target));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return ((Checked.Ok<Intent>) Intent.parse(m, Instant.parse("2026-11-24T22:00:00Z"))).value();
    }

    private static ClusterSnapshot settings(int rollingMode, Optional<Boolean> rollingUpdate, String mode, boolean paused,
            Set<Component> pausedComponents, boolean manual, Map<Component, String> images) {
        return Snapshots.withSettings(OK,
                new SpecSettings(rollingMode, rollingUpdate, mode, paused, pausedComponents, manual, images, Map.of()));
    }

    private static ClusterSnapshot dependency(String type, Condition c) {
        Map<String, Condition> deps = new HashMap<>(Snapshots.DEPENDENCIES_READY);
        if (c == null) {
            deps.remove(type);
        } else {
            deps.put(type, c);
        }
        MilvusStatus st = OK.status();
        return Snapshots.withStatus(OK, new MilvusStatus(st.status(), st.observedGeneration(), st.ready(), st.updated(), st.currentImage(),
                st.currentVersion(), st.components(), deps));
    }

    private static ClusterSnapshot withDeployments(ClusterSnapshot s, ComponentDeployment... extra) {
        List<ComponentDeployment> deps = new ArrayList<>(s.deployments());
        deps.addAll(List.of(extra));
        return Snapshots.with(s, s.streamingMode(), s.msgStreamType(), deps);
    }

    static Stream<Arguments> refusals() {
        Optional<Boolean> on = Optional.of(true);
        return Stream.of(
                Arguments.of("rollingMode 3", settings(3, on, "rollingUpgrade", false, Set.of(), false, Map.of()),
                        "spec.components.rollingMode is 3 (two Deployments per component)"),
                Arguments.of("a component's own image, even the global one", settings(2, on, "rollingUpgrade", false, Set.of(), false,
                        Map.of(Component.PROXY, "milvusdb/milvus:v2.5.16")),
                        "spec.components.proxy.image=milvusdb/milvus:v2.5.16 overrides the global image"),
                Arguments.of("global paused", settings(2, on, "rollingUpgrade", true, Set.of(), false, Map.of()),
                        "spec.components.paused is true"),
                Arguments.of("a paused component", settings(2, on, "rollingUpgrade", false, Set.of(Component.QUERYNODE), false, Map.of()),
                        "spec.components.queryNode.paused is true"),
                Arguments.of("manual mode", settings(2, on, "rollingUpgrade", false, Set.of(), true, Map.of()),
                        "spec.components.enableManualMode is true"),
                Arguments.of("rolling update off", settings(2, Optional.of(false), "rollingUpgrade", false, Set.of(), false, Map.of()),
                        "spec.components.enableRollingUpdate is false, so the operator would not roll in the order 2.5 to 2.6 needs"),
                Arguments.of("imageUpdateMode all", settings(2, on, "all", false, Set.of(), false, Map.of()),
                        "spec.components.imageUpdateMode is all"),
                Arguments.of("imageUpdateMode force", settings(2, on, "force", false, Set.of(), false, Map.of()),
                        "spec.components.imageUpdateMode is force"),
                Arguments.of("imageUpdateMode rollingDowngrade", settings(2, on, "rollingDowngrade", false, Set.of(), false, Map.of()),
                        "spec.components.imageUpdateMode is rollingDowngrade"),
                Arguments.of("message queue down",
                        dependency("MsgStreamReady", new Condition("False", "MsgStreamNotReady", "connection refused")),
                        "the operator reports MsgStreamReady False/MsgStreamNotReady: connection refused, and it rolls nothing"),
                Arguments.of("etcd condition absent", dependency("EtcdReady", null), "the operator reports EtcdReady absent"),
                Arguments.of("natsmq", Snapshots.with(OK, OK.streamingMode(), "natsmq", OK.deployments()),
                        "spec.dependencies.msgStreamType is natsmq, which is not supported in cluster mode and was removed in Milvus 2.6"),
                Arguments.of("rocksmq in cluster mode", Snapshots.with(OK, OK.streamingMode(), "rocksmq", OK.deployments()),
                        "spec.dependencies.msgStreamType is rocksmq, which is not supported in cluster mode"),
                Arguments.of("coordinator Deployments without spec", withDeployments(OK,
                        new ComponentDeployment("my-release-milvus-rootcoord", Component.ROOTCOORD, "milvusdb/milvus:v2.5.8", 1, 1),
                        new ComponentDeployment("my-release-milvus-datacoord", Component.DATACOORD, "milvusdb/milvus:v2.5.8", 1, 1)),
                        "Deployment(s) my-release-milvus-datacoord, my-release-milvus-rootcoord of Milvus milvus/my-release have no field in the"
                                + " spec, so the operator will never delete them"),
                Arguments.of("an index node Deployment on 2.6 without spec", withDeployments(healthy("milvusdb/milvus:v2.6.2", MIXCOORD_26),
                        new ComponentDeployment("my-release-milvus-indexnode", Component.INDEXNODE, "milvusdb/milvus:v2.5.16", 1, 1)),
                        "Deployment(s) my-release-milvus-indexnode of Milvus milvus/my-release have no field in the spec"),
                Arguments.of("operator label and image disagree", Snapshots.with(OK, "cluster", Optional.empty(), false,
                        new OperatorVersion.Disagreeing(Version.of(1, 3, 8), Version.of(1, 2, 8))),
                        "the Milvus Operator Deployment runs the image v1.2.8 but its label app.kubernetes.io/version says v1.3.8"),
                Arguments.of("reconciled without currentImage, operator unreadable", Snapshots.withStatus(Snapshots.with(OK, "cluster",
                        Optional.empty(), false,
                        new OperatorVersion.Unknown("reading Deployment milvus-operator/milvus-operator is forbidden")),
                        Snapshots.status(OK, "Healthy", OK.status().ready(), OK.status().updated(), "", "", Snapshots.components(OK))),
                        "has a status but no status.currentImage: the operator is older than v1.3.0 (or the CRD prunes status.currentImage)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refuses_what_the_operator_cannot_finish_with_the_field_and_the_fix(String name, ClusterSnapshot s, String fragment) {
        Decision d = Planner.plan(intent("v2.6.4"), s);
        assertThat(d).as(name).isInstanceOf(Decision.Refuse.class);
        assertThat(((Decision.Refuse) d).rejection().message()).contains(fragment).contains("; fix: ").doesNotContain("\n");
    }

    @Test
    void an_unordered_rollout_goes_ahead_when_the_intent_accepts_it_and_says_so() {
        ClusterSnapshot s = settings(2, Optional.of(true), "all", false, Set.of(), false, Map.of());
        Plan plan = ((Decision.Staged) Planner.plan(intent("v2.6.16", "allowUnorderedRollout", "true"), s)).plan();
        assertThat(plan.warnings()).containsExactly("allowUnorderedRollout: spec.components.imageUpdateMode is all, so components roll"
                + " without order (accepted by the intent)");
    }

    @Test
    void unset_rollout_switches_are_the_operators_defaults_and_refuse_nothing() {
        ClusterSnapshot s = settings(0, Optional.empty(), "", false, Set.of(), false, Map.of());
        assertThat(Planner.plan(intent("v2.6.4"), s)).isInstanceOf(Decision.Staged.class);
    }

    @Test
    void a_reconciled_cluster_without_current_image_is_fine_when_the_operator_version_is_known() {
        ClusterSnapshot s = Snapshots.withStatus(OK, Snapshots.status(OK, "Healthy", OK.status().ready(), OK.status().updated(), "", "",
                Snapshots.components(OK)));
        assertThat(Planner.plan(intent("v2.6.4"), s)).isInstanceOf(Decision.Staged.class);
    }

    @Test
    void the_operator_version_prefers_the_running_image_tag_and_reports_a_disagreement() {
        Optional<Version> v138 = Optional.of(Version.of(1, 3, 8));
        Optional<Version> v128 = Optional.of(Version.of(1, 2, 8));
        assertThat(OperatorVersion.of(v138, v128)).isEqualTo(new OperatorVersion.Disagreeing(Version.of(1, 3, 8), Version.of(1, 2, 8)));
        assertThat(OperatorVersion.of(v138, v138)).isEqualTo(new OperatorVersion.Known(Version.of(1, 3, 8)));
        assertThat(OperatorVersion.of(v138, Optional.empty())).isEqualTo(new OperatorVersion.Known(Version.of(1, 3, 8)));
        assertThat(OperatorVersion.of(Optional.empty(), v128)).isEqualTo(new OperatorVersion.Known(Version.of(1, 2, 8)));
        assertThat(OperatorVersion.of(Optional.empty(), Optional.empty())).isInstanceOf(OperatorVersion.Unknown.class);
    }

    @Test
    void the_2_6_stage_warns_of_a_single_streaming_node_for_several_query_nodes() {
        ClusterSnapshot three = Snapshots.withSettings(OK, new SpecSettings(2, Optional.of(true), "rollingUpgrade", false, Set.of(), false,
                Map.of(), Map.of(Component.QUERYNODE, 3)));
        assertThat(((Decision.Staged) Planner.plan(intent("v2.6.4"), three)).plan().warnings())
                .anyMatch(w -> w.startsWith("the 2.6 stage creates a single streaming node") && w.contains("for 3 query nodes")
                        && w.contains("milvus#46980"));
        ClusterSnapshot sized = Snapshots.withSettings(OK, new SpecSettings(2, Optional.of(true), "rollingUpgrade", false, Set.of(), false,
                Map.of(), Map.of(Component.QUERYNODE, 3, Component.STREAMINGNODE, 2)));
        assertThat(((Decision.Staged) Planner.plan(intent("v2.6.4"), sized)).plan().warnings())
                .noneMatch(w -> w.contains("streaming node"));
        assertThat(((Decision.Staged) Planner.plan(intent("v2.6.4"), OK)).plan().warnings()).noneMatch(w -> w.contains("streaming node"));
    }

    @Test
    void an_explicit_streaming_mode_false_on_2_5_expects_no_streaming_node_even_with_its_spec() {
        Set<Component> withSpec = new HashSet<>(FOUR_COORDS);
        withSpec.add(Component.STREAMINGNODE);
        ClusterSnapshot s = healthy("milvusdb/milvus:v2.5.8", withSpec);
        Stage bridge = ((Decision.Staged) Planner.plan(intent("v2.6.4"), s)).plan().stages().get(0);
        assertThat(bridge.expectedComponents(Snapshots.with(s, Optional.of(false), "pulsar", s.deployments())))
                .doesNotContain(Component.STREAMINGNODE);
        assertThat(bridge.expectedComponents(Snapshots.with(s, Optional.empty(), "pulsar", s.deployments())))
                .contains(Component.STREAMINGNODE);
        assertThat(bridge.expectedComponents(Snapshots.with(s, Optional.of(true), "pulsar", s.deployments())))
                .contains(Component.STREAMINGNODE);
    }
}

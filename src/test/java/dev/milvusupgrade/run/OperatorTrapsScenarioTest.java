package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.sim.SimulatorOptions;
import dev.milvusupgrade.testing.Await;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Issue 8: clusters the simulated operator brings up (FACTS §8) in a shape it could never finish
 * upgrading are refused before any change, with the Milvus resource byte-for-byte unchanged, and a
 * spec it does finish is upgraded.
 */
class OperatorTrapsScenarioTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> components(GenericKubernetesResource m) {
        return (Map<String, Object>) ((Map<String, Object>) m.getAdditionalProperties().get("spec")).get("components");
    }

    @SuppressWarnings("unchecked")
    private static void set(GenericKubernetesResource m, String component, String key, Object value) {
        ((Map<String, Object>) components(m).computeIfAbsent(component, k -> new LinkedHashMap<>())).put(key, value);
    }

    static Stream<Arguments> traps() {
        return Stream.of(
                Arguments.of("rollingMode 3", "milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS,
                        (Consumer<GenericKubernetesResource>) m -> components(m).put("rollingMode", 3),
                        "spec.components.rollingMode is 3"),
                Arguments.of("a proxy with its own image, equal to the global one", "milvusdb/milvus:v2.5.16", Layout.MIXCOORD,
                        (Consumer<GenericKubernetesResource>) m -> set(m, "proxy", "image", "milvusdb/milvus:v2.5.16"),
                        "spec.components.proxy.image=milvusdb/milvus:v2.5.16 overrides the global image"),
                Arguments.of("manual mode", "milvusdb/milvus:v2.5.16", Layout.MIXCOORD,
                        (Consumer<GenericKubernetesResource>) m -> components(m).put("enableManualMode", true),
                        "spec.components.enableManualMode is true"),
                Arguments.of("imageUpdateMode force", "milvusdb/milvus:v2.5.16", Layout.MIXCOORD,
                        (Consumer<GenericKubernetesResource>) m -> components(m).put("imageUpdateMode", "force"),
                        "spec.components.imageUpdateMode is force"),
                Arguments.of("natsmq", "milvusdb/milvus:v2.5.16", Layout.MIXCOORD,
                        (Consumer<GenericKubernetesResource>) m -> ((Map<String, Object>) ((Map<String, Object>) m.getAdditionalProperties()
                                .get("spec")).get("dependencies")).put("msgStreamType", "natsmq"),
                        "spec.dependencies.msgStreamType is natsmq, which is not supported in cluster mode and was removed in Milvus 2.6"));
    }

    private static void assertRefusedUntouched(ScenarioCluster c, String fragment) {
        String before = c.resourceVersion();

        Runner.Report report = c.run();

        assertThat(report.exitCode()).as(report.record().message()).isEqualTo(2);
        RunRecord r = c.result();
        assertThat(r.phase()).isEqualTo(Phase.Rejected);
        assertThat(r.message()).contains(fragment).contains("; fix: ").doesNotContain("\n");
        assertThat(c.resourceVersion()).isEqualTo(before);
        assertThat(c.ourMilvusPatches()).isEmpty();
    }

    /** A person's merge patch of the Milvus resource, then a wait until the operator reports it Healthy and Updated on it. */
    private static void patchAndSettle(ScenarioCluster c, String patch) {
        c.client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ScenarioCluster.NS).withName(ScenarioCluster.RELEASE)
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        Await.until(Duration.ofSeconds(20), "the operator to settle on " + patch, () -> {
            Map<?, ?> status = (Map<?, ?>) c.milvus().getAdditionalProperties().get("status");
            return c.milvus().getMetadata().getGeneration().equals(((Number) status.get("observedGeneration")).longValue())
                    && "Healthy".equals(status.get("status"))
                    && String.valueOf(status.get("conditions")).contains("MilvusComponentsUpdated");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("traps")
    void refuses_a_spec_the_operator_cannot_finish_before_any_change(String name, String image, Layout layout,
            Consumer<GenericKubernetesResource> trap, String fragment) {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            GenericKubernetesResource m = SimulatedCluster.milvusResource(ScenarioCluster.NS, ScenarioCluster.RELEASE, image, layout,
                    "pulsar");
            trap.accept(m);
            SimulatedCluster.seedMilvus(c.client, m, Duration.ofSeconds(20));
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));

            assertRefusedUntouched(c, fragment);
        }
    }

    @Test
    void refuses_a_query_node_paused_on_a_running_cluster_which_still_looks_updated() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            // FACTS §8.4: a paused component counts as updated, so the instance goes on looking Healthy and Updated.
            patchAndSettle(c, "{\"spec\":{\"components\":{\"queryNode\":{\"paused\":true}}}}");
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));

            assertRefusedUntouched(c, "spec.components.queryNode.paused is true");
        }
    }

    @Test
    void refuses_while_the_message_queue_is_down_quoting_the_operators_condition() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.operator.setDependencyDown("MsgStreamReady", "ConnectionFailed", "connect to pulsar://pulsar:6650 failed");
            Await.until(Duration.ofSeconds(10), "the operator to report the message queue down", () -> String.valueOf(
                    c.milvus().getAdditionalProperties().get("status")).contains("ConnectionFailed"));
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));

            assertRefusedUntouched(c, "the operator reports MsgStreamReady False/ConnectionFailed: connect to pulsar://pulsar:6650 failed");
        }
    }

    @Test
    void refuses_coordinator_deployments_whose_spec_fields_were_removed_by_hand_naming_them() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.FOUR_COORDS);
            // Someone dropped the coordinators from the spec: the operator defaults a mixCoord and never deletes their Deployments.
            patchAndSettle(c,
                    "{\"spec\":{\"components\":{\"rootCoord\":null,\"dataCoord\":null,\"queryCoord\":null,\"indexCoord\":null}}}");
            assertThat(c.client.apps().deployments().inNamespace(ScenarioCluster.NS).withName("my-release-milvus-rootcoord").get())
                    .isNotNull();
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));

            assertRefusedUntouched(c,
                    "Deployment(s) my-release-milvus-datacoord, my-release-milvus-indexcoord, my-release-milvus-querycoord,"
                    + " my-release-milvus-rootcoord of Milvus milvus/my-release have no field in the spec");
        }
    }

    @Test
    void refuses_an_operator_whose_image_and_chart_label_disagree() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            SimulatedCluster.seedOperatorDeployment(c.client, "1.3.8", "v1.2.8");
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));

            assertRefusedUntouched(c,
                    "the Milvus Operator Deployment runs the image v1.2.8 but its label app.kubernetes.io/version says v1.3.8");
        }
    }

    @Test
    void refuses_an_operator_before_1_3_0_by_its_missing_current_image_when_its_deployment_cannot_be_read() {
        try (ScenarioCluster c = new ScenarioCluster(SimulatorOptions.fast().withOperatorVersion("1.2.8"))) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            // The default install has no access to the operator's namespace.
            c.faults().inject(new FaultInjectingDispatcher.Fault("operator read forbidden",
                    FaultInjectingDispatcher.method("GET", "/namespaces/milvus-operator/deployments/milvus-operator"), 100,
                    () -> FaultInjectingDispatcher.status(403, "Forbidden", "deployments.apps is forbidden")));
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));

            assertRefusedUntouched(c, "has a status but no status.currentImage: the operator is older than v1.3.0");
        }
    }

    @Test
    void an_explicit_streaming_mode_false_with_a_streaming_node_spec_on_2_5_is_upgraded_without_waiting_for_a_streaming_node() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            GenericKubernetesResource m = SimulatedCluster.milvusResource(ScenarioCluster.NS, ScenarioCluster.RELEASE,
                    "milvusdb/milvus:v2.5.4",
                    Layout.FOUR_COORDS, "pulsar");
            components(m).put("streamingMode", false);
            set(m, "streamingNode", "replicas", 1);
            SimulatedCluster.seedMilvus(c.client, m, Duration.ofSeconds(20));
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "30s"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(c.result().stages()).extracting(RunRecord.StageRecord::name).containsExactly("mixcoord-2.5.16", "2.6.4");
            assertThat(c.client.apps().deployments().inNamespace(ScenarioCluster.NS).withLabel(MilvusApi.LABEL_COMPONENT, "streamingnode")
                    .list().getItems()).isNotEmpty();
            assertThat(List.of(c.components().get("streamingMode"))).containsExactly(true);
        }
    }
}

package dev.milvusupgrade.sim;

import static dev.milvusupgrade.sim.SimHarness.NAME;
import static dev.milvusupgrade.sim.SimHarness.NS;
import static dev.milvusupgrade.sim.SimHarness.completeOn;
import static dev.milvusupgrade.sim.SimHarness.components;
import static dev.milvusupgrade.sim.SimHarness.condition;
import static dev.milvusupgrade.sim.SimHarness.conditionIs;
import static dev.milvusupgrade.sim.SimHarness.done;
import static dev.milvusupgrade.sim.SimHarness.image;
import static dev.milvusupgrade.sim.SimHarness.observed;
import static dev.milvusupgrade.sim.SimHarness.progressingReason;
import static dev.milvusupgrade.sim.SimHarness.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operator's gates and traps of FACTS.md §8, each driven through the mock API server the way a
 * person or the tool would drive the real operator, with the behaviour the operator's source shows.
 */
class OperatorTrapsTest {

    private static final String V2_5_14 = "milvusdb/milvus:v2.5.14";
    private static final String V2_5_16 = "milvusdb/milvus:v2.5.16";
    private static final String V2_6_4 = "milvusdb/milvus:v2.6.4";
    private static final List<String> COORDINATORS = List.of("rootcoord", "datacoord", "querycoord", "indexcoord");

    private static String imagePatch(String image, String moreComponents) {
        return "{\"spec\":{\"components\":{\"image\":\"" + image + "\"" + (moreComponents.isEmpty() ? "" : "," + moreComponents) + "}}}";
    }

    // §8.1

    @Test
    void rolling_mode_3_runs_every_component_as_two_deployments_which_the_coordinator_cleanup_never_deletes() {
        try (SimHarness c = new SimHarness()) {
            GenericKubernetesResource cr = SimHarness.resource(V2_5_14, Layout.FOUR_COORDS);
            components(cr).put("rollingMode", 3);
            c.seed(cr);
            List<String> before = new ArrayList<>();
            for (String comp : List.of("rootcoord", "datacoord", "querycoord", "indexcoord", "datanode", "querynode", "indexnode", "proxy",
                    "standalone")) {
                before.add(NAME + "-milvus-" + comp + "-0");
                before.add(NAME + "-milvus-" + comp + "-1");
            }
            assertThat(c.deploymentNames()).containsExactlyInAnyOrderElementsOf(before);
            Deployment proxy0 = c.deployment(NAME + "-milvus-proxy-0").orElseThrow();
            assertThat(proxy0.getMetadata().getLabels()).containsEntry("milvus.io/proxy-group-id", "0");
            assertThat(image(c.deployment(NAME + "-milvus-proxy-1").orElseThrow())).isEqualTo("dummy");
            assertThat(status(c.milvus())).containsEntry("rollingModeVersion", 3);

            c.patch(imagePatch(V2_5_16, "\"mixCoord\":{\"replicas\":1}"));
            c.await("the coordinator cleanup ran and the instance is done on 2.5.16", m -> done(m, V2_5_16)
                    && COORDINATORS.stream().noneMatch(x -> components(m).containsKey(x.replace("coord", "Coord"))));

            // The cleanup removed the spec fields but deleted nothing: <release>-milvus-rootcoord does not exist.
            for (String coord : COORDINATORS) {
                assertThat(image(c.deployment(NAME + "-milvus-" + coord + "-0").orElseThrow())).as(coord).isEqualTo(V2_5_14);
                assertThat(c.deployment(NAME + "-milvus-" + coord + "-1")).as(coord).isPresent();
            }
            assertThat(c.deploymentNames()).contains(NAME + "-milvus-mixcoord-0", NAME + "-milvus-mixcoord-1")
                    .noneMatch(n -> n.equals(NAME + "-milvus-mixcoord") || n.equals(NAME + "-milvus-proxy"));
            // The proxy rolled by moving to its other group.
            Deployment proxy1 = c.deployment(NAME + "-milvus-proxy-1").orElseThrow();
            assertThat(image(proxy1)).isEqualTo(V2_5_16);
            assertThat(proxy1.getSpec().getReplicas()).isEqualTo(1);
            assertThat(c.deployment(NAME + "-milvus-proxy-0").orElseThrow().getSpec().getReplicas()).isZero();
            assertThat(c.milvus().getMetadata().getAnnotations()).containsEntry("milvus.io/proxy-current-group-id", "1");
            assertThat(c.milvus().getMetadata().getLabels()).doesNotContainKey("milvus.io/proxy-rolling-id");
        }
    }

    // §8.2

    @Test
    void coordinator_and_index_node_deployments_whose_spec_fields_a_patch_removed_are_never_deleted() {
        try (SimHarness c = new SimHarness()) {
            c.seed(V2_5_14, Layout.FOUR_COORDS);

            c.patch(imagePatch(V2_5_16,
                    "\"mixCoord\":{\"replicas\":1},\"rootCoord\":null,\"dataCoord\":null,\"queryCoord\":null,\"indexCoord\":null"));
            c.await("done on 2.5.16", m -> done(m, V2_5_16));
            c.pokeAndAwaitPasses(2);
            // The mock API server stores a merge patch's null as a null value (a real one removes the key); either way no spec.
            assertThat(components(c.milvus())).extractingByKeys("rootCoord", "dataCoord", "queryCoord", "indexCoord").containsOnlyNulls();
            for (String coord : COORDINATORS) {
                assertThat(image(c.component(coord))).as(coord).isEqualTo(V2_5_14);
            }

            c.patch(imagePatch(V2_6_4, "\"indexNode\":null"));
            c.await("done on 2.6.4", m -> done(m, V2_6_4));
            c.pokeAndAwaitPasses(2);
            assertThat(image(c.component("indexnode"))).isEqualTo(V2_5_16);
            assertThat(image(c.component("proxy"))).isEqualTo(V2_6_4);
        }
    }

    // §8.3

    @Test
    void a_component_pinned_to_its_own_image_never_counts_as_updated_and_holds_back_what_follows_it() {
        try (SimHarness c = new SimHarness()) {
            c.seed(V2_5_16, Layout.MIXCOORD);

            c.patch(imagePatch(V2_6_4, "\"queryNode\":{\"image\":\"" + V2_5_16 + "\"}"));
            c.await("streaming node and mixcoord updated, MilvusUpdated False", m -> observed(m)
                    && completeOn(m, "streamingnode", V2_6_4) && completeOn(m, "mixcoord", V2_6_4)
                    && "MilvusUpgradingImage".equals(condition(m, "MilvusUpdated").get("reason")));
            c.awaitPasses(3);

            GenericKubernetesResource m = c.milvus();
            assertThat(image(c.component("querynode-0"))).isEqualTo(V2_5_16);
            assertThat(image(c.component("querynode-1"))).as("never rolled").isEqualTo("dummy");
            assertThat(image(c.component("datanode"))).isEqualTo(V2_5_16);
            assertThat(image(c.component("proxy"))).isEqualTo(V2_5_16);
            assertThat(conditionIs(m, "MilvusUpdated", "False")).isTrue();
            assertThat(status(m)).containsEntry("currentImage", V2_5_16).containsEntry("status", "Healthy");
            assertThat(components(m)).containsKey("indexNode");
        }
    }

    @Test
    void a_proxy_pinned_to_its_own_image_blocks_the_index_node_cleanup() {
        try (SimHarness c = new SimHarness()) {
            c.seed(V2_5_16, Layout.MIXCOORD);

            c.patch(imagePatch(V2_6_4, "\"proxy\":{\"image\":\"" + V2_5_16 + "\"}"));
            c.await("everything before the proxy updated", m -> observed(m) && completeOn(m, "datanode", V2_6_4));
            c.awaitPasses(3);

            GenericKubernetesResource m = c.milvus();
            assertThat(image(c.component("proxy"))).isEqualTo(V2_5_16);
            assertThat(c.deployment(NAME + "-milvus-indexnode")).isPresent();
            assertThat(components(m)).containsKey("indexNode");
            assertThat(condition(m, "MilvusUpdated")).containsEntry("status", "False").containsEntry("reason", "MilvusUpgradingImage");
            assertThat(status(m)).containsEntry("currentImage", V2_5_16);
        }
    }

    // §8.4

    @Test
    void a_paused_component_counts_as_updated_so_the_instance_looks_done_and_then_stalls_halfway() {
        try (SimHarness c = new SimHarness()) {
            c.seed(V2_5_16, Layout.MIXCOORD);

            c.patch("{\"spec\":{\"components\":{\"dataNode\":{\"paused\":true}}}}");
            c.await("the data node paused and the instance still done", m -> done(m, V2_5_16)
                    && "DeploymentPaused".equals(progressingReason(m, "datanode")));
            assertThat(c.component("datanode").getSpec().getPaused()).isTrue();

            c.patch(imagePatch(V2_6_4, ""));
            c.await("the query node updated, the data node's new template held", m -> observed(m) && completeOn(m, "querynode", V2_6_4)
                    && V2_6_4.equals(SimHarness.deployStatus(m, "datanode").get("image")));
            c.awaitPasses(3);
            GenericKubernetesResource m = c.milvus();
            assertThat(progressingReason(m, "datanode")).isEqualTo("DeploymentPaused");
            assertThat(image(c.component("proxy"))).isEqualTo(V2_5_16);
            assertThat(condition(m, "MilvusUpdated")).containsEntry("status", "False").containsEntry("reason", "MilvusUpgradingImage");
            assertThat(status(m)).containsEntry("status", "Healthy").containsEntry("currentImage", V2_5_16);

            c.patch("{\"spec\":{\"components\":{\"dataNode\":{\"paused\":false}}}}");
            c.await("done on 2.6.4 once resumed", x -> done(x, V2_6_4) && !components(x).containsKey("indexNode"));
            assertThat(image(c.component("proxy"))).isEqualTo(V2_6_4);
            assertThat(c.component("datanode").getSpec().getPaused()).isNull();
        }
    }

    @Test
    void a_paused_query_node_is_never_rolled() {
        try (SimHarness c = new SimHarness()) {
            c.seed(V2_5_16, Layout.MIXCOORD);
            c.patch("{\"spec\":{\"components\":{\"queryNode\":{\"paused\":true}}}}");
            c.await("the pause observed, the instance still done", m -> done(m, V2_5_16));

            c.patch(imagePatch(V2_6_4, ""));
            c.await("mixcoord updated", m -> observed(m) && completeOn(m, "mixcoord", V2_6_4));
            c.awaitPasses(3);

            Deployment qn0 = c.component("querynode-0");
            assertThat(image(qn0)).isEqualTo(V2_5_16);
            assertThat(qn0.getSpec().getReplicas()).isEqualTo(1);
            // The operator sets spec.paused of a two-Deployment component only when it creates it.
            assertThat(qn0.getSpec().getPaused()).isNull();
            assertThat(image(c.component("querynode-1"))).isEqualTo("dummy");
            assertThat(image(c.component("datanode"))).isEqualTo(V2_5_16);
            GenericKubernetesResource m = c.milvus();
            assertThat(m.getMetadata().getLabels()).doesNotContainKey("milvus.io/querynode-rolling-id");
            assertThat(conditionIs(m, "MilvusUpdated", "False")).isTrue();
        }
    }

    @Test
    void manual_mode_leaves_replicas_alone_and_updates_no_query_node_deployment_that_has_replicas() {
        try (SimHarness c = new SimHarness()) {
            c.seed(V2_5_16, Layout.MIXCOORD);

            c.patch("{\"spec\":{\"components\":{\"enableManualMode\":true,\"dataNode\":{\"replicas\":2}}}}");
            c.await("manual mode observed", SimHarness::observed);
            c.pokeAndAwaitPasses(2);
            assertThat(c.component("datanode").getSpec().getReplicas()).isEqualTo(1);

            c.patch(imagePatch(V2_6_4, ""));
            c.await("mixcoord updated", m -> observed(m) && completeOn(m, "mixcoord", V2_6_4));
            c.awaitPasses(3);
            assertThat(image(c.component("querynode-0"))).isEqualTo(V2_5_16);
            assertThat(image(c.component("querynode-1"))).isEqualTo("dummy");
            assertThat(image(c.component("datanode"))).isEqualTo(V2_5_16);
            assertThat(conditionIs(c.milvus(), "MilvusUpdated", "False")).isTrue();
        }
    }

    // §8.5

    @Test
    void with_a_dependency_down_from_the_start_no_deployment_is_created_and_the_status_says_why() {
        String message = "dial tcp 10.0.0.7:6650: connect: connection refused";
        try (SimHarness c = new SimHarness(SimulatorOptions.fast().withDependencyDown("MsgStreamReady", "ConnectionFailed", message))) {
            c.client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(NS).resource(SimHarness.resource(V2_5_16, Layout.MIXCOORD))
                    .create();
            c.await("the dependency condition written", m -> observed(m) && conditionIs(m, "MsgStreamReady", "False"));
            c.awaitPasses(2);

            GenericKubernetesResource m = c.milvus();
            assertThat(condition(m, "MsgStreamReady")).containsEntry("reason", "ConnectionFailed").containsEntry("message", message);
            assertThat(condition(m, "EtcdReady")).containsEntry("status", "True").containsEntry("reason", "EtcdReady");
            assertThat(c.deploymentNames()).isEmpty();
            assertThat(status(m)).containsEntry("status", "Pending");
            assertThat(conditionIs(m, "MilvusReady", "False")).isTrue();
        }
    }

    @Test
    void a_dependency_going_down_holds_the_rollout_while_the_instance_stays_healthy_and_it_proceeds_once_back() {
        try (SimHarness c = new SimHarness()) {
            c.seed(V2_5_14, Layout.MIXCOORD);
            c.operator.setDependencyDown("EtcdReady", "EtcdNotReady",
                    "All etcd endpoints are unhealthy:[my-release-etcd.milvus:2379:context deadline exceeded]");
            c.await("EtcdReady False", m -> conditionIs(m, "EtcdReady", "False"));

            c.patch(imagePatch(V2_5_16, ""));
            c.await("the new generation observed", m -> observed(m) && conditionIs(m, "MilvusUpdated", "False"));
            c.awaitPasses(3);
            GenericKubernetesResource m = c.milvus();
            assertThat(status(m)).containsEntry("status", "Healthy").containsEntry("currentImage", V2_5_14);
            assertThat(conditionIs(m, "MilvusReady", "True")).isTrue();
            assertThat(condition(m, "MilvusUpdated")).containsEntry("reason", "MilvusUpgradingImage");
            assertThat(condition(m, "EtcdReady")).containsEntry("reason", "EtcdNotReady");
            assertThat(c.client.apps().deployments().inNamespace(NS).list().getItems()).extracting(SimHarness::image)
                    .allMatch(i -> i.equals(V2_5_14) || i.equals("dummy"));

            c.operator.setDependencyUp("EtcdReady");
            c.await("done on 2.5.16", x -> done(x, V2_5_16));
            assertThat(image(c.component("proxy"))).isEqualTo(V2_5_16);
            assertThat(condition(c.milvus(), "EtcdReady")).containsEntry("status", "True")
                    .containsEntry("message", "Etcd endpoints is healthy");
        }
    }

    @Test
    void with_rolling_update_off_a_gated_instance_claims_the_new_image_while_its_deployments_run_the_old_one() {
        try (SimHarness c = new SimHarness()) {
            c.seed(V2_5_14, Layout.MIXCOORD);
            c.patch("{\"spec\":{\"components\":{\"enableRollingUpdate\":false}}}");
            c.await("rolling update off observed", m -> done(m, V2_5_14));
            c.operator.setDependencyDown("StorageReady", "ClientError", "The Access Key Id you provided does not exist in our records.");
            c.await("StorageReady False", m -> conditionIs(m, "StorageReady", "False"));

            c.patch(imagePatch(V2_5_16, ""));
            c.await("the status claims 2.5.16", m -> done(m, V2_5_16));

            assertThat(image(c.component("mixcoord"))).isEqualTo(V2_5_14);
            assertThat(image(c.component("proxy"))).isEqualTo(V2_5_14);
            assertThat(image(c.component("querynode-0"))).isEqualTo(V2_5_14);
        }
    }

    // §8.7 and §8.14

    @Test
    void an_explicit_streaming_mode_false_wins_over_a_streaming_node_spec_on_2_5_and_becomes_true_on_2_6() {
        try (SimHarness c = new SimHarness()) {
            GenericKubernetesResource cr = SimHarness.resource(V2_5_16, Layout.MIXCOORD);
            components(cr).put("streamingMode", false);
            components(cr).put("streamingNode", new LinkedHashMap<>(Map.of("replicas", 2)));
            c.seed(cr);

            assertThat(c.deploymentNames()).noneMatch(n -> n.contains("streamingnode"));
            assertThat(components(c.milvus())).containsEntry("streamingMode", false).containsEntry("streamingNode", Map.of("replicas", 2));

            c.patch(imagePatch(V2_6_4, ""));
            c.await("done on 2.6.4", m -> done(m, V2_6_4));
            assertThat(components(c.milvus())).containsEntry("streamingMode", true);
            assertThat(c.component("streamingnode").getSpec().getReplicas()).isEqualTo(2);
            assertThat(image(c.component("streamingnode"))).isEqualTo(V2_6_4);
        }
    }

    @Test
    void the_defaults_write_streaming_mode_false_on_2_5_and_one_streaming_node_on_2_6() {
        try (SimHarness c = new SimHarness()) {
            c.seed(V2_5_16, Layout.MIXCOORD);
            assertThat(components(c.milvus())).containsEntry("streamingMode", false).doesNotContainKey("streamingNode");

            c.patch(imagePatch(V2_6_4, ""));
            c.await("done on 2.6.4", m -> done(m, V2_6_4));
            assertThat(components(c.milvus())).containsEntry("streamingMode", true).containsEntry("streamingNode", Map.of("replicas", 1));
            assertThat(c.component("streamingnode").getSpec().getReplicas()).isEqualTo(1);
        }
    }

    // §8.8

    @Test
    void an_operator_before_1_3_0_writes_no_current_image_cleans_up_nothing_and_deploys_no_streaming_node_on_2_6() {
        try (SimHarness c = new SimHarness(SimulatorOptions.fast().withOperatorVersion("1.2.8"))) {
            c.seed(V2_5_14, Layout.FOUR_COORDS);
            assertThat(status(c.milvus())).doesNotContainKeys("currentImage", "currentVersion");
            assertThat(components(c.milvus())).doesNotContainKey("streamingMode");

            c.patch(imagePatch(V2_5_16, "\"mixCoord\":{\"replicas\":1}"));
            c.await("mixcoord up on 2.5.16",
                    m -> observed(m) && conditionIs(m, "MilvusUpdated", "True") && completeOn(m, "mixcoord", V2_5_16)
                    && completeOn(m, "proxy", V2_5_16));
            c.pokeAndAwaitPasses(2);
            assertThat(components(c.milvus())).containsKeys("rootCoord", "dataCoord", "queryCoord", "indexCoord");
            for (String coord : COORDINATORS) {
                assertThat(image(c.component(coord))).as(coord).isEqualTo(V2_5_14);
            }

            c.patch(imagePatch(V2_6_4, ""));
            c.await("every component on 2.6.4", m -> observed(m) && conditionIs(m, "MilvusUpdated", "True")
                    && List.of("mixcoord", "querynode", "indexnode", "datanode", "proxy").stream().allMatch(x -> completeOn(m, x, V2_6_4)));
            c.pokeAndAwaitPasses(2);
            GenericKubernetesResource m = c.milvus();
            assertThat(c.deploymentNames()).noneMatch(n -> n.contains("streamingnode"));
            assertThat(components(m)).containsKey("indexNode").doesNotContainKeys("streamingNode", "streamingMode");
            assertThat(status(m)).doesNotContainKey("currentImage").containsEntry("status", "Healthy");
            assertThat(image(c.component("indexnode"))).isEqualTo(V2_6_4);
        }
    }

    @Test
    void the_operator_deployment_can_carry_a_chart_version_and_an_image_tag_that_disagree() {
        try (SimHarness c = new SimHarness()) {
            SimulatedCluster.seedOperatorDeployment(c.client, "1.3.8", "v1.2.8");
            Deployment d = c.client.apps().deployments().inNamespace(MilvusApi.OPERATOR_NAMESPACE).withName(MilvusApi.OPERATOR_DEPLOYMENT)
                    .get();
            assertThat(d.getMetadata().getLabels()).containsEntry(MilvusApi.LABEL_VERSION, "1.3.8")
                    .containsEntry("helm.sh/chart", "milvus-operator-1.3.8");
            assertThat(image(d)).isEqualTo("milvusdb/milvus-operator:v1.2.8");

            SimulatedCluster.seedOperatorDeployment(c.client, "1.3.7");
            d = c.client.apps().deployments().inNamespace(MilvusApi.OPERATOR_NAMESPACE).withName(MilvusApi.OPERATOR_DEPLOYMENT).get();
            assertThat(d.getMetadata().getLabels()).containsEntry(MilvusApi.LABEL_VERSION, "1.3.7");
            assertThat(image(d)).isEqualTo("milvusdb/milvus-operator:v1.3.7");
        }
    }

    @Test
    void the_default_milvus_image_follows_the_operator_release() {
        assertThat(OperatorDefaults.defaultImage("1.2.8")).isEqualTo("milvusdb/milvus:v2.5.14");
        assertThat(OperatorDefaults.defaultImage("1.3.0")).isEqualTo("milvusdb/milvus:v2.6.0");
        assertThat(OperatorDefaults.defaultImage("1.3.5")).isEqualTo("milvusdb/milvus:v2.6.7");
        assertThat(OperatorDefaults.defaultImage("1.3.8")).isEqualTo("milvusdb/milvus:v2.6.11");
        assertThat(OperatorDefaults.isLegacy("1.2.8")).isTrue();
        assertThat(OperatorDefaults.isLegacy("1.3.0")).isFalse();
    }

    // §8.11

    @Test
    void a_pod_annotation_change_restarts_that_component_alone() {
        SimulatorOptions slowMixcoord = SimulatorOptions.fast().withComponentDelays(Map.of("mixcoord", Duration.ofMillis(800)));
        try (SimHarness c = new SimHarness(slowMixcoord)) {
            c.seed(V2_6_4, Layout.MIXCOORD);
            Map<String, PodTemplateSpec> others = new LinkedHashMap<>();
            for (String comp : List.of("streamingnode", "querynode-0", "querynode-1", "datanode", "proxy", "standalone")) {
                others.put(comp, c.component(comp).getSpec().getTemplate());
            }

            c.patch("{\"spec\":{\"components\":{\"mixCoord\":{\"podAnnotations\":{\"example.com/restarted-at\":\"1\"}}}}}");
            c.await("mixcoord restarting",
                    m -> observed(m) && "Milvus components[mixcoord] are updating".equals(condition(m, "MilvusUpdated").get("message")));
            c.await("done again", m -> done(m, V2_6_4));

            assertThat(c.component("mixcoord").getSpec().getTemplate().getMetadata().getAnnotations())
                    .containsEntry("example.com/restarted-at", "1");
            assertThat(image(c.component("mixcoord"))).isEqualTo(V2_6_4);
            others.forEach((comp, template) -> assertThat(c.component(comp).getSpec().getTemplate()).as(comp).isEqualTo(template));
        }
    }

    @Test
    void a_pod_annotation_change_of_the_query_node_moves_it_to_its_other_group() {
        try (SimHarness c = new SimHarness()) {
            c.seed(V2_6_4, Layout.MIXCOORD);
            c.patch("{\"spec\":{\"components\":{\"queryNode\":{\"podAnnotations\":{\"example.com/restarted-at\":\"1\"}}}}}");
            c.await("done with the query node on group 1", m -> done(m, V2_6_4)
                    && "1".equals(m.getMetadata().getAnnotations().get("milvus.io/querynode-current-group-id")));

            Deployment qn1 = c.component("querynode-1");
            assertThat(qn1.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("example.com/restarted-at", "1");
            assertThat(image(qn1)).isEqualTo(V2_6_4);
            assertThat(qn1.getSpec().getReplicas()).isEqualTo(1);
            assertThat(c.component("querynode-0").getSpec().getReplicas()).isZero();
        }
    }
}

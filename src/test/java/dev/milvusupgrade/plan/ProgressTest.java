package dev.milvusupgrade.plan;

import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_26;
import static dev.milvusupgrade.plan.Snapshots.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.ClusterSnapshot.ComponentDeployment;
import dev.milvusupgrade.plan.ClusterSnapshot.ComponentStatus;
import dev.milvusupgrade.plan.ClusterSnapshot.Condition;
import dev.milvusupgrade.plan.ClusterSnapshot.DeployState;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProgressTest {

    private static final String NEW = "milvusdb/milvus:v2.6.4";
    private static final String OLD = "milvusdb/milvus:v2.5.16";
    private static final Stage TARGET = new Stage.ImageStage(ImageRef.parse(NEW).orElseThrow(), Version.of(2, 6, 4));
    private static final Stage BRIDGE = new Stage.MixCoordStage(ImageRef.parse(OLD).orElseThrow(), Version.of(2, 5, 16), true);

    private static List<String> behind(Progress p) {
        assertThat(p).isInstanceOf(Progress.Waiting.class);
        return ((Progress.Waiting) p).behind();
    }

    @Test
    void a_settled_cluster_on_the_stage_image_is_done() {
        assertThat(Progress.evaluate(TARGET, healthy(NEW, MIXCOORD_26))).isInstanceOf(Progress.Done.class);
    }

    @Test
    void updated_true_from_an_older_generation_is_not_done() {
        ClusterSnapshot s = Snapshots.withGeneration(healthy(NEW, MIXCOORD_26), 5);
        assertThat(behind(Progress.evaluate(TARGET, s))).containsExactly("operator has not observed generation 5 (observed 4)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "currentImage|currentImage milvusdb/milvus:v2.5.16",
        "updated|MilvusUpdated False/MilvusUpgradingImage",
        "ready|MilvusReady False/MilvusComponentNotHealthy",
        "status|status Unhealthy"})
    void each_missing_condition_keeps_the_stage_waiting(String which, String expected) {
        ClusterSnapshot ok = healthy(NEW, MIXCOORD_26);
        ClusterSnapshot.MilvusStatus st = ok.status();
        ClusterSnapshot s = Snapshots.withStatus(ok, new ClusterSnapshot.MilvusStatus(
                "status".equals(which) ? "Unhealthy" : "Healthy", st.observedGeneration(),
                "ready".equals(which) ? new Condition("False", "MilvusComponentNotHealthy", "") : st.ready(),
                "updated".equals(which) ? new Condition("False", "MilvusUpgradingImage", "") : st.updated(),
                "currentImage".equals(which) ? OLD : NEW, "", st.components(), st.dependencies()));
        assertThat(behind(Progress.evaluate(TARGET, s))).containsExactly(expected);
    }

    @Test
    void a_component_behind_is_named_with_its_image_and_readiness() {
        ClusterSnapshot ok = healthy(NEW, MIXCOORD_26);
        Map<Component, ComponentStatus> comps = Snapshots.components(ok);
        comps.put(Component.PROXY, new ComponentStatus(OLD, DeployState.COMPLETE, 2, 2));
        comps.put(Component.QUERYNODE, new ComponentStatus(NEW, DeployState.PROGRESSING, 3, 1));
        comps.remove(Component.STREAMINGNODE);
        // stale key, v1.3.0-1.3.7
        comps.put(Component.ROOTCOORD, new ComponentStatus("milvusdb/milvus:v2.5.4", DeployState.COMPLETE, 1, 1));
        ClusterSnapshot s = Snapshots.withStatus(ok,
                Snapshots.status(ok, "Healthy", ok.status().ready(), ok.status().updated(), NEW, "", comps));
        assertThat(behind(Progress.evaluate(TARGET, s))).containsExactlyInAnyOrder("proxy on " + OLD + " (2/2 ready)",
                "querynode progressing (1/3 ready)", "streamingnode has no status yet");
    }

    @Test
    void the_progress_line_counts_what_is_ready_and_names_components_in_the_same_state_together() {
        ClusterSnapshot ok = healthy(NEW, MIXCOORD_26);
        Map<Component, ComponentStatus> comps = Snapshots.components(ok);
        comps.put(Component.PROXY, new ComponentStatus(OLD, DeployState.COMPLETE, 2, 2));
        comps.put(Component.DATANODE, new ComponentStatus(OLD, DeployState.COMPLETE, 1, 1));
        comps.put(Component.QUERYNODE, new ComponentStatus(NEW, DeployState.ROLLING, 3, 1));
        comps.remove(Component.STREAMINGNODE);
        ClusterSnapshot s = Snapshots.withStatus(ok, Snapshots.status(ok, "Healthy", ok.status().ready(),
                new Condition("False", "MilvusUpgradingImage", ""), OLD, "", comps));
        assertThat(((Progress.Waiting) Progress.evaluate(TARGET, s)).brief()).isEqualTo("1/5 components on v2.6.4 and ready; waiting for"
                + " querynode rolling (1/3 ready), datanode, proxy (old image), streamingnode (not created); operator: MilvusUpdated"
                + " False/MilvusUpgradingImage");
    }

    @Test
    void the_mixcoord_stage_waits_for_the_operator_to_remove_the_coordinators() {
        Set<Component> comps = EnumSet.copyOf(Snapshots.MIXCOORD_25);
        comps.add(Component.ROOTCOORD);
        ClusterSnapshot ok = healthy(OLD, Snapshots.MIXCOORD_25);
        List<ComponentDeployment> deps = new ArrayList<>(ok.deployments());
        deps.add(new ComponentDeployment("my-release-milvus-rootcoord", Component.ROOTCOORD, "milvusdb/milvus:v2.5.4", 1, 1));
        ClusterSnapshot s = new ClusterSnapshot(ok.namespace(), ok.name(), ok.resourceVersion(), ok.generation(), ok.mode(), ok.image(),
                ok.specVersion(), comps, Optional.empty(), "pulsar", false, Optional.empty(), ok.status(), deps, ok.operator(),
                    ok.settings());
        assertThat(behind(Progress.evaluate(BRIDGE, s))).containsExactly("Deployment my-release-milvus-rootcoord still present",
                "separate coordinators still in the spec (operator cleanup pending)");
    }

    @Test
    void the_2_6_stage_waits_for_the_operator_to_remove_the_index_node_spec() {
        Set<Component> comps = EnumSet.copyOf(MIXCOORD_26);
        comps.add(Component.INDEXNODE);
        ClusterSnapshot ok = healthy(NEW, MIXCOORD_26);
        ClusterSnapshot s = new ClusterSnapshot(ok.namespace(), ok.name(), ok.resourceVersion(), ok.generation(), ok.mode(), ok.image(),
                ok.specVersion(), comps, Optional.of(true), "pulsar", false, Optional.empty(), ok.status(), ok.deployments(), ok.operator(),
                ok.settings());
        assertThat(behind(Progress.evaluate(TARGET, s))).containsExactly("indexNode still in the spec (operator cleanup pending)");
    }

    @Test
    void after_2_6_an_index_node_deployment_by_label_keeps_the_stage_waiting_whatever_its_name() {
        ClusterSnapshot ok = healthy(NEW, MIXCOORD_26);
        List<ComponentDeployment> deps = new ArrayList<>(ok.deployments());
        deps.add(new ComponentDeployment("my-release-milvus-indexnode-0", Component.INDEXNODE, OLD, 1, 1));
        ClusterSnapshot s = Snapshots.with(ok, ok.streamingMode(), "pulsar", deps);
        assertThat(behind(Progress.evaluate(TARGET, s))).containsExactly("Deployment my-release-milvus-indexnode-0 still present");
        assertThat(((Progress.Waiting) Progress.evaluate(TARGET, s)).brief()).contains("operator cleanup pending (1 Deployment)");
    }

    @Test
    void an_image_the_stage_did_not_write_is_drift_with_its_manager() {
        ClusterSnapshot ok = healthy(OLD, Snapshots.MIXCOORD_25);
        ClusterSnapshot s = new ClusterSnapshot(ok.namespace(), ok.name(), ok.resourceVersion(), ok.generation(), ok.mode(), OLD,
                ok.specVersion(), ok.specComponents(), Optional.empty(), "pulsar", false, Optional.of("argocd-controller (Update)"),
                    ok.status(),
                ok.deployments(), ok.operator(), ok.settings());
        assertThat(Progress.evaluate(TARGET, s)).isEqualTo(new Progress.Drifted(OLD, Optional.of("argocd-controller (Update)")));
    }

    @Test
    void the_issue_446_signature_is_recognised() {
        ClusterSnapshot ok = Snapshots.withImage(healthy(OLD, MIXCOORD_26), NEW);
        Map<Component, ComponentStatus> comps = Snapshots.components(ok);
        comps.put(Component.STREAMINGNODE, new ComponentStatus(NEW, DeployState.PROGRESSING, 1, 0));
        ClusterSnapshot s = Snapshots.withStatus(ok, Snapshots.status(ok, "Healthy", ok.status().ready(),
                new Condition("False", "MilvusUpgradingImage", ""), OLD, "", comps));
        assertThat(Progress.evaluate(TARGET, s)).isEqualTo(new Progress.Deadlock446(
                "streamingnode on " + NEW + " is progressing (0/1 ready) while mixcoord is still on " + OLD));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"Rejected, 2", "Failed, 1", "Succeeded, 0", "NoOp, 0", "Deferred, 0", "Paused, 0", "Planned, 0"})
    void phases_map_to_the_contract_exit_codes(Phase phase, int code) {
        assertThat(phase.exitCode()).isEqualTo(code);
        assertThat(phase.isTerminal()).isTrue();
    }
}

package dev.milvusupgrade.run;

import static dev.milvusupgrade.run.ScenarioCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.sim.SimulatorOptions;
import dev.milvusupgrade.testing.ScaledClock;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Whole runs against the simulated operator on the mock API server. */
class UpgradeScenarioTest {


    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(GenericKubernetesResource m) {
        return (Map<String, Object>) m.getAdditionalProperties().get("spec");
    }

    @Test
    void upgrades_four_coordinators_on_2_5_4_in_two_stages() {
        // The query node takes long enough that its rolling state is seen between two status writes.
        try (ScenarioCluster c = new ScenarioCluster(SimulatorOptions.fast()
                .withComponentDelays(Map.of("querynode", Duration.ofMillis(500))))) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isZero();
            Map<String, Object> components = c.components();
            assertThat(components.get("image")).isEqualTo("milvusdb/milvus:v2.6.4");
            assertThat(components).containsKey("mixCoord")
                    .doesNotContainKeys("rootCoord", "dataCoord", "queryCoord", "indexCoord", "indexNode");
            assertThat((Map<String, Object>) components.get("mixCoord")).containsEntry("replicas", 1);
            assertThat((Map<String, Object>) spec(c.milvus()).get("dependencies")).containsEntry("msgStreamType", "pulsar");
            assertThat(c.annotations()).containsEntry(MilvusApi.ANNOTATION_PHASE, "Succeeded");
            RunRecord r = c.result();
            assertThat(r.phase()).isEqualTo(Phase.Succeeded);
            assertThat(r.fromVersion()).isEqualTo("v2.5.4");
            assertThat(r.targetVersion()).isEqualTo("v2.6.4");
            assertThat(r.milvus()).isEqualTo(NS + "/" + ScenarioCluster.RELEASE);
            assertThat(r.stages()).extracting(RunRecord.StageRecord::name).containsExactly("mixcoord-2.5.16", "2.6.4");
            assertThat(r.stages()).allSatisfy(s -> {
                assertThat(s.phase()).isEqualTo(RunRecord.StagePhase.Succeeded);
                assertThat(s.finishedAt().orElseThrow()).isAfterOrEqualTo(s.startedAt().orElseThrow());
            });
            assertThat(c.ourMilvusPatches()).extracting(RecordingDispatcher.Request::body)
                    .satisfiesExactly(
                            b -> assertThat(b).contains("\"mixCoord\":{\"replicas\":1}").contains("milvusdb/milvus:v2.5.16"),
                            b -> assertThat(b).contains("milvusdb/milvus:v2.6.4").doesNotContain("mixCoord"));
            assertThat(c.ourMilvusPatches()).allSatisfy(p -> assertThat(p.body()).doesNotContain("null"));
            assertThat(c.client.apps().deployments().inNamespace(NS).list().getItems())
                    .extracting(d -> d.getMetadata().getName())
                    .noneMatch(n -> n.endsWith("-rootcoord") || n.endsWith("-datacoord") || n.endsWith("-querycoord")
                            || n.endsWith("-indexcoord") || n.endsWith("-indexnode"));
            // The query node moved between its two Deployments at each stage, and the wait read that as rolling.
            assertThat(c.client.apps().deployments().inNamespace(NS).withLabel(MilvusApi.LABEL_COMPONENT, "querynode").list().getItems())
                    .extracting(d -> d.getMetadata().getName() + " " + d.getSpec().getReplicas() + " "
                            + d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                    .containsExactlyInAnyOrder("my-release-milvus-querynode-0 1 milvusdb/milvus:v2.6.4",
                            "my-release-milvus-querynode-1 0 milvusdb/milvus:v2.5.16");
            assertThat(c.log).anyMatch(l -> l.contains("querynode rolling (")).noneMatch(l -> l.contains("querynode failed"));
        }
    }

    @Test
    void upgrades_mixcoord_on_2_5_16_in_one_stage() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "2.6.4"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isZero();
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.6.4");
            assertThat(c.result().stages()).extracting(RunRecord.StageRecord::name).containsExactly("2.6.4");
            assertThat(c.ourMilvusPatches()).hasSize(1);
        }
    }

    @Test
    void already_on_2_6_4_is_a_noop_without_any_patch() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.6.4", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4"));
            String before = c.resourceVersion();

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isZero();
            assertThat(report.record().phase()).isEqualTo(Phase.NoOp);
            assertThat(c.annotations()).containsEntry(MilvusApi.ANNOTATION_PHASE, "NoOp");
            assertThat(c.ourMilvusPatches()).isEmpty();
            assertThat(c.resourceVersion()).isEqualTo(before);
        }
    }

    @Test
    void keeps_a_private_registry_with_a_port() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("registry.local:5000/milvusdb/milvus:v2.5.8", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isZero();
            assertThat(c.components().get("image")).isEqualTo("registry.local:5000/milvusdb/milvus:v2.6.4");
            assertThat(c.result().stages()).extracting(RunRecord.StageRecord::image)
                    .containsExactly("registry.local:5000/milvusdb/milvus:v2.5.16", "registry.local:5000/milvusdb/milvus:v2.6.4");
        }
    }

    @Test
    void a_stuck_operator_fails_the_run_within_the_stage_timeout_naming_the_component() {
        try (ScenarioCluster c = new ScenarioCluster(SimulatorOptions.fast().withStuck("proxy"))) {
            c.clock = new ScaledClock(10); // the 10 s stage timeout passes in 1 s
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "10s"));
            Instant start = Instant.now();

            Runner.Report report = c.run();

            assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(25));
            assertThat(report.exitCode()).isEqualTo(1);
            assertThat(c.annotations()).containsEntry(MilvusApi.ANNOTATION_PHASE, "Failed");
            RunRecord r = c.result();
            assertThat(r.message()).contains("did not complete within 10s").contains("proxy").contains("fix:");
            assertThat(r.stages()).singleElement().satisfies(s -> assertThat(s.phase()).isEqualTo(RunRecord.StagePhase.Failed));
        }
    }

    @Test
    void pods_stuck_terminating_fail_the_stage_at_its_timeout_with_the_operators_reason() {
        try (ScenarioCluster c = new ScenarioCluster(SimulatorOptions.fast().withStuckTerminating("querynode"))) {
            // Real time until every component runs the new image, then ten times faster: the 10 s timeout passes in about 1 s.
            c.clock = new ScaledClock().fastOnce(() -> c.logged("5/5 components on v2.6.4"), Duration.ofSeconds(30), 10);
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "10s"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(1);
            RunRecord r = c.result();
            assertThat(r.message()).contains("did not complete within 10s").contains("Milvus has terminating pods").contains("fix:")
                    .doesNotContain("\n");
            // Every component runs the new image: only the terminating pods hold the stage back.
            assertThat(r.message()).doesNotContain(" on milvusdb/milvus:v2.5.16");
        }
    }

    @Test
    void refusals_leave_the_milvus_resource_untouched() {
        record Case(String image, Layout layout, String target, String expected) {
        }
        List<Case> cases = List.of(
                new Case("milvusdb/milvus:v2.6.0-rc1", Layout.MIXCOORD, "v2.6.4", "v2.6.0-rc1 is not compatible"),
                new Case("milvusdb/milvus:v2.6.4", Layout.MIXCOORD, "v2.6.2", "downgrades are not supported"),
                new Case("milvusdb/milvus:v2.5.8", Layout.FOUR_COORDS, "v2.7.0", "not in the upgrade catalogue"));
        for (Case k : cases) {
            try (ScenarioCluster c = ScenarioCluster.start()) {
                c.seed(k.image(), k.layout());
                c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", k.target()));
                String before = c.resourceVersion();

                Runner.Report report = c.run();

                assertThat(report.exitCode()).as(k.toString()).isEqualTo(2);
                assertThat(c.annotations()).containsEntry(MilvusApi.ANNOTATION_PHASE, "Rejected");
                assertThat(c.result().message()).as(k.toString()).contains(k.expected()).doesNotContain("\n");
                assertThat(c.resourceVersion()).isEqualTo(before);
                assertThat(c.ourMilvusPatches()).isEmpty();
            }
        }
    }

    @Test
    void an_unhealthy_cluster_is_refused_before_the_first_stage() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.8", Layout.FOUR_COORDS);
            c.makeUnhealthy();
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4"));
            String before = c.resourceVersion();

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(2);
            assertThat(c.result().message()).contains("Unhealthy, not Healthy").contains("fix:");
            assertThat(c.resourceVersion()).isEqualTo(before);
            assertThat(c.ourMilvusPatches()).isEmpty();
        }
    }

    @Test
    void a_forbidden_operator_version_read_is_a_warning_and_the_upgrade_goes_on() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4"));
            // The default install has no Role in milvus-operator (k8s/optional/operator-version-reader grants it).
            c.faults().inject(new FaultInjectingDispatcher.Fault("no rbac in milvus-operator",
                    r -> r.getPath().contains("/namespaces/milvus-operator/")
                    && ScenarioCluster.TOOL_AGENT.equals(r.getHeader("User-Agent")), Integer.MAX_VALUE,
                    () -> FaultInjectingDispatcher.status(403, "Forbidden", "deployments.apps is forbidden")));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isZero();
            assertThat(c.faults().fired("no rbac in milvus-operator")).isPositive();
            assertThat(c.log).anyMatch(l -> l.startsWith("warning: could not check the Milvus Operator version")
                    && l.contains("v1.3.0 or later"));
        }
    }

    @Test
    void an_operator_older_than_1_3_0_is_refused() {
        try (ScenarioCluster c = new ScenarioCluster(SimulatorOptions.fast().withOperatorVersion("1.2.8"))) {
            c.seed("milvusdb/milvus:v2.5.8", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4"));
            String before = c.resourceVersion();

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(2);
            assertThat(c.result().message()).contains("Milvus Operator v1.2.8 has no 2.6 upgrade logic").contains("fix:");
            assertThat(c.resourceVersion()).isEqualTo(before);
        }
    }
}

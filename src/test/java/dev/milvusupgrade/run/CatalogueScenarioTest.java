package dev.milvusupgrade.run;

import static dev.milvusupgrade.run.ScenarioCluster.NS;
import static dev.milvusupgrade.run.ScenarioCluster.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.sim.SimulatorOptions;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Whole runs on today's catalogue: a recommended target, and a user-managed HPA on the querynode (FACTS §9.4). */
class CatalogueScenarioTest {

    @Test
    void recommended_resolves_to_the_newest_safe_release_and_the_result_records_it() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", RELEASE, "targetVersion", "recommended"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.6.25");
            RunRecord r = c.result();
            assertThat(r.phase()).isEqualTo(Phase.Succeeded);
            assertThat(r.targetVersion()).isEqualTo("v2.6.25");
            assertThat(r.stages()).extracting(RunRecord.StageRecord::name).containsExactly("2.6.25");
            // Pulsar (the seed's message queue) meets the exclusive WAL producer of 2.6.25: said, not refused (FACTS §9.9).
            assertThat(r.warnings()).anyMatch(w -> w.contains("milvus-io/milvus#53540"));
        }
    }

    @Test
    void a_user_hpa_on_the_querynode_upgrades_under_a_current_operator_and_keeps_the_hpa_count() {
        try (ScenarioCluster c = new ScenarioCluster(SimulatorOptions.fast())) {
            GenericKubernetesResource m = SimulatedCluster.milvusResource(NS, RELEASE, "milvusdb/milvus:v2.5.16", Layout.MIXCOORD, "kafka");
            components(m).put("queryNode", new LinkedHashMap<>(Map.of("replicas", -1)));
            SimulatedCluster.seedMilvus(c.client, m, Duration.ofSeconds(20));
            // The user's HPA scales the active querynode group to 3 (the operator started it at 1).
            c.client.apps().deployments().inNamespace(NS).withName(RELEASE + "-milvus-querynode-0").scale(3);
            c.intent(Map.of("milvus", RELEASE, "targetVersion", "v2.6.24"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(c.result().warnings()).anyMatch(w -> w.contains("milvus.io/querynode-current-group-id"));
            assertThat(c.milvus().getMetadata().getAnnotations()).containsEntry("milvus.io/querynode-current-group-id", "1");
            assertThat(c.client.apps().deployments().inNamespace(NS).withLabel(MilvusApi.LABEL_COMPONENT, "querynode").list().getItems())
                    .extracting(d -> d.getMetadata().getName() + " " + d.getSpec().getReplicas() + " "
                            + d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                    .containsExactlyInAnyOrder(RELEASE + "-milvus-querynode-1 3 milvusdb/milvus:v2.6.24",
                            RELEASE + "-milvus-querynode-0 0 milvusdb/milvus:v2.5.16");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> components(GenericKubernetesResource m) {
        return (Map<String, Object>) ((Map<String, Object>) m.getAdditionalProperties().get("spec")).get("components");
    }
}

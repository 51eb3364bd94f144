package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.testing.OperatorReference;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Milvus Operator's own sample CRs (its repository's config/samples, carried without their
 * comments as test resources in src/test/resources/milvus-operator/, see NOTICE.md there) as users
 * deploy them: created as they are, defaulted and brought up by the simulated operator, then upgraded
 * (or refused) by the tool.
 */
class OperatorSamplesTest {

    static GenericKubernetesResource sample(ScenarioCluster c, String file) {
        GenericKubernetesResource m = c.client.getKubernetesSerialization().unmarshal(OperatorReference.read(file),
                GenericKubernetesResource.class);
        m.getMetadata().setNamespace(ScenarioCluster.NS);
        return m;
    }

    static Stream<Arguments> samples() {
        return Stream.of(
                Arguments.of("sample_milvus_cluster_4coords.yaml", "v2.6.4", Phase.Succeeded, List.of("mixcoord-2.5.16", "2.6.4"),
                        "milvusdb/milvus:v2.6.4", "pulsar"),
                // The sample turns rolling update off: every component would take the 2.6 image at once (FACTS §8.6).
                Arguments.of("sample_beta_milvus_streaming_node.yaml", "v2.6.4", Phase.Rejected, List.of(), "milvusdb/milvus:v2.5.11",
                        "pulsar"),
                Arguments.of("sample_milvus_cluster_woodpecker.yaml", "v2.6.4", Phase.Succeeded, List.of("2.6.4"),
                        "milvusdb/milvus:v2.6.4", "woodpecker"),
                // No image in the sample: the operator (1.3.8) writes its default, v2.6.11.
                Arguments.of("sample_milvus_cluster_mixcoord.yaml", "v2.6.11", Phase.NoOp, List.of(), "milvusdb/milvus:v2.6.11", "pulsar"),
                Arguments.of("sample_milvus_cluster_default.yaml", "v2.6.4", Phase.Rejected, List.of(), "milvusdb/milvus:v2.6.11",
                    "pulsar"));
    }

    @ParameterizedTest(name = "{0} to {1}: {2}")
    @MethodSource("samples")
    @SuppressWarnings("unchecked")
    void upgrades_the_operators_samples(String file, String target, Phase phase, List<String> stages, String finalImage, String mq) {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            SimulatedCluster.seedMilvus(c.client, sample(c, file), Duration.ofSeconds(20));
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", target, "stageTimeout", "1m"));
            String before = c.resourceVersion();

            Runner.Report report = c.run();

            RunRecord r = c.result();
            assertThat(r.phase()).as(r.message()).isEqualTo(phase);
            assertThat(report.exitCode()).isEqualTo(phase.exitCode());
            assertThat(r.stages()).extracting(RunRecord.StageRecord::name).containsExactlyElementsOf(stages);
            assertThat(c.components().get("image")).isEqualTo(finalImage);
            Map<String, Object> spec = (Map<String, Object>) c.milvus().getAdditionalProperties().get("spec");
            assertThat((Map<String, Object>) spec.get("dependencies")).containsEntry("msgStreamType", mq);
            if (stages.isEmpty()) {
                assertThat(c.resourceVersion()).isEqualTo(before);
                assertThat(c.ourMilvusPatches()).isEmpty();
            } else {
                assertThat(c.components()).containsKey("mixCoord").doesNotContainKeys("rootCoord", "dataCoord", "queryCoord", "indexCoord",
                        "indexNode");
            }
        }
    }

    @Test
    void the_streaming_node_sample_upgrades_when_the_intent_accepts_an_unordered_rollout_and_the_record_says_so() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            SimulatedCluster.seedMilvus(c.client, sample(c, "sample_beta_milvus_streaming_node.yaml"), Duration.ofSeconds(20));
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m", "allowUnorderedRollout",
                    "true"));

            Runner.Report report = c.run();

            RunRecord r = c.result();
            assertThat(r.phase()).as(r.message()).isEqualTo(Phase.Succeeded);
            assertThat(report.exitCode()).isZero();
            assertThat(r.stages()).extracting(RunRecord.StageRecord::name).containsExactly("mixcoord-2.5.16", "2.6.4");
            assertThat(r.warnings()).anyMatch(w -> w.startsWith("allowUnorderedRollout: spec.components.enableRollingUpdate is false"));
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.6.4");
        }
    }

    @Test
    void the_standalone_sample_is_refused_untouched() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            GenericKubernetesResource m = sample(c, "sample_milvus_rolling_update.yaml");
            c.client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ScenarioCluster.NS).resource(m).create();
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4"));
            String before = c.resourceVersion();

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(2);
            assertThat(report.record().message()).contains("runs in standalone mode, which this tool does not upgrade").contains("fix:");
            assertThat(c.resourceVersion()).isEqualTo(before);
        }
    }
}

package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.JobPolicy;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Whoever edits the intent cannot make the Job write an image from a repository its settings do not allow. */
class JobPolicyScenarioTest {

    @Test
    void an_intent_naming_a_foreign_repository_is_rejected_with_nothing_changed() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.6.2", Layout.MIXCOORD);
            String rv = c.resourceVersion();
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "imageRepository", "evil.example.com/milvus"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(2);
            assertThat(report.record().phase()).isEqualTo(Phase.Rejected);
            assertThat(report.record().message()).contains("image repository evil.example.com/milvus, which this Job may not write")
                    .contains("MILVUS_UPGRADE_ALLOWED_REPOSITORIES");
            assertThat(c.resourceVersion()).isEqualTo(rv);
            assertThat(c.ourMilvusPatches()).isEmpty();
        }
    }

    @Test
    void a_repository_the_jobs_setting_allows_is_written() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.settings = c.settings.withPolicy(JobPolicy.parse("mirror.local/milvusdb/milvus"));
            c.seed("milvusdb/milvus:v2.6.2", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "imageRepository", "mirror.local/milvusdb/milvus",
                    "stageTimeout", "1m", "dataCheck", "off"));

            Runner.Report report = c.run();

            assertThat(report.record().phase()).as(String.join("\n", c.log)).isEqualTo(Phase.Succeeded);
            assertThat(c.components()).containsEntry("image", "mirror.local/milvusdb/milvus:v2.6.4");
        }
    }
}

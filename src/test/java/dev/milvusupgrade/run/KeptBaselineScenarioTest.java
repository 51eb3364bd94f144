package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.BaselineStore;
import dev.milvusupgrade.k8s.RunLock;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.testing.Await;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 item 6: the data check's full baseline (per-collection counts and sampled keys) survives the run that took
 * it, on the Lease or in the ConfigMap milvus-upgrade-baseline-<milvus>; a rerun compares with it collection by
 * collection, never with a fresh baseline; a lost baseline is "checkpoint lost".
 */
class KeptBaselineScenarioTest {

    private static final Map<String, String> INTENT = Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout",
            "1m");
    private static final String CONFIG_MAP = "milvus-upgrade-baseline-" + ScenarioCluster.RELEASE;

    /** As Argo CD's hook overlay does on a sync: the intent ConfigMap deleted and created again, without annotations. */
    private static void recreateIntent(ScenarioCluster c, Map<String, String> data) {
        c.client.configMaps().inNamespace(ScenarioCluster.NS).withName(ScenarioCluster.INTENT).delete();
        Await.until(Duration.ofSeconds(10), "the intent to be gone",
                () -> c.client.configMaps().inNamespace(ScenarioCluster.NS).withName(ScenarioCluster.INTENT).get() == null);
        c.intent(data);
    }

    /** The Lease's annotations; the mock server keeps a key a merge patch set to null with a null value, the API server removes it. */
    private static Map<String, String> leaseAnnotations(ScenarioCluster c) {
        return Optional.ofNullable(c.client.leases().inNamespace(ScenarioCluster.NS).withName(RunLock.leaseName(ScenarioCluster.RELEASE))
                .get()
                .getMetadata().getAnnotations()).orElse(Map.of());
    }

    private static ConfigMap baselineConfigMap(ScenarioCluster c) {
        return c.client.configMaps().inNamespace(ScenarioCluster.NS).withName(CONFIG_MAP).get();
    }

    /** The baseline always in the ConfigMap, as for a cluster with thousands of collections. */
    private static void alwaysConfigMap(ScenarioCluster c) {
        Runner.Settings s = c.settings;
        c.settings = s.withBaselineLeaseBudget(0);
    }

    @Test
    void one_collection_losing_rows_while_the_totals_grow_fails_the_rerun_naming_it() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(INTENT);
            c.killAt(Checkpoint.BETWEEN_STAGES, "mixcoord-2.5.16");
            assertThat(c.result().dataCheck().orElseThrow().kept()).startsWith("Lease milvus-upgrade-my-release sha256:");
            assertThat(leaseAnnotations(c).get(BaselineStore.ANNOTATION)).isNotBlank();
            recreateIntent(c, INTENT);
            // While nobody watched: books lost 500 rows on the query path; a new collection makes every total larger, so a
            // fresh baseline (or the recorded totals) would call this "nothing lost".
            c.data.loseQueryRows("default", "books", 500);
            c.data.addCollection("default", "newbooks", 5_000, true);

            Runner.Report rerun = c.run();

            assertThat(rerun.record().phase()).as(String.join("\n", c.log)).isEqualTo(Phase.Failed);
            assertThat(rerun.record().message()).contains("against the baseline taken before the first stage")
                    .contains("default.books: count(*) 12000 before, 11500 now");
            assertThat(c.components().get("image")).as("nothing of 2.6 started").isEqualTo("milvusdb/milvus:v2.5.16");
            assertThat(leaseAnnotations(c).get(BaselineStore.ANNOTATION)).as("kept on failure, for whoever investigates").isNotBlank();
            assertThat(c.run().record().phase()).as("and every rerun compares with it again").isEqualTo(Phase.Failed);
        }
    }

    @Test
    void a_sampled_key_lost_before_the_rerun_fails_it() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            alwaysConfigMap(c);
            c.intent(INTENT);
            c.killAt(Checkpoint.BETWEEN_STAGES, "mixcoord-2.5.16");
            assertThat(c.result().dataCheck().orElseThrow().kept()).startsWith("ConfigMap " + CONFIG_MAP + " sha256:");
            ConfigMap kept = baselineConfigMap(c);
            assertThat(kept.getBinaryData()).containsKey(BaselineStore.KEY);
            assertThat(kept.getMetadata().getLabels()).containsEntry(BaselineStore.LABEL, "milvus-upgrade");
            assertThat(leaseAnnotations(c).get(BaselineStore.ANNOTATION)).isNull();
            recreateIntent(c, INTENT);
            c.data.loseKey("analytics", "events", "k3");
            c.data.addCollection("default", "newbooks", 5_000, true);

            Runner.Report rerun = c.run();

            assertThat(rerun.record().phase()).as(String.join("\n", c.log)).isEqualTo(Phase.Failed);
            assertThat(rerun.record().message()).contains("analytics.events: 1 of 10 sampled primary keys no longer come back (k3)");
            assertThat(baselineConfigMap(c)).as("kept on failure").isNotNull();
        }
    }

    @Test
    void the_rerun_with_nothing_lost_compares_with_the_kept_baseline_and_success_removes_it() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            alwaysConfigMap(c);
            c.intent(INTENT);
            c.killAt(Checkpoint.BETWEEN_STAGES, "mixcoord-2.5.16");
            RunRecord first = c.result();
            recreateIntent(c, INTENT);

            Runner.Report rerun = c.run();

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(c.log).anyMatch(l -> l.contains("compared with the baseline kept since before the first stage (3 collection(s)"));
            assertThat(c.result().dataCheck().orElseThrow().kept()).isEqualTo(first.dataCheck().orElseThrow().kept());
            assertThat(baselineConfigMap(c)).as("removed with the canary on success").isNull();
            assertThat(leaseAnnotations(c).get(BaselineStore.ANNOTATION)).isNull();
        }
    }

    @Test
    void a_baseline_deleted_by_hand_is_checkpoint_lost_until_the_intent_accepts_the_cluster_as_it_is() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            alwaysConfigMap(c);
            c.intent(INTENT);
            c.killAt(Checkpoint.BETWEEN_STAGES, "mixcoord-2.5.16");
            c.client.configMaps().inNamespace(ScenarioCluster.NS).withName(CONFIG_MAP).delete();
            Await.until(Duration.ofSeconds(10), "the baseline to be gone", () -> baselineConfigMap(c) == null);
            String before = c.resourceVersion();
            int patches = c.ourMilvusPatches().size();

            Runner.Report refused = c.run();

            assertThat(refused.exitCode()).as(String.join("\n", c.log)).isEqualTo(2);
            assertThat(refused.record().message())
                    .startsWith("checkpoint lost: the data check's baseline of the upgrade of Milvus milvus/my-release"
                    + " is gone (ConfigMap milvus/" + CONFIG_MAP + " holds no baseline)").contains("acceptClusterAsIs: \"true\"");
            assertThat(c.resourceVersion()).isEqualTo(before);
            assertThat(c.ourMilvusPatches()).hasSize(patches);
            assertThat(c.run().exitCode()).as("refused again, never a fresh baseline silently").isEqualTo(2);

            Map<String, String> accept = new HashMap<>(INTENT);
            accept.put("acceptClusterAsIs", "true");
            recreateIntent(c, accept);
            Runner.Report accepted = c.run();

            assertThat(accepted.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(accepted.record().warnings()).anyMatch(w -> w.contains("baseline was lost") && w.contains("acceptClusterAsIs"));
            assertThat(baselineConfigMap(c)).isNull();
        }
    }

    @Test
    void a_baseline_replaced_by_another_is_checkpoint_lost() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(INTENT);
            c.killAt(Checkpoint.BETWEEN_STAGES, "mixcoord-2.5.16");
            String body = c.client.getKubernetesSerialization().asJson(Map.of("metadata", Map.of("annotations",
                    Map.of(BaselineStore.ANNOTATION, "TVVCAQ=="))));
            c.client.leases().inNamespace(ScenarioCluster.NS).withName(RunLock.leaseName(ScenarioCluster.RELEASE)).patch(
                    new io.fabric8.kubernetes.client.dsl.base.PatchContext.Builder().withPatchType(
                            io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE).build(), body);
            String before = c.resourceVersion();

            Runner.Report refused = c.run();

            assertThat(refused.exitCode()).as(String.join("\n", c.log)).isEqualTo(2);
            assertThat(refused.record().message()).startsWith("checkpoint lost: the data check's baseline")
                    .contains("is not the one the record names");
            assertThat(c.resourceVersion()).isEqualTo(before);
        }
    }
}

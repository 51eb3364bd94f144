package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.FleetStore;
import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.k8s.RecordCodec;
import dev.milvusupgrade.k8s.RunLock;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.testing.Await;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 21: the upgrade's record lives on the tool's own Lease, the intent's annotation is a copy. A GitOps sync that
 * recreates the intent ConfigMap (Argo CD's BeforeHookCreation) loses nothing; a lost or unreadable checkpoint is a
 * refusal that changes nothing, never a silent restart with a fresh baseline.
 */
class DurableCheckpointTest {

    private static final Map<String, String> INTENT = Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout",
            "1m");

    private static Lease lease(ScenarioCluster c) {
        return c.client.leases().inNamespace(ScenarioCluster.NS).withName(RunLock.leaseName(ScenarioCluster.RELEASE)).get();
    }

    private static Map<String, String> leaseAnnotations(ScenarioCluster c) {
        return Optional.ofNullable(lease(c).getMetadata().getAnnotations()).orElse(Map.of());
    }

    /** As Argo CD's hook overlay does on a sync: the intent ConfigMap deleted and created again, without annotations. */
    private static void recreateIntent(ScenarioCluster c, Map<String, String> data) {
        c.client.configMaps().inNamespace(ScenarioCluster.NS).withName(ScenarioCluster.INTENT).delete();
        Await.until(Duration.ofSeconds(10), "the intent to be gone",
                () -> c.client.configMaps().inNamespace(ScenarioCluster.NS).withName(ScenarioCluster.INTENT).get() == null);
        c.intent(data);
    }

    private static void annotateLease(ScenarioCluster c, String key, String value) {
        String body = c.client.getKubernetesSerialization().asJson(Map.of("metadata", Map.of("annotations", Map.of(key, value))));
        c.client.leases().inNamespace(ScenarioCluster.NS).withName(RunLock.leaseName(ScenarioCluster.RELEASE))
                .patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).build(), body);
    }

    @Test
    void the_record_is_kept_on_the_lease_and_the_intent_holds_a_copy() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(INTENT);

            assertThat(c.run().exitCode()).isZero();

            Map<String, String> onLease = leaseAnnotations(c);
            assertThat(onLease).containsEntry(FleetStore.ANNOTATION_INTENT, ScenarioCluster.NS + "/" + ScenarioCluster.INTENT)
                    .containsEntry(MilvusApi.ANNOTATION_PHASE, "Succeeded");
            assertThat(onLease.get(MilvusApi.ANNOTATION_RESULT)).isEqualTo(c.annotations().get(MilvusApi.ANNOTATION_RESULT));
            assertThat(lease(c).getSpec().getHolderIdentity()).as("released").isNull();
        }
    }

    @Test
    void the_intent_recreated_mid_upgrade_the_rerun_resumes_from_the_lease_with_the_first_baseline() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(INTENT);
            c.killAt(Checkpoint.BETWEEN_STAGES, "mixcoord-2.5.16");
            RunRecord first = c.result();
            assertThat(first.dataCheck()).isPresent();

            recreateIntent(c, INTENT);
            assertThat(c.annotations()).doesNotContainKey(MilvusApi.ANNOTATION_RESULT);
            // What went missing while nobody watched: a fresh baseline would call the cluster as it is now "nothing lost".
            c.data.loseCollection("default", "archive");

            Runner.Report rerun = c.run();

            assertThat(rerun.record().phase()).as(String.join("\n", c.log)).isEqualTo(Phase.Failed);
            assertThat(rerun.record().message()).contains("against the baseline taken before the first stage")
                    .contains("default.archive: collection missing (50000 rows before)");
            RunRecord r = c.result();
            assertThat(r.startedAt()).isEqualTo(first.startedAt());
            assertThat(r.dataCheck().orElseThrow().baseline()).isEqualTo(first.dataCheck().get().baseline());
            assertThat(r.stage("mixcoord-2.5.16").orElseThrow().phase()).isEqualTo(RunRecord.StagePhase.Succeeded);
            assertThat(c.components().get("image")).as("nothing of 2.6 started").isEqualTo("milvusdb/milvus:v2.5.16");
        }
    }

    @Test
    void the_intent_recreated_mid_upgrade_with_nothing_lost_the_rerun_finishes_the_same_upgrade() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(INTENT);
            c.killAt(Checkpoint.BETWEEN_STAGES, "mixcoord-2.5.16");
            RunRecord first = c.result();
            recreateIntent(c, INTENT);

            Runner.Report rerun = c.run();

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            RunRecord r = c.result();
            assertThat(r.startedAt()).isEqualTo(first.startedAt());
            assertThat(r.fromVersion()).isEqualTo("v2.5.4");
            assertThat(r.dataCheck().orElseThrow().baseline()).isEqualTo(first.dataCheck().get().baseline());
            assertThat(c.ourMilvusPatches().stream().filter(p -> p.body().contains("v2.5.16")).count()).isEqualTo(1);
        }
    }

    @Test
    void an_unreadable_record_is_refused_with_milvus_unchanged_until_the_intent_accepts_the_cluster_as_it_is() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(INTENT);
            c.killAt(Checkpoint.BETWEEN_STAGES, "mixcoord-2.5.16");
            annotateLease(c, MilvusApi.ANNOTATION_RESULT, "{\"recordVersion\":7,\"phase\":\"Running\"}");
            String before = c.resourceVersion();
            int patches = c.ourMilvusPatches().size();

            Runner.Report refused = c.run();

            assertThat(refused.exitCode()).as(String.join("\n", c.log)).isEqualTo(2);
            assertThat(refused.record().message()).contains("cannot be read (recordVersion '7'").contains("acceptClusterAsIs");
            assertThat(c.resourceVersion()).isEqualTo(before);
            assertThat(c.ourMilvusPatches()).hasSize(patches);
            assertThat(leaseAnnotations(c).get(MilvusApi.ANNOTATION_RESULT)).as("kept for a person to see")
                    .isEqualTo("{\"recordVersion\":7,\"phase\":\"Running\"}");
            assertThat(c.annotations()).containsEntry(MilvusApi.ANNOTATION_PHASE, "Rejected");
            assertThat(c.run().exitCode()).as("refused again, never a silent restart").isEqualTo(2);

            Map<String, String> accept = new HashMap<>(INTENT);
            accept.put("acceptClusterAsIs", "true");
            recreateIntent(c, accept);
            Runner.Report accepted = c.run();

            assertThat(accepted.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(accepted.record().warnings()).anyMatch(w -> w.contains("could not be read") && w.contains("acceptClusterAsIs"));
            assertThat(new RecordCodec(c.client.getKubernetesSerialization()).read(leaseAnnotations(c).get(MilvusApi.ANNOTATION_RESULT))
                    .record())
                    .map(RunRecord::phase).contains(Phase.Succeeded);
        }
    }

    @Test
    void bad_json_on_the_lease_is_refused_too() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(INTENT);
            c.killAt(Checkpoint.BETWEEN_STAGES, "mixcoord-2.5.16");
            annotateLease(c, MilvusApi.ANNOTATION_RESULT, "{\"phase\":\"Running\",\"stages\":[");
            String before = c.resourceVersion();

            Runner.Report refused = c.run();

            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.record().message()).contains("cannot be read (not a JSON object");
            assertThat(c.resourceVersion()).isEqualTo(before);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void a_stage_in_the_spec_with_no_checkpoint_is_refused_as_checkpoint_lost() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            // A run patched the 2.6 image, then its Lease and its intent were both deleted; the operator has not rolled yet.
            c.operator.close();
            c.client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ScenarioCluster.NS).withName(ScenarioCluster.RELEASE)
                    .edit(m -> {
                        ((Map<String, Object>) ((Map<String, Object>) m.getAdditionalProperties().get("spec")).get("components"))
                                .put("image", "milvusdb/milvus:v2.6.4");
                        return m;
                    });
            c.intent(INTENT);
            String before = c.resourceVersion();

            Runner.Report refused = c.run();

            assertThat(refused.exitCode()).as(String.join("\n", c.log)).isEqualTo(2);
            assertThat(refused.record().message())
                    .startsWith("checkpoint lost: the spec of Milvus milvus/my-release already shows stage 2.6.4")
                    .contains("Lease milvus/milvus-upgrade-my-release").contains("acceptClusterAsIs: \"true\"");
            assertThat(c.resourceVersion()).isEqualTo(before);
            assertThat(c.ourMilvusPatches()).isEmpty();
        }
    }
}

package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.RunRecord.StagePhase;
import dev.milvusupgrade.run.FaultInjectingDispatcher.Fault;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.ZonedDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Whatever goes wrong after the start, the record says what happened and the next run knows where it is. */
class StopsCleanlyTest {



    @SuppressWarnings("unchecked")
    private static void setImage(ScenarioCluster c, String image) {
        c.client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ScenarioCluster.NS).withName(ScenarioCluster.RELEASE).edit(m -> {
            ((Map<String, Object>) ((Map<String, Object>) m.getAdditionalProperties().get("spec")).get("components")).put("image", image);
            return m;
        });
    }


    @Test
    void a_paused_intent_is_honoured_before_anything_is_read_even_on_an_unhealthy_cluster() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.8", Layout.FOUR_COORDS);
            c.makeUnhealthy();
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "paused", "true"));
            String before = c.resourceVersion();

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isZero();
            assertThat(c.result().phase()).isEqualTo(Phase.Paused);
            assertThat(c.result().message()).contains("paused by the intent").contains("set paused to \"false\"");
            assertThat(c.resourceVersion()).isEqualTo(before);
            assertThat(c.toolRequests()).noneMatch(r -> r.path().contains("/milvuses/"));
        }
    }

    @Test
    void an_intent_made_invalid_during_the_run_stops_before_the_next_stage() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));

            Runner.Report report = c.runner((checkpoint, stage) -> {
                if (checkpoint == Checkpoint.BETWEEN_STAGES) {
                    c.editIntent("pause", "true"); // meant `paused`
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).isEqualTo(1); // not 2: the first stage had changed the cluster
            RunRecord r = c.result();
            assertThat(r.phase()).isEqualTo(Phase.Failed);
            assertThat(r.message()).contains("stage 2.6.4 was not started").contains("unknown intent key 'pause' (did you mean 'paused'?)");
            assertThat(r.stage("mixcoord-2.5.16").orElseThrow().phase()).isEqualTo(StagePhase.Succeeded);
            assertThat(c.ourMilvusPatches()).hasSize(1);
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.5.16");

            // Run again with the typo still there: refused before any change, and the record keeps what was done.
            assertThat(c.run().exitCode()).isEqualTo(2);
            assertThat(c.result().phase()).isEqualTo(Phase.Rejected);
            assertThat(c.result().stage("mixcoord-2.5.16").orElseThrow().phase()).isEqualTo(StagePhase.Succeeded);
            assertThat(c.result().fromVersion()).isEqualTo("v2.5.4");

            // Fixed, the next run resumes the same upgrade: its record still starts at 2.5.4 with both stages.
            c.client.configMaps().inNamespace(ScenarioCluster.NS).withName(ScenarioCluster.INTENT).edit(cm -> {
                cm.getData().remove("pause");
                return cm;
            });
            assertThat(c.run().exitCode()).isZero();
            RunRecord resumed = c.result();
            assertThat(resumed.fromVersion()).isEqualTo("v2.5.4");
            assertThat(resumed.startedAt()).isEqualTo(r.startedAt());
            assertThat(resumed.stages()).extracting(RunRecord.StageRecord::name).containsExactly("mixcoord-2.5.16", "2.6.4");
            assertThat(c.ourMilvusPatches()).hasSize(2);
        }
    }

    @Test
    void a_spec_changed_between_stages_is_not_built_on() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));

            Runner.Report report = c.runner((checkpoint, stage) -> {
                if (checkpoint == Checkpoint.BETWEEN_STAGES) {
                    setImage(c, "milvusdb/milvus:v2.5.10"); // someone else's change
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).isEqualTo(1);
            assertThat(c.result().message()).contains("changed before stage 2.6.4")
                    .contains("spec.components.image is milvusdb/milvus:v2.5.10").contains("fix:");
            assertThat(c.ourMilvusPatches()).hasSize(1);
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.5.10");
        }
    }

    @Test
    void a_patch_the_api_server_refuses_fails_the_stage_and_keeps_the_record() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4"));
            String before = c.resourceVersion();
            c.faults().inject(new Fault("admission webhook says no",
                    r -> "PATCH".equals(r.getMethod()) && r.getPath().contains("/milvuses/")
                    && ScenarioCluster.TOOL_AGENT.equals(r.getHeader("User-Agent")), 1,
                    () -> FaultInjectingDispatcher.status(422, "Invalid", "admission webhook denied the request: image not allowed")));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(1);
            RunRecord r = c.result();
            assertThat(r.phase()).isEqualTo(Phase.Failed);
            assertThat(r.message()).contains("stage 2.6.4: the API server refused a request (422 admission webhook denied the request")
                    .contains("fix:");
            assertThat(r.stages()).singleElement().satisfies(s -> assertThat(s.phase()).isEqualTo(StagePhase.Failed));
            assertThat(c.resourceVersion()).isEqualTo(before);
        }
    }

    @Test
    void a_milvus_namespace_that_does_not_exist_is_a_rejection() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "milvusNamespace", "typo"));
            // The CRUD mock server has no namespaces; a real API server answers a Lease create in a missing one with 404.
            c.faults().inject(new Fault("no such namespace",
                    r -> "POST".equals(r.getMethod()) && r.getPath().contains("/namespaces/typo/leases"),
                    1, () -> FaultInjectingDispatcher.status(404, "NotFound", "namespaces \"typo\" not found")));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(2);
            assertThat(c.result().message()).isEqualTo("namespace typo does not exist, so Milvus typo/my-release cannot either;"
                    + " fix: check the intent keys milvus and milvusNamespace ('kubectl get milvus -A')");
        }
    }

    @Test
    void a_dry_run_is_not_a_checkpoint_the_real_run_resumes_from() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "dryRun", "true"));
            assertThat(c.run().record().phase()).isEqualTo(Phase.Planned);
            RunRecord planned = c.result();

            c.editIntent("dryRun", "false");
            Runner.Report report = c.run();

            assertThat(report.record().phase()).isEqualTo(Phase.Succeeded);
            assertThat(c.result().startedAt()).isAfterOrEqualTo(planned.finishedAt().orElseThrow()).isNotEqualTo(planned.startedAt());
            assertThat(c.result().runId()).isNotEqualTo(planned.runId());
        }
    }

    @Test
    void an_invalid_intent_does_not_overwrite_the_checkpoint_of_a_run_that_holds_the_lease() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stagetimeout", "1h"));
            c.client.leases().inNamespace(ScenarioCluster.NS).resource(new LeaseBuilder().withNewMetadata()
                    .withName("milvus-upgrade-" + ScenarioCluster.RELEASE).withNamespace(ScenarioCluster.NS).endMetadata().withNewSpec()
                    .withHolderIdentity("other-pod/abcd").withLeaseDurationSeconds(300).withRenewTime(ZonedDateTime.now()).endSpec()
                    .build())
                    .create();

            assertThatThrownBy(c::run).isInstanceOf(RetryLater.class).hasMessageContaining("another run (other-pod/abcd) holds Lease");
            assertThat(c.annotations()).doesNotContainKey(MilvusApi.ANNOTATION_RESULT);
        }
    }
}

package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.EventRecorder;
import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.Resume;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.sim.SimulatorOptions;
import dev.milvusupgrade.testing.Await;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Windows, pauses, drift, the issue-446 deadlock, and what a person sees in Events. */
class OperationsTest {


    private static List<Event> events(ScenarioCluster c, String kind) {
        return c.client.v1().events().inNamespace(ScenarioCluster.NS).list().getItems().stream()
                .filter(e -> kind.equals(e.getInvolvedObject().getKind())).toList();
    }


    @Test
    void a_stage_that_could_outlast_the_window_is_deferred_and_the_next_window_continues() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "30m",
                    "notAfter", Instant.now().plus(Duration.ofMinutes(10)).toString()));
            String before = c.resourceVersion();

            Runner.Report deferred = c.run();

            assertThat(deferred.exitCode()).isZero();
            assertThat(deferred.record().phase()).isEqualTo(Phase.Deferred);
            assertThat(deferred.record().message()).contains("stage mixcoord-2.5.16 deferred: it may take up to 30m");
            assertThat(c.resourceVersion()).isEqualTo(before);
            assertThat(events(c, "Milvus")).anySatisfy(e -> assertThat(e.getReason()).isEqualTo(EventRecorder.UPGRADE_DEFERRED));

            c.editIntent("notAfter", Instant.now().plus(Duration.ofHours(2)).toString());
            Runner.Report next = c.run();

            assertThat(next.record().phase()).isEqualTo(Phase.Succeeded);
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.6.4");
        }
    }

    @Test
    void pausing_the_intent_mid_run_stops_before_the_next_stage_and_a_rerun_finishes() throws Exception {
        try (ScenarioCluster c = new ScenarioCluster(SimulatorOptions.fast().withStepDelay(Duration.ofMillis(300)))) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));
            CompletableFuture<Runner.Report> run = CompletableFuture.supplyAsync(c::run);
            Await.until(Duration.ofSeconds(20), "the first stage to start",
                    () -> "Running".equals(c.annotations().get(MilvusApi.ANNOTATION_PHASE)));
            c.editIntent("paused", "true");

            Runner.Report paused = run.get(60, TimeUnit.SECONDS);

            assertThat(paused.exitCode()).isZero();
            assertThat(paused.record().phase()).isEqualTo(Phase.Paused);
            assertThat(paused.record().message()).contains("before stage 2.6.4");
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.5.16");
            assertThat(c.result().stage("mixcoord-2.5.16").orElseThrow().phase()).isEqualTo(RunRecord.StagePhase.Succeeded);

            c.editIntent("paused", "false");
            Runner.Report resumed = c.run();

            assertThat(resumed.record().phase()).isEqualTo(Phase.Succeeded);
            assertThat(c.result().stages()).extracting(RunRecord.StageRecord::name).containsExactly("mixcoord-2.5.16", "2.6.4");
            assertThat(c.ourMilvusPatches()).hasSize(2);
        }
    }

    @Test
    void an_image_reverted_by_a_gitops_controller_during_the_wait_fails_naming_it() throws Exception {
        try (ScenarioCluster c = new ScenarioCluster(SimulatorOptions.fast().withStepDelay(Duration.ofMillis(400)))) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));
            CompletableFuture<Runner.Report> run = CompletableFuture.supplyAsync(c::run);
            Await.until(Duration.ofSeconds(20), "our patch", () -> !c.ourMilvusPatches().isEmpty());

            // The simulated operator writes the resource too: a conflict means read again and revert again, as a controller does.
            for (int attempt = 1; ; attempt++) {
                try {
                    c.client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ScenarioCluster.NS)
                            .withName(ScenarioCluster.RELEASE).edit(m -> {
                                revert(m);
                                return m;
                            });
                    break;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409 || attempt == 20) {
                        throw e;
                    }
                }
            }

            Runner.Report report = run.get(60, TimeUnit.SECONDS);
            assertThat(report.exitCode()).isEqualTo(1);
            assertThat(report.record().message()).contains("spec.components.image changed to milvusdb/milvus:v2.5.16")
                    .contains("by argocd-application-controller").contains("fix:");
            assertThat(events(c, "ConfigMap")).anySatisfy(e -> {
                assertThat(e.getReason()).isEqualTo(EventRecorder.UPGRADE_FAILED);
                assertThat(e.getType()).isEqualTo("Warning");
            });
        }
    }

    @SuppressWarnings("unchecked")
    private static void revert(GenericKubernetesResource m) {
        ((Map<String, Object>) ((Map<String, Object>) m.getAdditionalProperties().get("spec")).get("components"))
                .put("image", "milvusdb/milvus:v2.5.16");
        FieldsV1 fields = new FieldsV1();
        fields.setAdditionalProperty("f:spec", Map.of("f:components", Map.of("f:image", Map.of())));
        m.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("argocd-application-controller")
                .withOperation("Update").withTime(Instant.now().toString()).withFieldsType("FieldsV1").withFieldsV1(fields).build()));
    }

    @Test
    void the_issue_446_deadlock_fails_the_run_with_the_remedy() {
        try (ScenarioCluster c = new ScenarioCluster(SimulatorOptions.fast().withDeadlock446())) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));
            Instant start = Instant.now();

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(1);
            assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(30));
            assertThat(report.record().message()).contains("deadlocked as in milvus-operator issue 446")
                    .contains("streamingnode on milvusdb/milvus:v2.6.4").contains("mixcoord is still on milvusdb/milvus:v2.5.16")
                    .contains("fix: stop writes to Milvus, set spec.components.imageUpdateMode to all").contains("bad resolver state")
                    .contains("milvus#42492");

            // The remedy, applied by a person; the rerun then only waits for the stage it had started.
            c.client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ScenarioCluster.NS).withName(ScenarioCluster.RELEASE)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"components\":{\"imageUpdateMode\":\"all\"}}}");
            // Without the intent's consent to an unordered rollout the rerun refuses and patches nothing (the operator,
            // now rolling every component at once, keeps writing the resource meanwhile).
            assertThat(c.run().exitCode()).isEqualTo(2);
            assertThat(c.ourMilvusPatches()).hasSize(1);
            c.editIntent("allowUnorderedRollout", "true");
            Runner.Report rerun = c.run();

            assertThat(rerun.record().phase()).as(String.join("\n", c.log)).isEqualTo(Phase.Succeeded);
            assertThat(rerun.record().warnings()).anyMatch(w -> w.contains("imageUpdateMode is all"));
            assertThat(c.ourMilvusPatches()).hasSize(1);
        }
    }

    @Test
    void success_and_rejection_are_visible_as_events_on_the_milvus_and_the_intent() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4"));
            assertThat(c.run().exitCode()).isZero();

            assertThat(events(c, "Milvus")).extracting(Event::getReason)
                    .contains(EventRecorder.STAGE_STARTED, EventRecorder.STAGE_SUCCEEDED,
                    EventRecorder.UPGRADE_SUCCEEDED);
            assertThat(events(c, "ConfigMap")).filteredOn(e -> e.getReason().equals(EventRecorder.UPGRADE_SUCCEEDED)).singleElement()
                    .satisfies(e -> {
                        assertThat(e.getType()).isEqualTo("Normal");
                        assertThat(e.getMessage()).isEqualTo("Milvus milvus/my-release upgraded from v2.5.16 to v2.6.4 in 1 stage(s);"
                                + " message queue pulsar unchanged; data check: nothing lost in 3 collection(s); "
                                + Resume.CHECK_WRITES);
                        assertThat(e.getInvolvedObject().getName()).isEqualTo(ScenarioCluster.INTENT);
                        assertThat(e.getSource().getComponent()).isEqualTo("milvus-upgrade");
                    });

            c.editIntent("targetVersion", "v2.6.2");
            assertThat(c.run().exitCode()).isEqualTo(2);
            assertThat(events(c, "Milvus")).filteredOn(e -> e.getReason().equals(EventRecorder.UPGRADE_REJECTED)).singleElement()
                    .satisfies(e -> {
                        assertThat(e.getType()).isEqualTo("Warning");
                        assertThat(e.getMessage()).contains("downgrades are not supported").contains("fix:");
                    });
        }
    }
}

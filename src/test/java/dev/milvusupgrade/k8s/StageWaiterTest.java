package dev.milvusupgrade.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.ClusterSnapshot;
import dev.milvusupgrade.plan.ImageRef;
import dev.milvusupgrade.plan.Stage;
import dev.milvusupgrade.plan.Version;
import dev.milvusupgrade.run.FaultInjectingDispatcher;
import dev.milvusupgrade.sim.EmbeddedApiServer;
import dev.milvusupgrade.testing.Await;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.MockResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The wait on its own, driven by hand-written operator status on the mock API server. */
class StageWaiterTest {

    private static final String OLD = "milvusdb/milvus:v2.5.16";
    private static final String NEW = "milvusdb/milvus:v2.6.4";
    private static final Stage STAGE = new Stage.ImageStage(ImageRef.parse(NEW).orElseThrow(), Version.parse("v2.6.4").orElseThrow());

    private FaultInjectingDispatcher faults;
    private final EmbeddedApiServer api = new EmbeddedApiServer(d -> faults = new FaultInjectingDispatcher(d));
    private final KubernetesClient client = api.client();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        api.close();
    }

    private static Map<String, Object> component(String image, boolean complete) {
        return Map.of("generation", 1, "image", image, "status",
                Map.of("observedGeneration", 1, "replicas", 1, "readyReplicas", complete ? 1 : 0,
                "conditions", List.of(Map.of("type", "Progressing", "status", "True", "reason", complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated"))));
    }

    private static Map<String, Object> status(long observedGeneration, String currentImage, Map<String, Object> components) {
        boolean updated = components.values().stream().allMatch(c -> NEW.equals(((Map<?, ?>) c).get("image")));
        return new LinkedHashMap<>(Map.of("status", "Healthy", "observedGeneration", observedGeneration, "currentImage", currentImage,
                "conditions", List.of(
                        Map.of("type", "EtcdReady", "status", "True", "reason", "EtcdReady"),
                        Map.of("type", "StorageReady", "status", "True", "reason", "StorageReady"),
                        Map.of("type", "MsgStreamReady", "status", "True", "reason", "MsgStreamReady"),
                        Map.of("type", "MilvusReady", "status", "True", "reason", "ReasonMilvusHealthy"),
                        Map.of("type", "MilvusUpdated", "status", updated ? "True" : "False", "reason",
                            updated ? "MilvusComponentsUpdated" : "MilvusUpgradingImage")),
                "componentsDeployStatus", components));
    }

    private static Map<String, Object> all(String image) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String c : List.of("mixcoord", "datanode", "streamingnode", "querynode", "proxy")) {
            m.put(c, component(image, true));
        }
        return m;
    }

    private GenericKubernetesResource create(Map<String, Object> status) {
        GenericKubernetesResource m = new GenericKubernetesResource();
        m.setApiVersion(MilvusApi.API_VERSION);
        m.setKind(MilvusApi.KIND);
        m.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("my-release").withNamespace("ns").withGeneration(3L)
                .build());
        m.setAdditionalProperty("spec", Map.of("mode", "cluster", "components", Map.of("image", NEW, "mixCoord", Map.of("replicas", 1))));
        GenericKubernetesResource created = client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace("ns").resource(m).create();
        created.setAdditionalProperty("status", status);
        return client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace("ns").resource(created).updateStatus();
    }

    private void setStatus(Map<String, Object> status) {
        GenericKubernetesResource m = client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace("ns").withName("my-release").get();
        m.setAdditionalProperty("status", status);
        client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace("ns").resource(m).updateStatus();
    }

    private ClusterSnapshot snapshot() {
        return new ClusterGateway(client).read("ns", "my-release").orElseThrow();
    }

    private StageWaiter settling(Duration settle) {
        return new StageWaiter(client, Clock.systemUTC(), Duration.ofMinutes(5), Duration.ofSeconds(10), settle, log::add);
    }

    private StageWaiter waiter(Duration deadlockGrace) {
        return new StageWaiter(client, Clock.systemUTC(), deadlockGrace, Duration.ofSeconds(10), Duration.ZERO, log::add);
    }

    private long generation() {
        return client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace("ns").withName("my-release").get().getMetadata()
                .getGeneration();
    }

    @Test
    void a_stale_updated_condition_of_an_older_generation_is_not_completion() throws Exception {
        create(status(0, NEW, all(NEW)));
        long generation = generation();
        setStatus(status(generation - 1, NEW, all(NEW)));

        CompletableFuture<StageWaiter.Outcome> wait = CompletableFuture.supplyAsync(() -> waiter(Duration.ofMinutes(5))
                .await(snapshot(), STAGE, Duration.ofSeconds(30)));
        Await.until(Duration.ofSeconds(10), "the waiter to report the generation gap",
                () -> log.stream().anyMatch(l -> l.contains("operator: has not seen the change yet")));
        assertThat(wait).isNotDone();

        setStatus(status(generation, NEW, all(NEW)));

        assertThat(wait.get(10, TimeUnit.SECONDS)).isInstanceOf(StageWaiter.Outcome.Completed.class);
    }

    @Test
    void while_nothing_changes_it_logs_one_progress_line_per_interval_and_nothing_more() {
        Map<String, Object> comps = all(NEW);
        comps.put("proxy", component(OLD, true));
        create(status(0, OLD, comps));
        setStatus(status(generation(), OLD, comps));
        StageWaiter waiter = new StageWaiter(client, Clock.systemUTC(), Duration.ofMinutes(5), Duration.ofMillis(300), Duration.ZERO,
                log::add);

        long started = System.nanoTime();
        StageWaiter.Outcome outcome = waiter.await(snapshot(), STAGE, Duration.ofMillis(1050));
        double intervals = (System.nanoTime() - started) / 300e6;

        assertThat(outcome).isInstanceOf(StageWaiter.Outcome.TimedOut.class);
        // Nothing changed with a 300 ms interval: the first line, then at most one per interval, all alike.
        assertThat(log).allMatch(l -> l.equals(log.get(0))).hasSizeGreaterThanOrEqualTo(2)
                .hasSizeLessThanOrEqualTo((int) intervals + 2);
        assertThat(log.get(0)).isEqualTo("stage 2.6.4: 4/5 components on v2.6.4 and ready; waiting for proxy (old image);"
                + " operator: MilvusUpdated False/MilvusUpgradingImage").hasSizeLessThan(200);
    }

    @Test
    void a_timeout_names_the_components_behind_and_their_images() {
        Map<String, Object> comps = all(NEW);
        comps.put("proxy", component(OLD, true));
        comps.put("querynode", component(NEW, false));
        create(status(0, OLD, comps));
        setStatus(status(generation(), OLD, comps));

        StageWaiter.Outcome outcome = waiter(Duration.ofMinutes(5)).await(snapshot(), STAGE, Duration.ofSeconds(1));

        assertThat(outcome).isInstanceOf(StageWaiter.Outcome.TimedOut.class);
        assertThat(((StageWaiter.Outcome.TimedOut) outcome).message()).contains("did not complete within 1s")
                .contains("proxy on " + OLD).contains("querynode progressing (0/1 ready)").contains("currentImage " + OLD).contains("fix:");
    }

    @Test
    void an_image_written_by_someone_else_stops_the_wait_naming_the_field_manager() throws Exception {
        create(status(0, OLD, all(OLD)));
        setStatus(status(generation(), OLD, all(OLD)));
        ClusterSnapshot start = snapshot();
        CompletableFuture<StageWaiter.Outcome> wait = CompletableFuture.supplyAsync(() -> waiter(Duration.ofMinutes(5))
                .await(start, STAGE, Duration.ofSeconds(30)));
        Await.until(Duration.ofSeconds(10), "the waiter to start", () -> !log.isEmpty());

        GenericKubernetesResource m = client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace("ns").withName("my-release").get();
        m.setAdditionalProperty("spec", Map.of("mode", "cluster", "components", Map.of("image", OLD, "mixCoord", Map.of("replicas", 1))));
        FieldsV1 fields = new FieldsV1();
        fields.setAdditionalProperty("f:spec", Map.of("f:components", Map.of("f:image", Map.of())));
        m.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("argocd-controller").withOperation("Update")
                .withTime("2026-11-24T23:00:00Z").withFieldsType("FieldsV1").withFieldsV1(fields).build()));
        client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace("ns").resource(m).update();

        StageWaiter.Outcome outcome = wait.get(10, TimeUnit.SECONDS);
        assertThat(outcome).isInstanceOf(StageWaiter.Outcome.Drifted.class);
        assertThat(((StageWaiter.Outcome.Drifted) outcome).message()).contains("changed to " + OLD).contains("argocd-controller");
    }

    @Test
    void the_issue_446_deadlock_is_reported_with_its_remedy_once_it_persists() {
        Map<String, Object> comps = all(OLD);
        comps.put("streamingnode", component(NEW, false));
        create(status(0, OLD, comps));
        setStatus(status(generation(), OLD, comps));

        StageWaiter.Outcome outcome = waiter(Duration.ofMillis(500)).await(snapshot(), STAGE, Duration.ofSeconds(30));

        assertThat(outcome).isInstanceOf(StageWaiter.Outcome.Deadlocked.class);
        assertThat(((StageWaiter.Outcome.Deadlocked) outcome).message()).contains("milvus-operator issue 446")
                .contains("streamingnode on " + NEW).contains("mixcoord is still on " + OLD)
                .contains("fix: stop writes to Milvus, set spec.components.imageUpdateMode to all").contains("bad resolver state")
                .contains("milvus#42492").contains("rerun to wait for " + NEW);
    }

    @Test
    void an_informers_first_list_that_still_shows_the_old_image_is_not_drift() throws Exception {
        create(status(0, NEW, all(NEW)));
        setStatus(status(generation(), NEW, all(NEW)));
        GenericKubernetesResource stale = client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace("ns").withName("my-release")
                .get();
        stale.setAdditionalProperty("spec",
                Map.of("mode", "cluster", "components", Map.of("image", OLD, "mixCoord", Map.of("replicas", 1))));
        String list = client.getKubernetesSerialization().asJson(Map.of("apiVersion", MilvusApi.API_VERSION, "kind", "MilvusList",
                "metadata", Map.of("resourceVersion", stale.getMetadata().getResourceVersion()), "items", List.of(stale)));
        // A watch cache that has not seen the patch yet answers the informer's first (resourceVersion=0) list (FACTS §8.9).
        faults.inject(new FaultInjectingDispatcher.Fault("stale first list", r -> "GET".equals(r.getMethod())
                && r.getPath().contains("/milvuses") && !r.getPath().contains("watch=true") && r.getPath().contains("resourceVersion=0"), 1,
                () -> new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(list)));
        // and the watch that follows has nothing newer to say (the mock server would otherwise replay the current object).
        faults.inject(new FaultInjectingDispatcher.Fault("quiet watch", FaultInjectingDispatcher.watchOf("/milvuses"), 1,
                FaultInjectingDispatcher::silentWatch));

        StageWaiter.Outcome outcome = waiter(Duration.ofMinutes(5)).await(snapshot(), STAGE, Duration.ofSeconds(10));

        assertThat(faults.fired("stale first list")).isEqualTo(1);
        assertThat(outcome).isInstanceOf(StageWaiter.Outcome.Completed.class);
    }

    @Test
    void a_complete_stage_must_stay_complete_for_the_settle_period() throws Exception {
        create(status(0, NEW, all(NEW)));
        long generation = generation();
        setStatus(status(generation, NEW, all(NEW)));

        CompletableFuture<StageWaiter.Outcome> wait = CompletableFuture.supplyAsync(() -> settling(Duration.ofSeconds(2))
                .await(snapshot(), STAGE, Duration.ofSeconds(30)));
        Await.until(Duration.ofSeconds(10), "the waiter to see the stage complete",
                () -> log.stream().anyMatch(l -> l.contains("confirming again in 2s")));
        // The operator's next status write takes it back: a component is behind again (a pod replaced, terminating pods).
        Map<String, Object> comps = all(NEW);
        comps.put("querynode", component(NEW, false));
        setStatus(status(generation, NEW, comps));
        Await.until(Duration.ofSeconds(10), "the waiter to notice", () -> log.stream().anyMatch(l -> l.contains("no longer complete")));
        assertThat(wait).isNotDone();

        setStatus(status(generation, NEW, all(NEW)));

        StageWaiter.Outcome outcome = wait.get(15, TimeUnit.SECONDS);
        assertThat(outcome).isInstanceOf(StageWaiter.Outcome.Completed.class);
        StageWaiter.Outcome.Completed done = (StageWaiter.Outcome.Completed) outcome;
        assertThat(done.beforeWait()).isFalse();
        assertThat(log.stream().filter(l -> l.contains("confirming again")).count()).isEqualTo(2);
    }

    @Test
    void a_dependency_that_is_not_ready_is_named_in_the_progress_line_and_the_timeout() {
        Map<String, Object> comps = all(NEW);
        comps.put("proxy", component(OLD, true));
        create(status(0, OLD, comps));
        Map<String, Object> st = status(generation(), OLD, comps);
        List<Object> conditions = new ArrayList<>((List<?>) st.get("conditions"));
        conditions.set(2, Map.of("type", "MsgStreamReady", "status", "False", "reason", "MsgStreamNotReady", "message",
                "dial tcp: connection refused"));
        st.put("conditions", conditions);
        setStatus(st);

        StageWaiter.Outcome outcome = waiter(Duration.ofMinutes(5)).await(snapshot(), STAGE, Duration.ofSeconds(1));

        assertThat(log.get(0)).contains("operator: MsgStreamReady False/MsgStreamNotReady (rolls nothing until it is True)");
        assertThat(((StageWaiter.Outcome.TimedOut) outcome).message())
                .contains("MsgStreamReady False/MsgStreamNotReady: dial tcp: connection refused");
    }
}

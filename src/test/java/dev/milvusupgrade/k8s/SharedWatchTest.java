package dev.milvusupgrade.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.milvusupgrade.plan.ClusterSnapshot;
import dev.milvusupgrade.plan.ImageRef;
import dev.milvusupgrade.plan.Stage;
import dev.milvusupgrade.plan.Version;
import dev.milvusupgrade.run.RecordingDispatcher;
import dev.milvusupgrade.sim.EmbeddedApiServer;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedMilvusOperator;
import dev.milvusupgrade.sim.SimulatorOptions;
import dev.milvusupgrade.testing.Await;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fleet's shared watch: one Milvus and one Deployment informer for every wait, each wait told of its
 * own instance only. Runs on the mock API server with the simulated operator rolling the instances.
 */
class SharedWatchTest {

    private static final String TOOL_AGENT = "milvus-upgrade-fleet-under-test";
    private static final String FROM = "milvusdb/milvus:v2.6.2";
    private static final String TO = "milvusdb/milvus:v2.6.4";
    private static final Stage STAGE = new Stage.ImageStage(ImageRef.parse(TO).orElseThrow(), Version.parse("v2.6.4").orElseThrow());
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Six instances in two namespaces. */
    private static final List<String[]> FLEET = List.of(new String[] {"fleet-a", "m0"}, new String[] {"fleet-a", "m1"},
            new String[] {"fleet-a", "m2"}, new String[] {"fleet-b", "m3"}, new String[] {"fleet-b", "m4"}, new String[] {"fleet-b", "m5"});

    private RecordingDispatcher recorder;
    private final EmbeddedApiServer api = new EmbeddedApiServer(d -> recorder = new RecordingDispatcher(d));
    private final KubernetesClient client = api.client();
    private final KubernetesClient tool = new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(TOOL_AGENT).build()).build();
    private final KubernetesClient operatorClient = api.newClient();
    private final SimulatedMilvusOperator operator = new SimulatedMilvusOperator(operatorClient, SimulatorOptions.fast());
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final ExecutorService pool = Executors.newFixedThreadPool(FLEET.size());
    private final AtomicInteger markers = new AtomicInteger();

    @BeforeEach
    void seed() throws Exception {
        operator.start();
        SimulatedCluster.seedOperatorDeployment(client, "1.3.8");
        List<CompletableFuture<?>> seeded = new ArrayList<>();
        for (String[] i : FLEET) {
            seeded.add(CompletableFuture.runAsync(() -> SimulatedCluster.seedMilvus(client, i[0], i[1], FROM,
                    SimulatedCluster.Layout.MIXCOORD,
                    "pulsar", WAIT), pool));
        }
        CompletableFuture.allOf(seeded.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds() + 10, TimeUnit.SECONDS);
        recorder.clear();
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
        operator.close();
        operatorClient.close();
        tool.close();
        api.close();
    }

    /** The watches the tool's client opened, by path. */
    private List<String> toolWatches() {
        return recorder.requests().stream().filter(r -> TOOL_AGENT.equals(r.userAgent()) && r.path().contains("watch=true"))
                .map(RecordingDispatcher.Request::path).toList();
    }

    private List<RecordingDispatcher.Request> toolRequests() {
        return recorder.requests().stream().filter(r -> TOOL_AGENT.equals(r.userAgent())).toList();
    }

    /** Patches every instance of the fleet to the next stage at once and waits for all; returns the outcomes. */
    private List<StageWaiter.Outcome> upgradeAll(StageWaiter waiter) throws Exception {
        ClusterGateway gateway = new ClusterGateway(tool);
        List<CompletableFuture<StageWaiter.Outcome>> waits = new ArrayList<>();
        for (String[] i : FLEET) {
            waits.add(CompletableFuture.supplyAsync(() -> {
                ClusterSnapshot s = gateway.read(i[0], i[1]).orElseThrow();
                gateway.applyStage(s, STAGE);
                return waiter.await(s, STAGE, "stage " + i[0] + "/" + i[1], Duration.ofSeconds(30), () -> { });
            }, pool));
        }
        List<StageWaiter.Outcome> out = new ArrayList<>();
        for (CompletableFuture<StageWaiter.Outcome> w : waits) {
            out.add(w.get(60, TimeUnit.SECONDS));
        }
        return out;
    }

    private StageWaiter waiter(InstanceWatch watch) {
        return new StageWaiter(tool, watch, Clock.systemUTC(), Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ZERO, log::add);
    }

    @Test
    void a_fleet_of_concurrent_waits_opens_one_watch_per_resource_type() throws Exception {
        List<StageWaiter.Outcome> outcomes;
        try (SharedInstanceWatch watch = new SharedInstanceWatch(tool, Optional.empty(), WAIT)) {
            outcomes = upgradeAll(waiter(watch));
            assertThat(watch.subscribedInstances()).as("every wait closed its view").isZero();
        }

        assertThat(outcomes).hasSize(FLEET.size()).allMatch(o -> o instanceof StageWaiter.Outcome.Completed);
        assertThat(outcomes).allMatch(o -> TO.equals(((StageWaiter.Outcome.Completed) o).snapshot().status().currentImage()));
        List<String> watches = toolWatches();
        assertThat(watches.stream().filter(p -> p.contains("/milvuses"))).hasSize(1)
                .allMatch(p -> p.startsWith("/apis/milvus.io/v1beta1/milvuses?"));
        assertThat(watches.stream().filter(p -> p.contains("/deployments"))).hasSize(1)
                .allMatch(p -> p.startsWith("/apis/apps/v1/deployments?") && p.contains("app.kubernetes.io%2Finstance")
                        && p.contains("app.kubernetes.io%2Fmanaged-by%3Dmilvus-operator")
                        && p.contains("app.kubernetes.io%2Fname%3Dmilvus"));
        assertThat(watches).hasSize(2);
        System.out.printf("shared watch, %d instances: %d watch requests, %d requests in all by the tool%n", FLEET.size(), watches.size(),
                toolRequests().size());
    }

    @Test
    void the_per_instance_watch_still_opens_two_watches_per_wait() throws Exception {
        List<StageWaiter.Outcome> outcomes = upgradeAll(new StageWaiter(tool, Clock.systemUTC(), Duration.ofMinutes(5),
                Duration.ofSeconds(10),
                Duration.ZERO, log::add));

        assertThat(outcomes).allMatch(o -> o instanceof StageWaiter.Outcome.Completed);
        List<String> watches = toolWatches();
        assertThat(watches.stream().filter(p -> p.contains("/milvuses"))).hasSize(FLEET.size());
        assertThat(watches.stream().filter(p -> p.contains("/deployments"))).hasSize(FLEET.size());
        System.out.printf("per-instance watch, %d instances: %d watch requests, %d requests in all by the tool%n", FLEET.size(),
                watches.size(), toolRequests().size());
    }

    @Test
    void a_change_to_one_instance_wakes_only_its_own_subscribers() {
        AtomicInteger a = new AtomicInteger();
        AtomicInteger a2 = new AtomicInteger();
        AtomicInteger b = new AtomicInteger();
        try (SharedInstanceWatch watch = new SharedInstanceWatch(tool, Optional.empty(), WAIT);
                InstanceWatch.View viewA = watch.open("fleet-a", "m0", a::incrementAndGet);
                InstanceWatch.View viewA2 = watch.open("fleet-a", "m0", a2::incrementAndGet);
                InstanceWatch.View viewB = watch.open("fleet-a", "m1", b::incrementAndGet)) {
            assertThat(viewB.milvus()).isPresent();
            assertThat(viewB.deployments()).isNotEmpty()
                    .allMatch(d -> "m1".equals(d.getMetadata().getLabels().get(MilvusApi.LABEL_INSTANCE))
                        && "fleet-a".equals(d.getMetadata().getNamespace()));
            assertThat(viewA.deployments()).extracting(d -> d.getMetadata().getName()).doesNotContainAnyElementsOf(
                    viewB.deployments().stream().map(d -> d.getMetadata().getName()).toList());
            // The informers announce their first list after start() has completed, so views opened at once hear those adds.
            drain(watch);
            a.set(0);
            a2.set(0);
            b.set(0);

            annotateMilvus("fleet-a", "m0");
            drain(watch);
            assertThat(a.get()).isPositive();
            assertThat(a2.get()).isPositive();
            assertThat(b.get()).isZero();

            // The same for a Deployment of A; the second view of A keeps hearing after the first closed.
            viewA.close();
            int aBefore = a.get();
            int a2Before = a2.get();
            annotateDeployment(viewA2.deployments().get(0));
            drain(watch);
            assertThat(a2.get()).isGreaterThan(a2Before);
            assertThat(a.get()).isEqualTo(aBefore);
            assertThat(b.get()).isZero();
            assertThat(watch.subscribedInstances()).isEqualTo(2);
        }
    }

    @Test
    void a_namespaced_shared_watch_sees_only_its_namespace() {
        // An unrelated Deployment without the instance label is not cached either, nor one with it that the operator did not make.
        client.apps().deployments().inNamespace("fleet-a").resource(deployment("fleet-a", "unrelated", Map.of("app", "unrelated")))
                .create();
        client.apps().deployments().inNamespace("fleet-a")
                .resource(deployment("fleet-a", "m2-foreign", Map.of(MilvusApi.LABEL_INSTANCE, "m2",
                MilvusApi.LABEL_MANAGED_BY, "Helm", MilvusApi.LABEL_NAME, "milvus"))).create();
        try (SharedInstanceWatch watch = new SharedInstanceWatch(tool, Optional.of("fleet-a"), WAIT);
                InstanceWatch.View view = watch.open("fleet-a", "m2", () -> { })) {
            assertThat(view.milvus()).isPresent();
            assertThat(view.deployments()).isNotEmpty();
            assertThat(watch.cachedInstances()).containsExactlyInAnyOrder("fleet-a/m0", "fleet-a/m1", "fleet-a/m2");
            assertThat(watch.cachedDeployments()).isNotEmpty().allMatch(d -> "fleet-a".equals(d.getMetadata().getNamespace())
                    && d.getMetadata().getLabels().containsKey(MilvusApi.LABEL_INSTANCE)
                    && "milvus-operator".equals(d.getMetadata().getLabels().get(MilvusApi.LABEL_MANAGED_BY)));
            assertThat(view.deployments()).extracting(d -> d.getMetadata().getName()).doesNotContain("m2-foreign");
            assertThatThrownBy(() -> watch.open("fleet-b", "m3", () -> { })).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("fleet-a");
        }
        assertThat(toolWatches()).hasSize(2).allMatch(p -> p.contains("/namespaces/fleet-a/"));
    }

    /**
     * Creates a Milvus resource and a Deployment no one else touches and waits until the watch has told of both:
     * each informer delivers its events in order, so every event before them has been delivered too.
     */
    private void drain(SharedInstanceWatch watch) {
        int n = markers.incrementAndGet();
        String milvus = "marker-m" + n;
        String deployment = "marker-d" + n;
        AtomicInteger heardMilvus = new AtomicInteger();
        AtomicInteger heardDeployment = new AtomicInteger();
        try (InstanceWatch.View m = watch.open("fleet-b", milvus, heardMilvus::incrementAndGet);
                InstanceWatch.View d = watch.open("fleet-b", deployment, heardDeployment::incrementAndGet)) {
            client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace("fleet-b")
                    .resource(SimulatedCluster.milvusResource("fleet-b", milvus, FROM, SimulatedCluster.Layout.MIXCOORD, "pulsar"))
                    .create();
            client.apps().deployments().inNamespace("fleet-b")
                    .resource(deployment("fleet-b", deployment, Map.of(MilvusApi.LABEL_INSTANCE, deployment,
                    MilvusApi.LABEL_MANAGED_BY, "milvus-operator", MilvusApi.LABEL_NAME, "milvus"))).create();
            Await.until(WAIT, "the shared watch to tell of the markers", () -> heardMilvus.get() > 0 && heardDeployment.get() > 0);
        }
    }

    private static Deployment deployment(String ns, String name, Map<String, String> labels) {
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
                .withNewSpec().withNewSelector().withMatchLabels(labels).endSelector().withNewTemplate().withNewMetadata()
                .withLabels(labels)
                .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    private void annotateMilvus(String ns, String name) {
        client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"annotations\":{\"test/poke\":\"1\"}}}");
    }

    private void annotateDeployment(Deployment d) {
        client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).withName(d.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\"test/poke\":\"1\"}}}");
    }
}

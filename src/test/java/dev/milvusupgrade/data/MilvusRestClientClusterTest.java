package dev.milvusupgrade.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.sim.EmbeddedApiServer;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedMilvusDataPlane;
import dev.milvusupgrade.sim.SimulatedMilvusOperator;
import dev.milvusupgrade.sim.SimulatorOptions;
import dev.milvusupgrade.testing.Await;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client against the simulated data plane following a simulated cluster: proxies down, and milvus#47806. */
class MilvusRestClientClusterTest {

    private static final String NS = "milvus";
    private static final String RELEASE = "my-release";
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** The embedded API server with the simulated operator on its own client. */
    private static final class Cluster implements AutoCloseable {
        final EmbeddedApiServer api = new EmbeddedApiServer();
        final KubernetesClient client = api.client();
        final KubernetesClient operatorClient = api.newClient();
        final SimulatedMilvusOperator operator = new SimulatedMilvusOperator(operatorClient, SimulatorOptions.fast());

        Cluster() {
            operator.start();
        }

        void patch(String json) {
            client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(NS).withName(RELEASE)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), json);
        }

        /** Healthy with MilvusUpdated True and currentImage {@code image}, the spec observed. */
        void awaitDone(String image) {
            Await.until(WAIT, "the instance done on " + image, () -> {
                GenericKubernetesResource m = client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(NS).withName(RELEASE).get();
                Map<?, ?> status = m.getAdditionalProperties().get("status") instanceof Map<?, ?> s ? s : Map.of();
                return "Healthy".equals(status.get("status")) && image.equals(status.get("currentImage"))
                        && status.get("observedGeneration") instanceof Number n && n.longValue() == m.getMetadata().getGeneration();
            });
        }

        @Override
        public void close() {
            operator.close();
            operatorClient.close();
            api.close();
        }
    }

    @Test
    void with_no_proxy_ready_the_snapshot_is_unreachable_and_names_the_endpoint() {
        try (Cluster c = new Cluster(); SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(c.client, NS, RELEASE)) {
            SimulatedCluster.seedMilvus(c.client, NS, RELEASE, "milvusdb/milvus:v2.5.16", SimulatedCluster.Layout.MIXCOORD, "pulsar", WAIT);
            Await.until(WAIT, "the proxy ready", milvus::available);
            MilvusRestClient client = new MilvusRestClient(MilvusEndpoint.of(milvus.uri()), 4, Duration.ofSeconds(5));
            assertThat(client.snapshot().collectionCount()).isEqualTo(3);

            c.patch("{\"spec\":{\"components\":{\"proxy\":{\"replicas\":0}}}}");
            Await.until(WAIT, "no proxy ready", () -> !milvus.available());
            assertThatThrownBy(client::snapshot).isInstanceOf(MilvusData.Unreachable.class)
                    .hasMessageStartingWith("the connection to Milvus at " + milvus.uri() + " failed without an answer");
        }
    }

    @Test
    void under_milvus_47806_on_2_6_the_probe_fails_at_create_with_a_write_timeout_and_passes_after_the_remedy() {
        try (Cluster c = new Cluster(); SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(c.client, NS, RELEASE)
                .reproduce47806()) {
            SimulatedCluster.seedMilvus(c.client, NS, RELEASE, "milvusdb/milvus:v2.5.16", SimulatedCluster.Layout.MIXCOORD, "pulsar", WAIT);
            Await.until(WAIT, "the proxy ready", milvus::available);
            MilvusRestClient client = new MilvusRestClient(MilvusEndpoint.of(milvus.uri()), 4, Duration.ofSeconds(5));
            assertThat(client.probe()).isEqualTo(new MilvusData.Probe.Passed());

            c.patch("{\"spec\":{\"components\":{\"image\":\"milvusdb/milvus:v2.6.4\"}}}");
            c.awaitDone("milvusdb/milvus:v2.6.4");
            Await.until(WAIT, "writes hang", milvus::writesHang);
            long drops = milvus.requests("collections/drop");
            MilvusData.Probe probe = client.probe();
            assertThat(probe).isInstanceOf(MilvusData.Probe.Failed.class);
            MilvusData.Probe.Failed failed = (MilvusData.Probe.Failed) probe;
            // 2.6 sends DDL through the WAL too (milvus-rest FACTS "2.5 vs 2.6"), so the hang shows at the first step.
            assertThat(failed.step()).isEqualTo("create");
            assertThat(failed.writeTimedOut()).isTrue();
            assertThat(failed.detail()).contains("HTTP 408").contains("code 10001");
            // The snapshot still works (describe and stats do), and the scratch collection is gone.
            assertThat(client.snapshot().collectionCount()).isEqualTo(3);
            assertThat(milvus.requests("collections/drop")).isEqualTo(drops + 1);
            assertThat(milvus.collections("default")).noneMatch(n -> n.startsWith(MilvusRestClient.PROBE_PREFIX));

            c.patch("{\"spec\":{\"components\":{\"mixCoord\":{\"podAnnotations\":{\"milvus-upgrade.dev/restart\":\"1\"}}}}}");
            Await.until(WAIT, "mixcoord restarted", milvus::mixcoordRestarted);
            c.patch("{\"spec\":{\"components\":{\"streamingNode\":{\"podAnnotations\":{\"milvus-upgrade.dev/restart\":\"1\"}}}}}");
            Await.until(WAIT, "writes work", () -> !milvus.writesHang());
            assertThat(client.probe()).isEqualTo(new MilvusData.Probe.Passed());
        }
    }
}

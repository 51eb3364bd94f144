package dev.milvusupgrade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.ClusterGateway;
import dev.milvusupgrade.run.FaultInjectingDispatcher;
import dev.milvusupgrade.run.FaultInjectingDispatcher.Fault;
import dev.milvusupgrade.run.FaultInjectingDispatcher.Match;
import dev.milvusupgrade.sim.EmbeddedApiServer;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedMilvusOperator;
import dev.milvusupgrade.sim.SimulatorOptions;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The command line's own client (ClientProducer) waits out a 429's Retry-After before it patches again. */
@QuarkusMainTest
class ThrottledCommandLineTest {

    private static final List<String> PROPERTIES = List.of("quarkus.kubernetes-client.api-server-url",
            "quarkus.kubernetes-client.namespace", "milvus-upgrade.termination-log");
    private static final String THROTTLED = "throttled milvus patch";
    private static FaultInjectingDispatcher faults;
    private static EmbeddedApiServer api;
    private static KubernetesClient operatorClient;
    private static SimulatedMilvusOperator operator;

    @BeforeAll
    static void startCluster() throws Exception {
        api = new EmbeddedApiServer(d -> faults = new FaultInjectingDispatcher(d));
        operatorClient = api.newClient();
        operator = new SimulatedMilvusOperator(operatorClient, SimulatorOptions.fast());
        operator.start();
        SimulatedCluster.seedOperatorDeployment(api.client(), "1.3.8");
        System.setProperty(PROPERTIES.get(0), api.url());
        System.setProperty(PROPERTIES.get(1), "default");
        System.setProperty(PROPERTIES.get(2), Files.createTempFile("termination-log", ".txt").toString());
    }

    @AfterAll
    static void stopCluster() {
        PROPERTIES.forEach(System::clearProperty);
        operator.close();
        operatorClient.close();
        api.close();
    }

    @Test
    void run_patches_again_no_sooner_than_retry_after(QuarkusMainLauncher launcher) {
        SimulatedCluster.seedMilvus(api.client(), "throttled", "my-release", "milvusdb/milvus:v2.5.8", SimulatedCluster.Layout.FOUR_COORDS,
                "pulsar", Duration.ofSeconds(20));
        api.client().configMaps().inNamespace("throttled").resource(new ConfigMapBuilder().withNewMetadata().withName("milvus-upgrade")
                .withNamespace("throttled").endMetadata()
                .withData(Map.of("milvus", "my-release", "targetVersion", "v2.6.4", "stageTimeout", "1m",
                        "dataCheck", "off"))
                .build()).create();
        // Only the tool patches with its field manager; the simulated operator's writes pass.
        faults.inject(new Fault(THROTTLED,
                r -> "PATCH".equals(r.getMethod()) && r.getPath().contains("/namespaces/throttled/milvuses/my-release")
                && r.getPath().contains("fieldManager=" + ClusterGateway.FIELD_MANAGER), 1,
                () -> FaultInjectingDispatcher.status(429, "TooManyRequests", "slow down").setHeader("Retry-After", "1")));

        LaunchResult run = launcher.launch("run", "--namespace", "throttled");

        assertThat(run.exitCode()).as(run.getOutput() + run.getErrorOutput()).isZero();
        List<Match> attempts = faults.matches(THROTTLED);
        assertThat(attempts).hasSizeGreaterThanOrEqualTo(2);
        assertThat(attempts.subList(0, 2)).extracting(Match::faulted).containsExactly(true, false);
        assertThat(Duration.between(attempts.get(0).at(), attempts.get(1).at())).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }
}

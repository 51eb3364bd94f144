package dev.milvusupgrade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.sim.EmbeddedApiServer;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedMilvusOperator;
import dev.milvusupgrade.sim.SimulatorOptions;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A stuck operator seen from the command line: exit 1, the diagnosis in the termination message and in status. */
@QuarkusMainTest
@TestProfile(StuckProxyClockProfile.class)
class CommandLineFailureTest {

    private static final List<String> PROPERTIES = List.of("quarkus.kubernetes-client.api-server-url",
            "quarkus.kubernetes-client.namespace", "milvus-upgrade.termination-log");
    private static EmbeddedApiServer api;
    private static SimulatedMilvusOperator operator;
    private static Path terminationLog;

    @BeforeAll
    static void startCluster() throws Exception {
        api = new EmbeddedApiServer();
        operator = new SimulatedMilvusOperator(api.newClient(), SimulatorOptions.fast().withStuck("proxy"));
        operator.start();
        SimulatedCluster.seedOperatorDeployment(api.client(), "1.3.8");
        terminationLog = Files.createTempFile("termination-log", ".txt");
        System.setProperty(PROPERTIES.get(0), api.url());
        System.setProperty(PROPERTIES.get(1), "default");
        System.setProperty(PROPERTIES.get(2), terminationLog.toString());
    }

    @AfterAll
    static void stopCluster() {
        PROPERTIES.forEach(System::clearProperty);
        operator.close();
        api.close();
    }

    @Test
    void a_stuck_rollout_exits_1_with_the_components_behind(QuarkusMainLauncher launcher) throws Exception {
        SimulatedCluster.seedMilvus(api.client(), "stuck", "my-release", "milvusdb/milvus:v2.5.16", SimulatedCluster.Layout.MIXCOORD,
                "kafka", Duration.ofSeconds(20));
        api.client().configMaps().inNamespace("stuck").resource(new ConfigMapBuilder().withNewMetadata().withName("milvus-upgrade")
                .withNamespace("stuck").endMetadata()
                .withData(Map.of("milvus", "my-release", "targetVersion", "v2.6.4", "stageTimeout", "10s",
                        "dataCheck", "off"))
                .build()).create();

        LaunchResult run = launcher.launch("run", "--namespace", "stuck");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(Files.readString(terminationLog))
                .startsWith("Failed: stage 2.6.4 did not complete within 10s; behind: proxy progressing");
        LaunchResult status = launcher.launch("status", "--namespace", "stuck");
        assertThat(status.getOutput()).contains("Failed").contains("2.6.4").contains("did not complete within 10s");
        assertThat(api.client().configMaps().inNamespace("stuck").withName("milvus-upgrade").get().getMetadata().getAnnotations())
                .containsEntry("milvus-upgrade.dev/phase", "Failed");
    }
}

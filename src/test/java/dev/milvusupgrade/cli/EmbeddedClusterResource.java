package dev.milvusupgrade.cli;

import dev.milvusupgrade.sim.EmbeddedApiServer;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedMilvusOperator;
import dev.milvusupgrade.sim.SimulatorOptions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Points the application's KubernetesClient at an embedded API server with a simulated operator,
 * for tests that launch the real command line.
 */
public class EmbeddedClusterResource implements QuarkusTestResourceLifecycleManager {

    static EmbeddedApiServer api;
    static KubernetesClient operatorClient;
    static SimulatedMilvusOperator operator;
    static Path terminationLog;

    @Override
    public Map<String, String> start() {
        api = new EmbeddedApiServer();
        operatorClient = api.newClient();
        operator = new SimulatedMilvusOperator(operatorClient, SimulatorOptions.fast());
        operator.start();
        SimulatedCluster.seedOperatorDeployment(api.client(), "1.3.8");
        try {
            terminationLog = Files.createTempFile("termination-log", ".txt");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "quarkus.kubernetes-client.api-server-url", api.url(),
                "quarkus.kubernetes-client.namespace", "default",
                "milvus-upgrade.termination-log", terminationLog.toString(),
                "milvus-upgrade.lease-duration", "5s");
    }

    static KubernetesClient client() {
        return api.client();
    }

    @Override
    public void stop() {
        operator.close();
        operatorClient.close();
        api.close();
    }
}

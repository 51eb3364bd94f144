package dev.milvusupgrade.cli;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.run.Runner;
import dev.milvusupgrade.sim.EmbeddedApiServer;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedMilvusBackup;
import dev.milvusupgrade.sim.SimulatedMilvusDataPlane;
import dev.milvusupgrade.sim.SimulatedMilvusOperator;
import dev.milvusupgrade.sim.SimulatorOptions;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the real {@code run} logic against an in-process API server holding a simulated 2.5 cluster
 * with four coordinators and a simulated Milvus Operator. Nothing outside this process is touched.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Runs a full staged upgrade against an embedded simulated cluster; no cluster needed.")
public class DemoCommand implements Callable<Integer> {

    static final String NAMESPACE = "milvus";
    static final String RELEASE = "my-release";

    @Option(names = "--from", defaultValue = "milvusdb/milvus:v2.5.4", description = "Image the simulated cluster starts on (default: ${DEFAULT-VALUE}).")
    String fromImage;

    @Option(names = "--target", defaultValue = "v2.6.4", description = "targetVersion of the intent (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--step-delay", defaultValue = "300ms", description = "How long the simulated operator takes per component rollout (default: ${DEFAULT-VALUE}).")
    String stepDelay;

    @Option(names = "--issue-47806", description = "Reproduce milvus#47806 (writes hang once the proxies run 2.6) and show the remedy:"
            + " the data check probes writes and restarts mixcoord, then the streaming nodes.")
    boolean issue47806;

    @Override
    public Integer call() {
        Duration step = parseMillis(stepDelay);
        try (EmbeddedApiServer api = new EmbeddedApiServer();
                KubernetesClient operatorClient = api.newClient();
                SimulatedMilvusOperator operator = new SimulatedMilvusOperator(operatorClient,
                        SimulatorOptions.fast().withStepDelay(step));
                // Milvus's data plane behind the proxies, reached through the real RESTful API client.
                SimulatedMilvusDataPlane data = new SimulatedMilvusDataPlane(api.client(), NAMESPACE, RELEASE);
                // milvus-backup's REST server: the backup before the point of no return.
                SimulatedMilvusBackup backup = new SimulatedMilvusBackup()) {
            KubernetesClient client = api.client();
            operator.start();
            SimulatedCluster.seedOperatorDeployment(client, "1.3.8");
            System.out.println("demo: embedded API server at " + api.url() + " with a simulated Milvus Operator 1.3.8");
            SimulatedCluster.seedMilvus(client, NAMESPACE, RELEASE, fromImage, SimulatedCluster.Layout.FOUR_COORDS, "pulsar",
                    Duration.ofSeconds(30));
            if (issue47806) {
                data.reproduce47806();
            }
            System.out.println("demo: milvus-backup server at " + backup.uri());
            System.out.println("demo: Milvus data plane (RESTful API) at " + data.uri() + ": " + String.join(", ", data.databases())
                    + (issue47806 ? "; milvus#47806 reproduced: writes will hang once the proxies run 2.6" : ""));
            System.out.println("demo: Milvus " + NAMESPACE + "/" + RELEASE + " is Healthy on " + fromImage
                    + " with separate coordinators (root, data, query, index)");
            client.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("milvus-upgrade").withNamespace(NAMESPACE).endMetadata()
                    .withData(Map.of(Intent.MILVUS, RELEASE, Intent.TARGET_VERSION, target, Intent.STAGE_TIMEOUT, "2m",
                            Intent.DATA_CHECK, issue47806 ? "write" : "read", Intent.MILVUS_ENDPOINT, data.uri().toString(),
                            Intent.BACKUP_ENDPOINT, backup.uri().toString()))
                    .build()).create();
            Runner runner = new Runner(client, Clock.systemUTC(), new Runner.Settings(Duration.ofMinutes(1), Duration.ofSeconds(2), Duration.ofSeconds(30),
                    Duration.ofSeconds(1)),
                    Console::log);
            Runner.Report plan = new Runner(client, Clock.systemUTC(), Runner.Settings.defaults(), line -> { }).plan(NAMESPACE, "milvus-upgrade");
            plan.plan().ifPresent(p -> Console.printPlan(System.out, p));
            Runner.Report report = runner.run(NAMESPACE, "milvus-upgrade");
            System.out.println();
            Console.printTable(System.out, report.record());
            System.out.println("annotation " + MilvusApi.ANNOTATION_PHASE + "=" + client.configMaps().inNamespace(NAMESPACE)
                    .withName("milvus-upgrade").get().getMetadata().getAnnotations().get(MilvusApi.ANNOTATION_PHASE));
            Outcome.print(report.record());
            return report.exitCode();
        }
    }

    private static Duration parseMillis(String text) {
        String t = text.trim();
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        return Intent.parseDuration(t).orElseThrow(() -> new IllegalArgumentException("--step-delay " + text + " is not a duration like 300ms or 2s"));
    }
}

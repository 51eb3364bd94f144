package dev.milvusupgrade.cli;

import dev.milvusupgrade.k8s.Kube;
import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.FleetIntent;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.run.Fleet;
import dev.milvusupgrade.run.Runner;
import dev.milvusupgrade.sim.DemoWorld;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
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

    /** The namespaces the fleet demo spreads its clusters over, and the label its intent selects them by. */
    static final List<String> FLEET_NAMESPACES = List.of("team-a", "team-b", "team-c");
    static final String FLEET_LABEL = "fleet";
    static final String FLEET_LABEL_VALUE = "demo";

    @Option(names = "--from", defaultValue = "milvusdb/milvus:v2.5.4",
            description = "Image the simulated cluster starts on (default: ${DEFAULT-VALUE}).")
    String fromImage;

    @Option(names = "--target", defaultValue = "v2.6.4", description = "targetVersion of the intent (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--step-delay", defaultValue = "300ms",
            description = "How long the simulated operator takes per component rollout (default: ${DEFAULT-VALUE}).")
    String stepDelay;

    @Option(names = "--issue-47806", description = "Reproduce milvus#47806 (writes hang once the proxies run 2.6) and show the remedy:"
            + " the data check's probe hangs and the run restarts mixcoord, then the streaming nodes.")
    boolean issue47806;

    @Option(names = "--fleet",
            description = "Upgrade a fleet instead of one cluster: --clusters simulated Milvus clusters in three namespaces,"
            + " selected by label by one fleet intent, the one labelled " + FleetIntent.CANARY_LABEL
            + " first and alone, then up to --max-concurrent"
            + " at once. The data check is off: the simulated Milvus data plane serves one cluster, not a fleet.")
    boolean fleet;

    @Option(names = "--clusters", defaultValue = "6", description = "With --fleet: how many clusters (default: ${DEFAULT-VALUE}).")
    int clusters;

    @Option(names = "--max-concurrent", defaultValue = "2",
            description = "With --fleet: maxConcurrent of the fleet intent (default: ${DEFAULT-VALUE}).")
    int maxConcurrent;

    @Override
    public Integer call() {
        Duration step = parseMillis(stepDelay);
        if (fleet) {
            return fleet(step);
        }
        try (DemoWorld world = DemoWorld.single(NAMESPACE, RELEASE, fromImage, step, issue47806, System.out::println)) {
            KubernetesClient client = world.client();
            client.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("milvus-upgrade").withNamespace(NAMESPACE).endMetadata()
                    .withData(Map.of(Intent.MILVUS, RELEASE, Intent.TARGET_VERSION, target, Intent.STAGE_TIMEOUT, "2m",
                            Intent.DATA_CHECK, "write", Intent.MILVUS_ENDPOINT, world.milvusUri().orElseThrow().toString(),
                            Intent.BACKUP_ENDPOINT, world.backupUri().orElseThrow().toString()))
                    .build()).create();
            Runner runner = new Runner(new Kube(client),
                    Clock.systemUTC(), new Runner.Settings(Duration.ofMinutes(1), Duration.ofSeconds(2), Duration.ofSeconds(30),
                    Duration.ofSeconds(1)),
                    Console::log);
            Runner.Report plan = new Runner(new Kube(client),
                    Clock.systemUTC(), Runner.Settings.defaults(), line -> { }).plan(NAMESPACE, "milvus-upgrade");
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

    /** {@code demo --fleet}: a fleet intent over {@link #clusters} simulated clusters, planned, then run. */
    private int fleet(Duration step) {
        if (clusters < 1 || maxConcurrent < 1) {
            throw new IllegalArgumentException("--clusters and --max-concurrent must be at least 1");
        }
        List<String> namespaces = FLEET_NAMESPACES.subList(0, Math.min(clusters, FLEET_NAMESPACES.size()));
        try (DemoWorld world = DemoWorld.fleet(namespaces, clusters, Map.of(FLEET_LABEL, FLEET_LABEL_VALUE), FleetIntent.CANARY_LABEL,
                fromImage, step, System.out::println)) {
            KubernetesClient client = world.client();
            Map<String, String> intent = new LinkedHashMap<>();
            intent.put(FleetIntent.SELECTOR, FLEET_LABEL + "=" + FLEET_LABEL_VALUE);
            intent.put(FleetIntent.NAMESPACES, String.join(",", namespaces));
            intent.put(FleetIntent.CANARY, "1");
            intent.put(FleetIntent.MAX_CONCURRENT, String.valueOf(maxConcurrent));
            intent.put(Intent.TARGET_VERSION, target);
            intent.put(Intent.STAGE_TIMEOUT, "2m");
            intent.put(Intent.DATA_CHECK, "off"); // the simulated data plane serves one cluster
            client.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("milvus-upgrade").withNamespace(NAMESPACE).endMetadata().withData(intent).build()).create();
            System.out.println("demo: fleet intent " + NAMESPACE + "/milvus-upgrade: " + intent);
            Fleet.Report plan = new Runner(new Kube(client),
                    Clock.systemUTC(), Runner.Settings.defaults(), line -> { }).planFleet(NAMESPACE, "milvus-upgrade");
            System.out.println("Fleet plan, in order (canaries first and alone, then up to maxConcurrent at once):");
            plan.plan().forEach(l -> System.out.println("  " + l));
            Runner runner = new Runner(new Kube(client),
                    Clock.systemUTC(), new Runner.Settings(Duration.ofMinutes(1), Duration.ofSeconds(2), Duration.ofSeconds(30),
                    Duration.ofSeconds(1)), Console::log);
            Fleet.Report report = runner.runFleet(NAMESPACE, "milvus-upgrade");
            System.out.println();
            Console.printFleet(System.out, report.record());
            System.out.println("annotation " + MilvusApi.ANNOTATION_PHASE + "=" + client.configMaps().inNamespace(NAMESPACE)
                    .withName("milvus-upgrade").get().getMetadata().getAnnotations().get(MilvusApi.ANNOTATION_PHASE));
            System.out.println("fleet " + report.record().phase() + ": " + report.record().message());
            return report.exitCode();
        }
    }

    private static Duration parseMillis(String text) {
        String t = text.trim();
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        return Intent.parseDuration(t)
                .orElseThrow(() -> new IllegalArgumentException("--step-delay " + text + " is not a duration like 300ms or 2s"));
    }
}

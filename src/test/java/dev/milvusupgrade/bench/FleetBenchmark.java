package dev.milvusupgrade.bench;

import dev.milvusupgrade.k8s.Kube;
import dev.milvusupgrade.k8s.FleetStore;
import dev.milvusupgrade.plan.FleetRecord;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.run.Fleet;
import dev.milvusupgrade.run.RecordingDispatcher;
import dev.milvusupgrade.run.Runner;
import dev.milvusupgrade.run.ScenarioCluster;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.sim.SimulatorOptions;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * A fleet of simulated clusters upgraded by one fleet intent (issue: "50 simulated clusters, maxConcurrent 1, 5 and 10: wall
 * time against the ideal, API requests per second, peak RSS"). Each cluster starts on 2.5.16 with mixcoord, a one-stage
 * upgrade to 2.6.4 (streamingnode, mixcoord, querynode, datanode, proxy, each taking the fixed per-component delay); canary 0,
 * so that the ideal is ceil(clusters / maxConcurrent) x the time of one cluster's upgrade, measured alone in the same setup.
 * Every fleet run gets a fresh embedded API server and simulated operator. Not a test: run it with
 * {@code ./mvnw -B -Pbench -DskipTests package -Dbench.skipUpgrade=true -Dbench.skipSnapshot=true}, which prints markdown.
 * Arguments (system properties): bench.fleetClusters (default 50), bench.fleetConcurrency (default 1,5,10),
 * bench.fleetDelayMs (per component rollout, default 1000).
 */
public final class FleetBenchmark {

    static final String FROM = "milvusdb/milvus:v2.5.16";
    static final String SELECTOR = "fleet=bench";
    static final int NAMESPACES = 5;

    record FleetRun(int maxConcurrent, Duration wall, Duration seeding, long toolRequests, Map<String, Long> verbs,
            List<Duration> perCluster,
            long operatorPasses, long peakRssKib, boolean rssReset, FleetRecord record) {
    }

    private FleetBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int clusters = Integer.getInteger("bench.fleetClusters", 50);
        List<Integer> concurrency = Arrays.stream(System.getProperty("bench.fleetConcurrency", "1,5,10").split(",")).map(String::strip)
                .map(Integer::parseInt).toList();
        long delayMs = Long.getLong("bench.fleetDelayMs", 1000);
        SimulatorOptions options = SimulatorOptions.fast().withStepDelay(Duration.ofMillis(delayMs));
        String loadBefore = SnapshotBenchmark.loadAverage();

        measureSingle(options); // warm-up: class loading and JIT, not part of the figures
        List<Duration> singles = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            singles.add(measureSingle(options));
        }
        double stageMs = UpgradeBenchmark.median(singles.stream().map(d -> (double) d.toMillis()).toList());
        List<FleetRun> runs = new ArrayList<>();
        for (int c : concurrency) {
            runs.add(measureFleet(options, clusters, c));
            System.out.println("fleet of " + clusters + " at maxConcurrent " + c + ": " + runs.get(runs.size() - 1).wall().toMillis()
                    + " ms");
        }

        StringBuilder md = new StringBuilder();
        md.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ").append(System.getProperty("os.name"))
                .append(' ').append(System.getProperty("os.arch")).append(", ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.version")).append(" (max heap ").append(Runtime.getRuntime().maxMemory() / (1024 * 1024))
                .append(" MiB), load average ").append(loadBefore).append(" before and ").append(SnapshotBenchmark.loadAverage())
                .append(" after, ")
                .append(LocalDate.now()).append(". ").append(clusters).append(" clusters in ").append(NAMESPACES).append(" namespaces on ")
                .append(FROM).append(" with mixcoord (one stage to v2.6.4: 5 components), per-component rollout delay ").append(delayMs)
                .append(" ms, canary 0, production Runner settings without the settle period.\n\n");
        md.append("Stage time (one cluster's upgrade alone, same setup, median of 3 after a warm-up): ")
                .append(UpgradeBenchmark.ms(stageMs))
                .append(" (").append(singles.stream().map(d -> d.toMillis() + "").collect(Collectors.joining(", "))).append(" ms).\n\n");
        md.append("| maxConcurrent | wall time | ideal (ceil(clusters / maxConcurrent) x stage time) | wall / ideal | one cluster's "
                + "upgrade in the fleet"
                + " (median / max) | tool API requests | requests per second | peak RSS of the JVM | simulated operator passes |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        for (FleetRun r : runs) {
            double ideal = Math.ceil(clusters / (double) r.maxConcurrent()) * stageMs;
            List<Double> per = r.perCluster().stream().map(d -> (double) d.toMillis()).toList();
            md.append("| ").append(r.maxConcurrent()).append(" | ").append(String.format("%.1f s", r.wall().toMillis() / 1000.0))
                    .append(" | ")
                    .append(String.format("%.1f s", ideal / 1000)).append(" | ").append(String.format("%.2f", r.wall().toMillis() / ideal))
                    .append(" | ")
                    .append(UpgradeBenchmark.ms(UpgradeBenchmark.median(per))).append(" / ")
                    .append(UpgradeBenchmark.ms(per.stream().mapToDouble(d -> d)
                            .max().orElse(Double.NaN))).append(" | ").append(r.toolRequests()).append(" | ")
                    .append(String.format("%.1f", r.toolRequests() / (r.wall().toMillis() / 1000.0))).append(" | ")
                    .append(r.peakRssKib() < 0 ? "n/a" : r.peakRssKib() / 1024 + " MiB" + (r.rssReset() ? "" : " (since JVM start)"))
                    .append(" | ")
                    .append(r.operatorPasses()).append(" |\n");
        }
        md.append("\nTool API requests by verb:\n\n");
        for (FleetRun r : runs) {
            md.append("- maxConcurrent ").append(r.maxConcurrent()).append(": ").append(r.verbs().entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))).append(" (seeding took ")
                    .append(String.format("%.1f s", r.seeding().toMillis() / 1000.0)).append(", not counted); fleet ")
                    .append(r.record().phase())
                    .append(": ").append(r.record().totalsLine()).append('\n');
        }
        System.out.println();
        System.out.println(md);
        System.exit(0); // the embedded API servers' event-loop threads would keep the JVM alive
    }

    private static Runner.Settings settings() {
        // As UpgradeBenchmark: production settings, but no settle period (a fixed 60 s per stage on purpose, that would hide what is
        // measured).
        Runner.Settings production = Runner.Settings.defaults();
        return new Runner.Settings(production.deadlockGrace(), production.progressEvery(), production.leaseDuration(), Duration.ZERO);
    }

    /** One cluster's upgrade through the single-cluster mode: the stage time of the ideal. */
    static Duration measureSingle(SimulatorOptions options) {
        try (ScenarioCluster c = new ScenarioCluster(options)) {
            c.seed(FROM, Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "5m", "dataCheck", "off"));
            Runner runner = new Runner(new Kube(c.toolClient), Clock.systemUTC(), settings(), line -> { });
            Instant start = Instant.now();
            Runner.Report report = runner.run(ScenarioCluster.NS, ScenarioCluster.INTENT);
            Duration wall = Duration.between(start, Instant.now());
            if (report.exitCode() != 0 || report.record().stages().size() != 1) {
                throw new IllegalStateException("single-cluster run did not succeed in one stage: " + report.record().message());
            }
            return wall;
        }
    }

    /** A fleet of {@code clusters} on a fresh API server, at {@code maxConcurrent}. */
    static FleetRun measureFleet(SimulatorOptions options, int clusters, int maxConcurrent) {
        try (ScenarioCluster c = new ScenarioCluster(options)) {
            List<String> namespaces = new ArrayList<>();
            for (int i = 0; i < NAMESPACES; i++) {
                namespaces.add("fleet-" + i);
            }
            Instant seedStart = Instant.now();
            ExecutorService seeders = Executors.newFixedThreadPool(10);
            try {
                List<CompletableFuture<Void>> seeded = new ArrayList<>();
                for (int i = 0; i < clusters; i++) {
                    GenericKubernetesResource m = SimulatedCluster.milvusResource(namespaces.get(i % NAMESPACES), String.format("m%03d", i),
                            FROM,
                            Layout.MIXCOORD, "pulsar");
                    m.getMetadata().setLabels(Map.of("fleet", "bench"));
                    seeded.add(CompletableFuture.runAsync(() -> SimulatedCluster.seedMilvus(c.client, m, Duration.ofMinutes(5)), seeders));
                }
                CompletableFuture.allOf(seeded.toArray(CompletableFuture[]::new)).join();
            } finally {
                seeders.shutdown();
            }
            Duration seeding = Duration.between(seedStart, Instant.now());
            Map<String, String> intent = new LinkedHashMap<>();
            intent.put("selector", SELECTOR);
            intent.put("namespaces", String.join(",", namespaces));
            intent.put("canary", "0");
            intent.put("maxConcurrent", String.valueOf(maxConcurrent));
            intent.put("targetVersion", "v2.6.4");
            intent.put("stageTimeout", "5m");
            intent.put("dataCheck", "off");
            c.intent(intent);
            Runner runner = new Runner(new Kube(c.toolClient), Clock.systemUTC(), settings(), line -> { });
            boolean rssReset = resetPeakRss();
            c.requests().clear();
            long passesBefore = c.operator.passes();
            Instant start = Instant.now();
            Fleet.Report report = runner.runFleet(ScenarioCluster.NS, ScenarioCluster.INTENT);
            Duration wall = Duration.between(start, Instant.now());
            long peak = SnapshotBenchmark.peakRssKib();
            long passes = c.operator.passes() - passesBefore;
            List<RecordingDispatcher.Request> tool = c.toolRequests();
            if (report.exitCode() != 0 || report.record().phase() != Phase.Succeeded) {
                throw new IllegalStateException("fleet run did not succeed: " + report.record().message());
            }
            Map<String, Long> verbs = new TreeMap<>();
            tool.forEach(r -> verbs.merge(UpgradeBenchmark.verb(r), 1L, Long::sum));
            FleetStore store = new FleetStore(c.client);
            List<Duration> perCluster = report.record().clusters().stream().map(l -> {
                String[] ref = l.milvus().split("/");
                RunRecord r = store.clusterRecord(ref[0], ref[1], ScenarioCluster.NS + "/" + ScenarioCluster.INTENT).orElseThrow();
                return Duration.between(r.startedAt(), r.finishedAt().orElseThrow());
            }).toList();
            return new FleetRun(maxConcurrent, wall, seeding, tool.size(), verbs, perCluster, passes, peak, rssReset, report.record());
        }
    }

    /** Resets VmHWM (Linux: "5" to /proc/self/clear_refs), so that the next peak is this run's; false where that is refused. */
    static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}

package dev.milvusupgrade.bench;

import dev.milvusupgrade.k8s.Kube;
import dev.milvusupgrade.k8s.ClusterGateway;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.ClusterSnapshot;
import dev.milvusupgrade.plan.Decision;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.Planner;
import dev.milvusupgrade.plan.Progress;
import dev.milvusupgrade.plan.Stage;
import dev.milvusupgrade.run.Checkpoint;
import dev.milvusupgrade.run.RecordingDispatcher;
import dev.milvusupgrade.run.Runner;
import dev.milvusupgrade.run.ScenarioCluster;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.sim.SimulatorOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * What the tool costs, measured against the simulated operator with fixed per-component rollout
 * delays. Not a test: run it with {@code ./mvnw -B -Pbench -DskipTests package}, which prints the
 * figures as markdown. Arguments (system properties): bench.delayMs (per component, default 2000:
 * still 15 times faster than a real rollout, where every Deployment waits minReadySeconds 30),
 * bench.runs (default 5), bench.pollSeconds (baseline poll period, default 5).
 */
public final class UpgradeBenchmark {

    // The data checks talk to Milvus, not to the API server: measured on their own (data/SnapshotBenchmark).
    private static final Map<String, String> INTENT = Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout",
            "5m",
            "dataCheck", "off");

    record StageTiming(String stage, Instant patched, Instant operatorDone, Instant detected) {
        Duration operator() {
            return Duration.between(patched, operatorDone);
        }

        Duration reaction() {
            return Duration.between(operatorDone, detected);
        }
    }

    record RunTiming(Duration wall, List<StageTiming> stages, Map<String, Long> waitRequests, Duration waitTime) {
        Duration operatorTotal() {
            return stages.stream().map(StageTiming::operator).reduce(Duration.ZERO, Duration::plus);
        }
    }

    public static void main(String[] args) throws Exception {
        long delayMs = Long.getLong("bench.delayMs", 2000);
        int runs = Integer.getInteger("bench.runs", 5);
        int pollSeconds = Integer.getInteger("bench.pollSeconds", 5);
        Map<String, Duration> delays = new TreeMap<>();
        for (String c : List.of("mixcoord", "rootcoord", "datacoord", "querycoord", "indexcoord", "datanode", "querynode", "indexnode",
                "streamingnode", "proxy", "standalone")) {
            delays.put(c, Duration.ofMillis(delayMs));
        }
        SimulatorOptions options = SimulatorOptions.fast().withStepDelay(Duration.ofMillis(delayMs)).withComponentDelays(delays);

        measureOurs(options); // warm-up: class loading and JIT, not part of the figures
        List<RunTiming> ours = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            ours.add(measureOurs(options));
        }
        List<StageTiming> polled = new ArrayList<>();
        for (int i = 0; i < Math.min(runs, 3); i++) {
            polled.addAll(measurePolling(options, Duration.ofSeconds(pollSeconds)));
        }
        String startup = measureStartup();

        StringBuilder md = new StringBuilder();
        md.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch")).append(", Java ")
                .append(System.getProperty("java.version")).append("; per-component rollout delay ").append(delayMs).append(" ms; ")
                .append(runs).append(" runs of the two-stage upgrade (2.5.4, four coordinators -> 2.6.4), after one warm-up run.\n\n");
        md.append("| figure | value |\n|---|---|\n");
        List<Double> overheadPerStage = ours.stream().map(r -> (r.wall().minus(r.operatorTotal())).toMillis() / (double) r.stages().size())
                .toList();
        md.append("| wall time per run (median) | ").append(ms(median(ours.stream().map(r -> (double) r.wall().toMillis()).toList())))
                .append(" |\n");
        md.append("| simulated operator time per run (median) | ")
                .append(ms(median(ours.stream().map(r -> (double) r.operatorTotal().toMillis()).toList()))).append(" |\n");
        md.append("| our overhead per stage, wall minus operator (median / max) | ").append(ms(median(overheadPerStage))).append(" / ")
                .append(ms(Collections.max(overheadPerStage))).append(" |\n");
        List<Double> reactions = ours.stream().flatMap(r -> r.stages().stream()).map(s -> (double) s.reaction().toMillis()).toList();
        md.append("| reaction latency, operator's final status write -> our next action (median / max) | ").append(ms(median(reactions)))
                .append(" / ").append(ms(Collections.max(reactions))).append(" |\n");
        md.append("| reaction latency per stage (ms), all runs | ").append(ours.stream().flatMap(r -> r.stages().stream())
                .map(st -> st.stage() + " " + st.reaction().toMillis()).collect(Collectors.joining(", "))).append(" |\n");
        List<Double> pollReactions = polled.stream().map(s -> (double) s.reaction().toMillis()).toList();
        md.append("| same for a ").append(pollSeconds).append(" s polling baseline (median / max) | ").append(ms(median(pollReactions)))
                .append(" / ").append(ms(Collections.max(pollReactions))).append(" |\n");
        Map<String, Long> verbs = new TreeMap<>();
        double waitSeconds = 0;
        for (RunTiming r : ours) {
            r.waitRequests().forEach((k, v) -> verbs.merge(k, v, Long::sum));
            waitSeconds += r.waitTime().toMillis() / 1000.0;
        }
        long totalWaitRequests = verbs.values().stream().mapToLong(Long::longValue).sum();
        md.append("| API requests during waits, by verb (all runs) | ").append(verbs.isEmpty() ? "none" : verbs.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))).append(" |\n");
        long stageCount = ours.stream().mapToLong(r -> r.stages().size()).sum();
        md.append("| API requests per stage wait (all verbs) | ").append(String.format("%.1f", totalWaitRequests / (double) stageCount))
                .append(" |\n");
        md.append("| requests per second of waiting | ").append(String.format("%.2f", totalWaitRequests / Math.max(waitSeconds, 0.001)))
                .append(" (")
                .append(totalWaitRequests).append(" in ").append(String.format("%.1f", waitSeconds)).append(" s) |\n");
        md.append(startup);
        System.out.println();
        System.out.println(md);
        System.exit(0); // the embedded API servers' event-loop threads would keep the JVM alive
    }

    /** One upgrade by the tool; times from checkpoints, the simulator's last status write and the recorder. */
    static RunTiming measureOurs(SimulatorOptions options) {
        try (ScenarioCluster c = new ScenarioCluster(options)) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(INTENT);
            Map<String, Instant> patched = new TreeMap<>();
            List<StageTiming> stages = new ArrayList<>();
            List<Instant[]> waits = new ArrayList<>();
            // Production settings (Lease renewed every 10 s, progress line every 10 s), not the tests' short ones, but no
            // settle period: it adds a fixed 60 s per stage on purpose, and would hide what is measured here.
            Runner.Settings production = Runner.Settings.defaults();
            Runner.Settings settings = new Runner.Settings(production.deadlockGrace(), production.progressEvery(),
                    production.leaseDuration(),
                    Duration.ZERO);
            Runner runner = new Runner(new Kube(c.toolClient), Clock.systemUTC(), settings, line -> {
                if (line.startsWith("stage ") && line.contains(" succeeded in ")) {
                    Instant detected = Instant.now();
                    // "stage 1/2 mixcoord-2.5.16 succeeded in 2s"
                    String[] words = line.split(" ");
                    String stage = words[2];
                    Instant done = c.operator.lastStatusWriteAt().orElseThrow();
                    stages.add(new StageTiming(stage, patched.get(stage), done, detected));
                    waits.add(new Instant[] {patched.get(stage), detected});
                }
            }, (checkpoint, stage) -> {
                if (checkpoint == Checkpoint.AFTER_PATCH) {
                    patched.put(stage, Instant.now());
                }
            });
            Instant start = Instant.now();
            Runner.Report report = runner.run(ScenarioCluster.NS, ScenarioCluster.INTENT);
            Duration wall = Duration.between(start, Instant.now());
            if (report.exitCode() != 0) {
                throw new IllegalStateException("benchmark run did not succeed: " + report.record().message());
            }
            Map<String, Long> verbs = new TreeMap<>();
            Duration waiting = Duration.ZERO;
            for (Instant[] w : waits) {
                waiting = waiting.plus(Duration.between(w[0], w[1]));
                for (RecordingDispatcher.Request r : c.toolRequests()) {
                    if (!r.at().isBefore(w[0]) && !r.at().isAfter(w[1])) {
                        verbs.merge(verb(r), 1L, Long::sum);
                    }
                }
            }
            return new RunTiming(wall, stages, verbs, waiting);
        }
    }

    /** The baseline: patch each stage, then look every {@code period} until the stage is complete. */
    static List<StageTiming> measurePolling(SimulatorOptions options, Duration period) throws InterruptedException {
        try (ScenarioCluster c = new ScenarioCluster(options)) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            ClusterGateway gateway = new ClusterGateway(c.toolClient);
            Intent intent = ((Checked.Ok<Intent>) Intent.parse(INTENT, Instant.now())).value();
            List<StageTiming> out = new ArrayList<>();
            while (true) {
                ClusterSnapshot s = gateway.read(ScenarioCluster.NS, ScenarioCluster.RELEASE).orElseThrow();
                Decision d = Planner.plan(intent, s);
                if (!(d instanceof Decision.Staged staged)) {
                    return out;
                }
                Stage stage = staged.plan().stages().get(0);
                gateway.applyStage(s, stage);
                Instant patched = Instant.now();
                while (true) {
                    TimeUnit.MILLISECONDS.sleep(period.toMillis()); // the baseline's own polling period, not test synchronisation
                    ClusterSnapshot now = gateway.read(ScenarioCluster.NS, ScenarioCluster.RELEASE).orElseThrow();
                    if (Progress.evaluate(stage, now) instanceof Progress.Done) {
                        out.add(new StageTiming(stage.name(), patched, c.operator.lastStatusWriteAt().orElseThrow(), Instant.now()));
                        break;
                    }
                }
            }
        }
    }

    /** Starts the packaged JVM application against an embedded server: time to its first API request, and peak RSS. */
    static String measureStartup() throws Exception {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            return "| JVM start to first API call | not measured: build the jar first (package) |\n";
        }
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(INTENT);
            Path kubeconfig = Files.createTempFile("bench-kubeconfig", ".yaml");
            Files.writeString(kubeconfig, "apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster:\n    server: " + c.api.url()
                    + "\ncontexts:\n- name: bench\n  context:\n    cluster: bench\n    user: bench\n    namespace: " + ScenarioCluster.NS
                    + "\ncurrent-context: bench\nusers:\n- name: bench\n  user:\n    token: bench\n");
            boolean gnuTime = Files.isExecutable(Path.of("/usr/bin/time"));
            Path rss = Files.createTempFile("bench-rss", ".txt");
            List<String> cmd = new ArrayList<>();
            if (gnuTime) {
                cmd.addAll(List.of("/usr/bin/time", "-f", "%M", "-o", rss.toString()));
            }
            cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(), "plan"));
            List<Long> firstCall = new ArrayList<>();
            String peak = "n/a (no /usr/bin/time)";
            for (int i = 0; i < 3; i++) {
                c.requests().clear();
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                pb.environment().put("KUBECONFIG", kubeconfig.toString());
                Instant started = Instant.now();
                Process p = pb.start();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("the packaged application did not finish within 60 s");
                }
                Instant first = c.requests().requests().stream().filter(r -> !r.userAgent().equals(ScenarioCluster.TOOL_AGENT))
                        .map(RecordingDispatcher.Request::at).filter(a -> a.isAfter(started)).min(Instant::compareTo).orElseThrow();
                firstCall.add(Duration.between(started, first).toMillis());
                if (gnuTime) {
                    peak = Long.parseLong(Files.readString(rss).trim().lines().reduce((a, b) -> b).orElse("0")) / 1024 + " MiB";
                }
            }
            return "| JVM mode: process start to first API call (median of 3, `plan`) | "
                    + ms(median(firstCall.stream().map(Long::doubleValue).toList()))
                    + " |\n| JVM mode: peak RSS of that process | " + peak + " |\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String verb(RecordingDispatcher.Request r) {
        String m = r.method();
        if ("GET".equals(m)) {
            return r.path().contains("watch=true") ? "watch"
                    : (r.path().matches(".*/(milvuses|deployments|configmaps|leases|events)(\\?.*)?$") ? "list" : "get");
        }
        return switch (m) {
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> m.toLowerCase();
        };
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static String ms(double v) {
        return String.format("%.0f ms", v);
    }
}

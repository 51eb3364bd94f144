package dev.milvusupgrade.bench;

import dev.milvusupgrade.data.MilvusData;
import dev.milvusupgrade.data.MilvusRestClient;
import dev.milvusupgrade.plan.DataCheck;
import dev.milvusupgrade.plan.DataSnapshot;
import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.sim.SimulatedMilvusDataPlane;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * What one data-check snapshot costs (issue 9): {@link MilvusRestClient#snapshot()} against the simulated
 * Milvus data plane ({@link SimulatedMilvusDataPlane}, over http on loopback, in this JVM) holding 10,
 * 1 000 and 10 000 collections. Not a test: run it with {@code ./mvnw -B -Pbench -DskipTests package}
 * (together with {@link UpgradeBenchmark}; {@code -Dbench.skipUpgrade=true} runs this one alone), which
 * prints the figures as markdown. Arguments (system properties): bench.snapshotSizes (total collections,
 * the simulator's 3 seeded ones included, default {@code 10,1000,10000}), bench.snapshotRuns (measured
 * snapshots per size after one warm-up, one number for every size or one per size, default {@code 5,5,3}).
 */
public final class SnapshotBenchmark {

    /** The same values as {@code Runner.DATA_PARALLELISM} and {@code Runner.DATA_REQUEST_TIMEOUT} (package-private there). */
    static final int PARALLELISM = 8;
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** The simulator starts with books and archive in default, events in analytics. */
    static final int SEEDED = 3;
    static final String DB = "default";

    record Size(int collections, int runs, List<Long> nanos, List<Long> requests, List<String> failures, int maxInFlight,
            long snapshotBytes, long peakRssKib,
            List<Long> stageNanos, List<Long> stageRequests, int loaded) {
    }

    private SnapshotBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = ints(System.getProperty("bench.snapshotSizes", "10,1000,10000"));
        List<Integer> runs = ints(System.getProperty("bench.snapshotRuns", "5,5,3"));
        if (runs.size() != 1 && runs.size() != sizes.size()) {
            throw new IllegalArgumentException("bench.snapshotRuns needs one number, or one per size in bench.snapshotSizes");
        }
        String loadBefore = loadAverage();
        List<Size> results = new ArrayList<>();
        for (int i = 0; i < sizes.size(); i++) {
            results.add(measure(sizes.get(i), runs.size() == 1 ? runs.get(0) : runs.get(i)));
        }

        StringBuilder md = new StringBuilder();
        md.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ").append(System.getProperty("os.name"))
                .append(' ').append(System.getProperty("os.arch")).append(", ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.version")).append(" (max heap ").append(Runtime.getRuntime().maxMemory() / (1024 * 1024))
                .append(" MiB), load average ").append(loadBefore).append(" before and ").append(loadAverage()).append(" after, ")
                .append(LocalDate.now()).append(". MilvusRestClient.snapshot() with parallelism ").append(PARALLELISM)
                .append(" and request timeout ").append(REQUEST_TIMEOUT.toSeconds())
                .append(" s (the tool's), against SimulatedMilvusDataPlane"
                        + " over http on loopback in the same JVM; one warm-up snapshot per size, then the measured ones.\n\n");
        md.append("| collections | measured snapshots | wall time (median / max) | requests per snapshot | requests per collection"
                + " | requests per second | most requests in flight | heap held by one snapshot | peak RSS of this JVM so far | failed "
                + "snapshots |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Size s : results) {
            List<Double> ms = s.nanos().stream().map(n -> n / 1e6).toList();
            long minReq = Collections.min(s.requests());
            long maxReq = Collections.max(s.requests());
            long totalReq = s.requests().stream().mapToLong(Long::longValue).sum();
            double totalSeconds = s.nanos().stream().mapToLong(Long::longValue).sum() / 1e9;
            md.append("| ").append(String.valueOf(s.collections())).append(" | ").append(s.runs()).append(" | ")
                    .append(millis(UpgradeBenchmark.median(ms))).append(" / ").append(millis(Collections.max(ms))).append(" | ")
                    .append(minReq == maxReq ? String.valueOf(minReq) : minReq + " to " + maxReq).append(" | ")
                    .append(String.format("%.2f", totalReq / (double) s.runs() / s.collections())).append(" | ")
                    .append(String.format("%.0f", totalReq / totalSeconds)).append(" | ").append(s.maxInFlight()).append(" | ")
                    .append(s.snapshotBytes() / 1024).append(" KiB").append(" | ")
                    .append(s.peakRssKib() < 0 ? "n/a" : s.peakRssKib() / 1024 + " MiB").append(" | ").append(s.failures().size())
                    .append(" |\n");
        }
        md.append("\nThe check after a stage (issue 20): `snapshot(baseline)` reads back the baseline's sampled keys with entities/get,"
                + " then `DataCheck.compare`; a baseline `snapshot()` samples them (both include count(*) per loaded collection).\n\n");
        md.append("| collections | loaded (count(*) + sample each) | check after a stage: wall time (median / max) | requests "
                + "|\n|---|---|---|---|\n");
        for (Size s : results) {
            List<Double> ms = s.stageNanos().stream().map(n -> n / 1e6).toList();
            md.append("| ").append(s.collections()).append(" | ").append(s.loaded()).append(" | ")
                    .append(millis(UpgradeBenchmark.median(ms)))
                    .append(" / ").append(millis(Collections.max(ms))).append(" | ").append(Collections.max(s.stageRequests()))
                    .append(" |\n");
        }
        results.stream().flatMap(s -> s.failures().stream().map(f -> s.collections() + " collections: " + f))
                .forEach(f -> md.append("\n- ").append(f));
        System.out.println();
        System.out.println(md);
        System.exit(0); // the simulators' and clients' threads are daemons, but end the same way as UpgradeBenchmark
    }

    /**
     * One simulator holding {@code total} collections; one warm-up snapshot, then {@code runs} measured ones. A snapshot that
     * ends with {@link MilvusData.Unreachable} is not measured but counted and reported (with its message and how long it ran),
     * and another is taken in its place (at most {@code 2 * runs + 1} snapshots in all, the warm-up included).
     */
    static Size measure(int total, int runs) {
        if (total < 1) {
            throw new IllegalArgumentException("at least one collection");
        }
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            if (total < SEEDED) {
                milvus.loseCollection("analytics", "events");
                if (total < 2) {
                    milvus.loseCollection(DB, "archive");
                }
            }
            milvus.addCollections(DB, Math.max(0, total - SEEDED));
            MilvusRestClient client = new MilvusRestClient(MilvusEndpoint.of(milvus.uri()), PARALLELISM, REQUEST_TIMEOUT);
            List<String> failures = new ArrayList<>();
            List<Long> nanos = new ArrayList<>();
            List<Long> requests = new ArrayList<>();
            List<DataSnapshot> held = new ArrayList<>(1);
            boolean warm = false;
            int attempts = 0;
            while (nanos.size() < runs && attempts < 2 * runs + 1) {
                attempts++;
                long before = milvus.requests();
                long start = System.nanoTime();
                DataSnapshot s;
                try {
                    s = client.snapshot();
                } catch (MilvusData.Unreachable e) {
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    String failure = (warm ? "measured" : "warm-up") + " snapshot failed after " + ms + " ms and "
                            + (milvus.requests() - before)
                            + " requests: " + e.getMessage();
                    System.err.println("snapshot benchmark, " + total + " collections: " + failure);
                    failures.add(failure);
                    continue;
                }
                long elapsed = System.nanoTime() - start;
                check(s, total);
                if (warm) {
                    requests.add(milvus.requests() - before);
                    nanos.add(elapsed);
                    held.clear();
                    held.add(s);
                } else {
                    warm = true; // the warm-up: class loading, JIT, connections; not part of the figures
                }
            }
            if (nanos.isEmpty()) {
                throw new IllegalStateException("no snapshot of " + total + " collections succeeded: " + failures);
            }
            System.err.println("snapshot benchmark, " + total + " collections: " + nanos.size() + " measured, " + failures.size()
                    + " failed");
            DataSnapshot baseline = held.get(0);
            List<Long> stageNanos = new ArrayList<>();
            List<Long> stageRequests = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long before = milvus.requests();
                long start = System.nanoTime();
                DataSnapshot after = client.snapshot(baseline);
                List<DataCheck.Difference> found = DataCheck.compare(baseline, after);
                stageNanos.add(System.nanoTime() - start);
                stageRequests.add(milvus.requests() - before);
                if (!found.isEmpty()) {
                    throw new IllegalStateException("the check after a stage found differences in an unchanged simulator: "
                            + found.get(0).describe());
                }
            }
            int loaded = (int) baseline.databases().stream().flatMap(d -> d.collections().stream()).filter(DataSnapshot.Collection::counted)
                    .count();
            long holding = heapAfterGc();
            held.clear();
            long snapshotBytes = holding - heapAfterGc();
            return new Size(total, nanos.size(), nanos, requests, failures, milvus.maxConcurrentRequests(), snapshotBytes, peakRssKib(),
                    stageNanos, stageRequests, loaded);
        }
    }

    /** A snapshot that missed collections would make the figures meaningless. */
    static void check(DataSnapshot s, int total) {
        if (s.collectionCount() != total) {
            throw new IllegalStateException("the snapshot read " + s.collectionCount() + " collections, not " + total);
        }
    }

    /** Heap in use after a full collection (System.gc() is a full collection with the default G1 and not disabled here). */
    static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** VmHWM of /proc/self/status in KiB (the peak resident set since this JVM started), or -1 where there is none. */
    static long peakRssKib() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM:"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1L);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The 1-minute load average (/proc/loadavg): the machine is shared, and the times depend on it. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    static List<Integer> ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(x -> !x.isEmpty()).map(Integer::parseInt).toList();
    }

    static String millis(double v) {
        return String.format("%.0f ms", v);
    }
}

package dev.milvusupgrade.sim;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The world the {@code demo} command runs the tool against: an embedded API server with a simulated Milvus Operator
 * 1.3.8, and either one Milvus cluster with its data plane and a milvus-backup server, or a fleet of clusters. It
 * says what it built, one line at a time, to {@code say}; the command wires the tool to {@link #client()}.
 */
public final class DemoWorld implements AutoCloseable {

    /** The operator release the demo installs (FACTS §5 "The operator's own Deployment"). */
    static final String OPERATOR_VERSION = "1.3.8";
    private static final String NODELAY = "sun.net.httpserver.nodelay";

    private final List<AutoCloseable> parts = new ArrayList<>();
    private final EmbeddedApiServer api;
    private SimulatedMilvusDataPlane data;
    private SimulatedMilvusBackup backup;

    private DemoWorld(Duration stepDelay, Consumer<String> say) {
        nodelay();
        api = new EmbeddedApiServer();
        parts.add(api);
        try {
            KubernetesClient operatorClient = api.newClient();
            parts.add(operatorClient);
            SimulatedMilvusOperator operator = new SimulatedMilvusOperator(operatorClient,
                    SimulatorOptions.fast().withStepDelay(stepDelay));
            parts.add(operator);
            operator.start();
            SimulatedCluster.seedOperatorDeployment(api.client(), OPERATOR_VERSION);
            say.accept("demo: embedded API server at " + api.url() + " with a simulated Milvus Operator " + OPERATOR_VERSION);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * One cluster-mode Milvus {@code namespace/release} on {@code fromImage} with separate coordinators, Healthy, with
     * Milvus's data plane behind its proxies (reached through the real RESTful API client) and milvus-backup's REST
     * server; with {@code issue47806} writes hang once the proxies run 2.6 (milvus#47806).
     */
    public static DemoWorld single(String namespace, String release, String fromImage, Duration stepDelay, boolean issue47806,
            Consumer<String> say) {
        DemoWorld w = new DemoWorld(stepDelay, say);
        try {
            w.data = w.add(new SimulatedMilvusDataPlane(w.api.client(), namespace, release));
            w.backup = w.add(new SimulatedMilvusBackup());
            SimulatedCluster.seedMilvus(w.client(), namespace, release, fromImage, SimulatedCluster.Layout.FOUR_COORDS, "pulsar",
                    Duration.ofSeconds(30));
            if (issue47806) {
                w.data.reproduce47806();
            }
            say.accept("demo: milvus-backup server at " + w.backup.uri());
            say.accept("demo: Milvus data plane (RESTful API) at " + w.data.uri() + ": " + String.join(", ", w.data.databases())
                    + (issue47806 ? "; milvus#47806 reproduced: writes will hang once the proxies run 2.6" : ""));
            say.accept("demo: Milvus " + namespace + "/" + release + " is Healthy on " + fromImage
                    + " with separate coordinators (root, data, query, index)");
            return w;
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    /**
     * {@code clusters} cluster-mode Milvus instances {@code milvus-1..n} spread over {@code namespaces}, each labelled
     * {@code labels}, the last one also {@code canaryLabel=true}, all seeded side by side until Healthy on
     * {@code fromImage}. No data plane: the simulated one serves one cluster, not a fleet.
     */
    public static DemoWorld fleet(List<String> namespaces, int clusters, Map<String, String> labels, String canaryLabel, String fromImage,
            Duration stepDelay, Consumer<String> say) {
        DemoWorld w = new DemoWorld(stepDelay, say);
        try {
            List<GenericKubernetesResource> members = new ArrayList<>();
            for (int i = 0; i < clusters; i++) {
                String ns = namespaces.get(i % namespaces.size());
                GenericKubernetesResource m = SimulatedCluster.milvusResource(ns, "milvus-" + (i + 1), fromImage,
                        SimulatedCluster.Layout.FOUR_COORDS, "pulsar");
                Map<String, String> own = new HashMap<>(labels);
                if (i == clusters - 1) {
                    // The last cluster carries the canary label: the fleet's order puts it first whatever its name.
                    own.put(canaryLabel, "true");
                }
                m.getMetadata().setLabels(own);
                members.add(m);
            }
            // Seeded side by side: each waits until the simulated operator reports it Healthy.
            ExecutorService seeders = Executors.newFixedThreadPool(Math.min(clusters, 16));
            try {
                CompletableFuture.allOf(members.stream().map(m -> CompletableFuture.runAsync(
                        () -> SimulatedCluster.seedMilvus(w.client(), m, Duration.ofSeconds(60)), seeders))
                        .toArray(CompletableFuture[]::new)).join();
            } finally {
                seeders.shutdown();
            }
            GenericKubernetesResource canary = members.get(clusters - 1);
            String selector = String.join(",", labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
            say.accept("demo: " + clusters + " Milvus clusters labelled " + selector + " in " + String.join(", ", namespaces)
                    + ", all Healthy on " + fromImage + " with separate coordinators; " + canary.getMetadata().getNamespace() + "/"
                    + canary.getMetadata().getName() + " is labelled " + canaryLabel);
            return w;
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    /**
     * The JDK HTTP server behind the simulated Milvus and milvus-backup writes headers and body separately and leaves
     * Nagle's algorithm on unless this property says otherwise, read once when its configuration class loads: every
     * answer would then wait some 40 ms for the client's delayed ACK (Milvus's Go server sets TCP_NODELAY). Set here, at
     * run time and for the demo only, before the first server starts; the tests set it in the build (pom.xml surefire).
     */
    private void nodelay() {
        if (System.getProperty(NODELAY) == null) {
            System.setProperty(NODELAY, "true");
        }
    }

    private <T extends AutoCloseable> T add(T part) {
        parts.add(part);
        return part;
    }

    /** A client of the embedded API server for the tool. */
    public KubernetesClient client() {
        return api.client();
    }

    /** Milvus's RESTful API of the single cluster; empty for a fleet. */
    public Optional<URI> milvusUri() {
        return Optional.ofNullable(data).map(SimulatedMilvusDataPlane::uri);
    }

    /** milvus-backup's REST server of the single cluster; empty for a fleet. */
    public Optional<URI> backupUri() {
        return Optional.ofNullable(backup).map(SimulatedMilvusBackup::uri);
    }

    /** Closes what it built, the last built first. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing the demo world", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        parts.clear();
        if (failure != null) {
            throw failure;
        }
    }
}

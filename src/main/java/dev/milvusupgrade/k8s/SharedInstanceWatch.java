package dev.milvusupgrade.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One Milvus informer and one Deployment informer for a whole fleet, in one namespace or in all:
 * every wait of a fleet run reads these caches and is told of its own instance's changes only, so the
 * fleet costs two watch streams and two initial lists however many instances it waits on. Deployments
 * are cached only if they carry the operator's {@code app.kubernetes.io/instance} label, and are
 * indexed by {@code namespace/instance}, so a lookup does not scan the fleet's Deployments.
 */
public final class SharedInstanceWatch implements InstanceWatch, AutoCloseable {

    /** How long the constructor waits for both informers' first list unless told otherwise. */
    public static final Duration DEFAULT_SYNC_TIMEOUT = Duration.ofMinutes(2);

    /**
     * The labels the Milvus operator puts on every component Deployment it makes (NewComponentAppLabels, merged into
     * the Deployment's labels in deployment_updater.go): only those are cached, so a foreign Deployment that happens to
     * carry app.kubernetes.io/instance is neither held in memory nor counted as a Milvus component.
     */
    static final Map<String, String> OPERATOR_WORKLOAD = Map.of(MilvusApi.LABEL_MANAGED_BY, "milvus-operator",
            MilvusApi.LABEL_NAME, "milvus");

    /** The Deployment index: {@code namespace/<app.kubernetes.io/instance>}. */
    static final String BY_INSTANCE = "by-instance";

    private final Optional<String> namespace;
    private final SharedIndexInformer<GenericKubernetesResource> milvuses;
    private final SharedIndexInformer<Deployment> deployments;
    /** Subscribers by {@code namespace/name}; a key is removed with its last subscriber. */
    private final ConcurrentMap<String, Set<Subscription>> subscribers = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Starts both informers and waits up to {@link #DEFAULT_SYNC_TIMEOUT} for their first list. */
    public SharedInstanceWatch(KubernetesClient client, Optional<String> namespace) {
        this(client, namespace, DEFAULT_SYNC_TIMEOUT);
    }

    /**
     * Starts both informers and waits up to {@code syncTimeout} for their first list.
     *
     * @param namespace the one namespace to watch, or empty for all namespaces
     * @throws KubernetesClientException if either informer failed to list or watch, or did not sync in time (both are stopped then)
     */
    public SharedInstanceWatch(KubernetesClient client, Optional<String> namespace, Duration syncTimeout) {
        this.namespace = Objects.requireNonNull(namespace);
        Informable<GenericKubernetesResource> m = namespace.isPresent()
                ? client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(namespace.get())
                : client.genericKubernetesResources(MilvusApi.MILVUS).inAnyNamespace();
        Informable<Deployment> d = namespace.isPresent()
                ? client.apps().deployments().inNamespace(namespace.get()).withLabels(OPERATOR_WORKLOAD).withLabel(MilvusApi.LABEL_INSTANCE)
                : client.apps().deployments().inAnyNamespace().withLabels(OPERATOR_WORKLOAD).withLabel(MilvusApi.LABEL_INSTANCE);
        milvuses = m.runnableInformer(0);
        deployments = d.runnableInformer(0);
        // Indexers and handlers before start: the first list is then indexed and announced like any later change.
        deployments.addIndexers(Map.of(BY_INSTANCE, dep -> {
            String key = deploymentKey(dep);
            return key == null ? List.of() : List.of(key);
        }));
        milvuses.addEventHandler(new Notify<>(SharedInstanceWatch::milvusKey));
        deployments.addEventHandler(new Notify<>(SharedInstanceWatch::deploymentKey));
        try {
            CompletableFuture.allOf(milvuses.start().toCompletableFuture(), deployments.start().toCompletableFuture())
                    .get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new KubernetesClientException("interrupted while starting the shared Milvus and Deployment informers");
        } catch (RuntimeException e) {
            close();
            throw e;
        } catch (ExecutionException | TimeoutException e) {
            close();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            String what = e instanceof TimeoutException ? "did not sync within " + syncTimeout : "could not start";
            throw new KubernetesClientException("the shared Milvus and Deployment informers (" + where() + ") " + what + ": " + cause,
                    cause);
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if this watch is for another namespace
     * @throws IllegalStateException if this watch is closed
     */
    @Override
    public View open(String namespace, String name, Runnable onChange) {
        if (this.namespace.isPresent() && !this.namespace.get().equals(namespace)) {
            throw new IllegalArgumentException("this shared watch sees namespace " + this.namespace.get() + " only, not " + namespace);
        }
        if (closed) {
            throw new IllegalStateException("the shared watch is closed");
        }
        Subscription s = new Subscription(namespace + "/" + name, Objects.requireNonNull(onChange));
        subscribers.compute(s.key, (k, set) -> {
            Set<Subscription> to = set == null ? ConcurrentHashMap.newKeySet() : set;
            to.add(s);
            return to;
        });
        return s;
    }

    /** How many instances have at least one open view: for tests and diagnostics. */
    int subscribedInstances() {
        return subscribers.size();
    }

    /** The {@code namespace/name} of every cached Milvus resource: for tests and diagnostics. */
    List<String> cachedInstances() {
        return milvuses.getStore().listKeys();
    }

    /** Every cached Deployment: for tests and diagnostics. */
    List<Deployment> cachedDeployments() {
        return deployments.getStore().list();
    }

    /** Stops both informers; open views then see the caches as they were and hear of no more changes. */
    @Override
    public void close() {
        closed = true;
        try {
            deployments.close();
        } finally {
            milvuses.close();
        }
    }

    private String where() {
        return namespace.map(n -> "namespace " + n).orElse("all namespaces");
    }

    private static String milvusKey(GenericKubernetesResource m) {
        return m.getMetadata().getNamespace() + "/" + m.getMetadata().getName();
    }

    private static String deploymentKey(HasMetadata d) {
        Map<String, String> labels = d.getMetadata().getLabels();
        String instance = labels == null ? null : labels.get(MilvusApi.LABEL_INSTANCE);
        return instance == null ? null : d.getMetadata().getNamespace() + "/" + instance;
    }

    private void tell(String key) {
        if (key == null) {
            return;
        }
        Set<Subscription> set = subscribers.get(key);
        if (set == null) {
            return;
        }
        RuntimeException first = null;
        for (Subscription s : set) {
            try {
                s.onChange.run();
            } catch (RuntimeException e) {
                // One failing subscriber must not starve the others; the informer logs what we rethrow.
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Tells the subscribers of the object's instance; an update that moved an object tells both. */
    private final class Notify<T> implements ResourceEventHandler<T> {
        private final Function<T, String> key;

        Notify(Function<T, String> key) {
            this.key = key;
        }

        @Override
        public void onAdd(T obj) {
            SharedInstanceWatch.this.tell(key.apply(obj));
        }

        @Override
        public void onUpdate(T oldObj, T newObj) {
            String before = key.apply(oldObj);
            String after = key.apply(newObj);
            SharedInstanceWatch.this.tell(after);
            if (before != null && !before.equals(after)) {
                SharedInstanceWatch.this.tell(before);
            }
        }

        @Override
        public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            SharedInstanceWatch.this.tell(key.apply(obj));
        }
    }

    /** One open view: identity matters, so two views with the same callback are two subscribers. */
    private final class Subscription implements View {
        private final String key;
        private final Runnable onChange;

        Subscription(String key, Runnable onChange) {
            this.key = key;
            this.onChange = onChange;
        }

        @Override
        public Optional<GenericKubernetesResource> milvus() {
            return Optional.ofNullable(milvuses.getStore().getByKey(key));
        }

        @Override
        public List<Deployment> deployments() {
            return deployments.getIndexer().byIndex(BY_INSTANCE, key);
        }

        @Override
        public void close() {
            subscribers.computeIfPresent(key, (k, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
        }
    }
}

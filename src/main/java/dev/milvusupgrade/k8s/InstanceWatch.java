package dev.milvusupgrade.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Optional;

/**
 * Where a stage wait gets its cached view of one Milvus instance (the resource and its Deployments)
 * and its change notifications. Single-cluster runs open informers scoped to the one instance
 * ({@link #perInstance}); a fleet run shares one informer per resource type among all its waits
 * ({@link SharedInstanceWatch}), so the API cost grows with changes, not with the number of instances.
 */
public interface InstanceWatch {

    /**
     * Starts watching instance {@code namespace/name}; {@code onChange} runs (on an informer thread, so
     * it must be quick) after any add, update or delete of its Milvus resource or of one of its
     * Deployments has reached the cache. The view is only a fast path: it may lag behind the server.
     */
    View open(String namespace, String name, Runnable onChange);

    /** One open subscription to one instance; closing it stops the notifications. */
    interface View extends AutoCloseable {

        /** The cached Milvus resource, empty if the cache has none (deleted, or not seen yet). */
        Optional<GenericKubernetesResource> milvus();

        /** The cached Deployments labelled with the instance's name in its namespace. */
        List<Deployment> deployments();

        @Override
        void close();
    }

    /**
     * Two informers for each {@link #open}, scoped to that instance (one Milvus resource by name, its
     * Deployments by label), started when opened and stopped when closed: cheap for one cluster.
     */
    static InstanceWatch perInstance(KubernetesClient client) {
        return new PerInstanceWatch(client);
    }
}

package dev.milvusupgrade.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Optional;

/**
 * Two informers per open view, scoped to the one instance: what a single-cluster run needs. Opening
 * blocks until both have listed, as {@code inform} does.
 */
final class PerInstanceWatch implements InstanceWatch {

    private final KubernetesClient client;

    PerInstanceWatch(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public View open(String namespace, String name, Runnable onChange) {
        SharedIndexInformer<GenericKubernetesResource> milvus = client.genericKubernetesResources(MilvusApi.MILVUS)
                .inNamespace(namespace).withName(name).inform(new OnChange<>(onChange), 0);
        SharedIndexInformer<Deployment> deployments;
        try {
            deployments = client.apps().deployments().inNamespace(namespace).withLabel(MilvusApi.LABEL_INSTANCE, name)
                    .inform(new OnChange<>(onChange), 0);
        } catch (RuntimeException e) {
            milvus.close();
            throw e;
        }
        String key = namespace + "/" + name;
        return new View() {
            @Override
            public Optional<GenericKubernetesResource> milvus() {
                return Optional.ofNullable(milvus.getStore().getByKey(key));
            }

            @Override
            public List<Deployment> deployments() {
                return deployments.getStore().list();
            }

            @Override
            public void close() {
                try {
                    deployments.close();
                } finally {
                    milvus.close();
                }
            }
        };
    }

    /** Runs the callback on every event. */
    static final class OnChange<T> implements ResourceEventHandler<T> {
        private final Runnable onChange;

        OnChange(Runnable onChange) {
            this.onChange = onChange;
        }

        @Override
        public void onAdd(T obj) {
            onChange.run();
        }

        @Override
        public void onUpdate(T oldObj, T newObj) {
            onChange.run();
        }

        @Override
        public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            onChange.run();
        }
    }
}

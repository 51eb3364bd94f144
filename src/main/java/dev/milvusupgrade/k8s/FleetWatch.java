package dev.milvusupgrade.k8s;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The fleet's shared informers: one pair across all namespaces ({@code namespaces} empty), else one pair per namespace. */
public final class FleetWatch implements InstanceWatch, AutoCloseable {
    private final Map<String, SharedInstanceWatch> byNamespace = new HashMap<>();
    private final Optional<SharedInstanceWatch> all;

    FleetWatch(KubernetesClient client, List<String> namespaces) {
        all = namespaces.isEmpty() ? Optional.of(new SharedInstanceWatch(client, Optional.empty())) : Optional.empty();
        try {
            namespaces.forEach(ns -> byNamespace.put(ns, new SharedInstanceWatch(client, Optional.of(ns))));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public View open(String namespace, String name, Runnable onChange) {
        return all.orElseGet(() -> byNamespace.get(namespace)).open(namespace, name, onChange);
    }

    @Override
    public void close() {
        all.ifPresent(SharedInstanceWatch::close);
        byNamespace.values().forEach(SharedInstanceWatch::close);
    }
}

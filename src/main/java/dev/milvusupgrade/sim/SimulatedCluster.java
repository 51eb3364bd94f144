package dev.milvusupgrade.sim;

import dev.milvusupgrade.k8s.MilvusApi;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Seeds the state a real install has: the operator's Deployment and a Milvus instance it brought up. */
public final class SimulatedCluster {

    /** The coordinator layout of a seeded instance. */
    public enum Layout { FOUR_COORDS, MIXCOORD }

    private SimulatedCluster() {
    }

    /**
     * Creates a cluster-mode Milvus on {@code image} and waits, bounded by {@code timeout}, until the
     * simulated operator reports it Healthy and Updated on that image.
     */
    public static GenericKubernetesResource seedMilvus(KubernetesClient client, String namespace, String name, String image, Layout layout,
            String msgStreamType, Duration timeout) {
        Map<String, Object> components = new LinkedHashMap<>();
        components.put("image", image);
        if (layout == Layout.FOUR_COORDS) {
            for (String c : List.of("rootCoord", "dataCoord", "queryCoord", "indexCoord")) {
                components.put(c, Map.of("replicas", 1));
            }
        } else {
            components.put("mixCoord", Map.of("replicas", 1));
        }
        GenericKubernetesResource m = new GenericKubernetesResource();
        m.setApiVersion(MilvusApi.API_VERSION);
        m.setKind(MilvusApi.KIND);
        m.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).withAnnotations(new LinkedHashMap<>()).build());
        m.setAdditionalProperty("spec", Map.of("mode", "cluster", "components", components, "dependencies", Map.of("msgStreamType", msgStreamType)));
        return seedMilvus(client, m, timeout);
    }

    /**
     * Creates {@code milvus} as given (a sample CR, say) and waits, bounded by {@code timeout}, until
     * the simulated operator reports it Healthy and Updated on the image its spec ends up with.
     */
    public static GenericKubernetesResource seedMilvus(KubernetesClient client, GenericKubernetesResource milvus, Duration timeout) {
        String namespace = milvus.getMetadata().getNamespace();
        String name = milvus.getMetadata().getName();
        client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(namespace).resource(milvus).create();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            GenericKubernetesResource now = client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(namespace).withName(name).get();
            Map<?, ?> status = now.getAdditionalProperties().get("status") instanceof Map<?, ?> s ? s : Map.of();
            Map<?, ?> spec = now.getAdditionalProperties().get("spec") instanceof Map<?, ?> s ? s : Map.of();
            Object image = spec.get("components") instanceof Map<?, ?> c ? c.get("image") : null;
            if ("Healthy".equals(status.get("status")) && image != null && image.equals(status.get("currentImage"))
                    && now.getMetadata().getGeneration().equals(((Number) status.get("observedGeneration")).longValue())) {
                return now;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("simulated Milvus " + namespace + "/" + name + " did not become Healthy on " + image
                        + " within " + timeout + "; status: " + status);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** The operator's own Deployment as the documented Helm install creates it. */
    public static void seedOperatorDeployment(KubernetesClient client, String version) {
        Map<String, String> labels = Map.of("app.kubernetes.io/name", "milvus-operator", "app.kubernetes.io/instance", "milvus-operator");
        Map<String, String> all = new LinkedHashMap<>(labels);
        all.put(MilvusApi.LABEL_VERSION, version);
        all.put("app.kubernetes.io/managed-by", "Helm");
        all.put("helm.sh/chart", "milvus-operator-" + version);
        client.apps().deployments().inNamespace(MilvusApi.OPERATOR_NAMESPACE).resource(new DeploymentBuilder()
                .withNewMetadata().withName(MilvusApi.OPERATOR_DEPLOYMENT).withNamespace(MilvusApi.OPERATOR_NAMESPACE).withLabels(all).endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("manager").withImage("milvusdb/milvus-operator:v" + version)
                .withArgs("-namespace", MilvusApi.OPERATOR_NAMESPACE, "-name", MilvusApi.OPERATOR_DEPLOYMENT).endContainer().endSpec()
                .endTemplate().endSpec().build()).createOr(existing -> existing.update());
    }
}

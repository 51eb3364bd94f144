package dev.milvusupgrade.sim;

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
        return seedMilvus(client, milvusResource(namespace, name, image, layout, msgStreamType), timeout);
    }

    /**
     * The cluster-mode Milvus resource {@link #seedMilvus(KubernetesClient, String, String, String, Layout, String, Duration)}
     * creates, not yet created: its {@code spec} and {@code spec.components} maps are mutable, so a test can add fields
     * (say {@code rollingMode: 3} or {@code streamingMode: false}) and pass it to
     * {@link #seedMilvus(KubernetesClient, GenericKubernetesResource, Duration)}.
     */
    public static GenericKubernetesResource milvusResource(String namespace, String name, String image, Layout layout,
            String msgStreamType) {
        Map<String, Object> components = new LinkedHashMap<>();
        components.put("image", image);
        if (layout == Layout.FOUR_COORDS) {
            for (String c : List.of("rootCoord", "dataCoord", "queryCoord", "indexCoord")) {
                components.put(c, new LinkedHashMap<>(Map.of("replicas", 1)));
            }
        } else {
            components.put("mixCoord", new LinkedHashMap<>(Map.of("replicas", 1)));
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("mode", "cluster");
        spec.put("components", components);
        spec.put("dependencies", new LinkedHashMap<>(Map.of("msgStreamType", msgStreamType)));
        GenericKubernetesResource m = new GenericKubernetesResource();
        m.setApiVersion(OperatorFacts.API_VERSION);
        m.setKind(OperatorFacts.KIND);
        m.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).withAnnotations(new LinkedHashMap<>()).build());
        m.setAdditionalProperty("spec", spec);
        return m;
    }

    /**
     * Creates {@code milvus} as given (a sample CR, say) and waits, bounded by {@code timeout}, until
     * the simulated operator reports it Healthy and Updated on the image its spec ends up with.
     */
    public static GenericKubernetesResource seedMilvus(KubernetesClient client, GenericKubernetesResource milvus, Duration timeout) {
        String namespace = milvus.getMetadata().getNamespace();
        String name = milvus.getMetadata().getName();
        client.genericKubernetesResources(OperatorFacts.MILVUS).inNamespace(namespace).resource(milvus).create();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            GenericKubernetesResource now = client.genericKubernetesResources(OperatorFacts.MILVUS).inNamespace(namespace).withName(name)
                    .get();
            Map<?, ?> status = now.getAdditionalProperties().get("status") instanceof Map<?, ?> s ? s : Map.of();
            Map<?, ?> spec = now.getAdditionalProperties().get("spec") instanceof Map<?, ?> s ? s : Map.of();
            Object image = spec.get("components") instanceof Map<?, ?> c ? c.get("image") : null;
            // An operator older than 1.3.0 never writes currentImage (FACTS.md §8.8): MilvusUpdated True stands for it there.
            boolean onImage = image != null
                    && (status.containsKey("currentImage") ? image.equals(status.get("currentImage")) : updated(status));
            if ("Healthy".equals(status.get("status")) && onImage && status.get("observedGeneration") instanceof Number observed
                    && now.getMetadata().getGeneration().equals(observed.longValue())) {
                return now;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("simulated Milvus " + namespace + "/" + name + " did not become Healthy on " + image
                        + " within " + timeout + "; status: " + status);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private static boolean updated(Map<?, ?> status) {
        return status.get("conditions") instanceof List<?> conditions && conditions.stream().anyMatch(c -> c instanceof Map<?, ?> m
                && "MilvusUpdated".equals(m.get("type")) && "True".equals(m.get("status")));
    }

    /** The operator's own Deployment as the documented Helm install creates it. */
    public static void seedOperatorDeployment(KubernetesClient client, String version) {
        seedOperatorDeployment(client, version, "v" + version);
    }

    /**
     * The operator's own Deployment with a chart whose {@code app.kubernetes.io/version} (and {@code helm.sh/chart})
     * say {@code labelVersion} while the {@code manager} container runs {@code milvusdb/milvus-operator:<imageTag>}:
     * the label is the chart's AppVersion, the running tag is {@code image.tag | default AppVersion}, so the two can
     * disagree after {@code helm upgrade --reuse-values} or with a mirrored image (FACTS.md §8.8;
     * charts/milvus-operator/templates/_helpers.tpl, templates/deployment.yaml). {@code imageTag} is used as given:
     * {@code "v1.2.8"}, or {@code "1.3.8"} as the chart renders an empty {@code image.tag}.
     */
    public static void seedOperatorDeployment(KubernetesClient client, String labelVersion, String imageTag) {
        Map<String, String> labels = Map.of("app.kubernetes.io/name", "milvus-operator", "app.kubernetes.io/instance", "milvus-operator");
        Map<String, String> all = new LinkedHashMap<>(labels);
        all.put(OperatorFacts.LABEL_VERSION, labelVersion);
        all.put("app.kubernetes.io/managed-by", "Helm");
        all.put("helm.sh/chart", "milvus-operator-" + labelVersion);
        client.apps().deployments().inNamespace(OperatorFacts.OPERATOR_NAMESPACE).resource(new DeploymentBuilder()
                .withNewMetadata().withName(OperatorFacts.OPERATOR_DEPLOYMENT).withNamespace(OperatorFacts.OPERATOR_NAMESPACE)
                .withLabels(all).endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("manager").withImage("milvusdb/milvus-operator:" + imageTag)
                .withArgs("-namespace", OperatorFacts.OPERATOR_NAMESPACE, "-name", OperatorFacts.OPERATOR_DEPLOYMENT).endContainer()
                .endSpec()
                .endTemplate().endSpec().build()).createOr(existing -> existing.update());
    }
}

package dev.milvusupgrade.sim;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.testing.Await;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One simulated cluster for operator-level tests: the embedded API server, the simulated operator on
 * its own client (as run/ScenarioCluster starts them), and reads and merge patches of the Milvus
 * resource as a person with kubectl would make them.
 */
final class SimHarness implements AutoCloseable {

    static final String NS = "milvus";
    static final String NAME = "my-release";
    static final Duration WAIT = Duration.ofSeconds(20);

    final EmbeddedApiServer api = new EmbeddedApiServer();
    final KubernetesClient client = api.client();
    private final KubernetesClient operatorClient = api.newClient();
    final SimulatedMilvusOperator operator;
    private final AtomicInteger pokes = new AtomicInteger();

    SimHarness(SimulatorOptions options) {
        operator = new SimulatedMilvusOperator(operatorClient, options);
        operator.start();
    }

    SimHarness() {
        this(SimulatorOptions.fast());
    }

    GenericKubernetesResource seed(String image, SimulatedCluster.Layout layout) {
        return SimulatedCluster.seedMilvus(client, NS, NAME, image, layout, "pulsar", WAIT);
    }

    /** The resource {@link #seed} would create, to add fields to before {@link #seed(GenericKubernetesResource)}. */
    static GenericKubernetesResource resource(String image, SimulatedCluster.Layout layout) {
        return SimulatedCluster.milvusResource(NS, NAME, image, layout, "pulsar");
    }

    GenericKubernetesResource seed(GenericKubernetesResource milvus) {
        return SimulatedCluster.seedMilvus(client, milvus, WAIT);
    }

    GenericKubernetesResource milvus() {
        return client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(NS).withName(NAME).get();
    }

    /** A JSON merge patch of the Milvus resource, e.g. {@code {"spec":{"components":{"image":"..."}}}}. */
    void patch(String json) {
        client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(NS).withName(NAME)
                .patch(PatchContext.of(PatchType.JSON_MERGE), json);
    }

    static Map<String, Object> spec(GenericKubernetesResource m) {
        return Unstructured.map(m.getAdditionalProperties().get("spec"));
    }

    static Map<String, Object> components(GenericKubernetesResource m) {
        return Unstructured.map(spec(m).get("components"));
    }

    static Map<String, Object> status(GenericKubernetesResource m) {
        return Unstructured.map(m.getAdditionalProperties().get("status"));
    }

    static Map<String, Object> condition(GenericKubernetesResource m, String type) {
        if (status(m).get("conditions") instanceof List<?> list) {
            return list.stream().map(Unstructured::map).filter(c -> type.equals(c.get("type"))).findFirst().orElse(Map.of());
        }
        return Map.of();
    }

    static boolean conditionIs(GenericKubernetesResource m, String type, String status) {
        return status.equals(condition(m, type).get("status"));
    }

    /** The operator has seen the current spec: status.observedGeneration equals metadata.generation. */
    static boolean observed(GenericKubernetesResource m) {
        return status(m).get("observedGeneration") instanceof Number n && m.getMetadata().getGeneration() == n.longValue();
    }

    /** FACTS.md §3 "How an external tool should decide": observed, Healthy, Ready, Updated and currentImage. */
    static boolean done(GenericKubernetesResource m, String image) {
        return observed(m) && "Healthy".equals(status(m).get("status")) && conditionIs(m, "MilvusReady", "True")
                && conditionIs(m, "MilvusUpdated", "True") && image.equals(status(m).get("currentImage"));
    }

    /** The operator's componentsDeployStatus entry of a component: {generation, image, status}. */
    static Map<String, Object> deployStatus(GenericKubernetesResource m, String component) {
        return Unstructured.map(Unstructured.map(status(m).get("componentsDeployStatus")).get(component));
    }

    /** The reason of the Progressing condition the operator recorded for a component. */
    static String progressingReason(GenericKubernetesResource m, String component) {
        if (Unstructured.map(deployStatus(m, component).get("status")).get("conditions") instanceof List<?> list) {
            return list.stream().map(Unstructured::map).filter(c -> "Progressing".equals(c.get("type")))
                    .map(c -> Unstructured.str(c.get("reason"))).findFirst().orElse("");
        }
        return "";
    }

    /** The component runs {@code image} and its rollout is Complete, as the operator's status says. */
    static boolean completeOn(GenericKubernetesResource m, String component, String image) {
        return image.equals(deployStatus(m, component).get("image")) && "NewReplicaSetAvailable".equals(progressingReason(m, component));
    }

    Optional<Deployment> deployment(String name) {
        return Optional.ofNullable(client.apps().deployments().inNamespace(NS).withName(name).get());
    }

    Deployment component(String component) {
        return deployment(NAME + "-milvus-" + component)
                .orElseThrow(() -> new AssertionError("no Deployment " + NAME + "-milvus-" + component));
    }

    List<String> deploymentNames() {
        return client.apps().deployments().inNamespace(NS).list().getItems().stream().map(d -> d.getMetadata().getName()).sorted().toList();
    }

    static String image(Deployment d) {
        return SimulatedDeploymentController.imageOf(d);
    }

    void await(String what, java.util.function.Predicate<GenericKubernetesResource> condition) {
        Await.until(WAIT, what, () -> condition.test(milvus()));
    }

    /**
     * Waits for {@code n} more reconcile passes of the operator: what a test then finds unchanged, the operator
     * left alone on each of them. An instance that is not Healthy and Updated gets a pass at least every
     * {@link SimulatorOptions#resync()}; {@link #pokeAndAwaitPasses} makes one for an instance that is.
     */
    void awaitPasses(int n) {
        long target = operator.passes() + n;
        Await.until(WAIT, n + " more reconcile passes", () -> operator.passes() >= target);
    }

    /** Changes an annotation of the Milvus resource (a change the operator ignores) {@code n} times, waiting for a pass after each. */
    void pokeAndAwaitPasses(int n) {
        for (int i = 0; i < n; i++) {
            long before = operator.passes();
            patch("{\"metadata\":{\"annotations\":{\"test.example.com/poke\":\"" + pokes.incrementAndGet() + "\"}}}");
            Await.until(WAIT, "a reconcile pass after a poke", () -> operator.passes() > before);
        }
    }

    @Override
    public void close() {
        operator.close();
        operatorClient.close();
        api.close();
    }
}

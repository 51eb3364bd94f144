package dev.milvusupgrade.sim;

import static dev.milvusupgrade.sim.OperatorComponents.followsDependencyGraph;
import static dev.milvusupgrade.sim.OperatorFacts.rollingLabel;
import static dev.milvusupgrade.sim.Unstructured.asInt;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;

/** What one reconcile pass derives from the Milvus resource once (the operator's ReconcileMilvus reads it once per pass). */
record ReconcilePass(String ns, String name, GenericKubernetesResource cr, Map<String, Object> components, String image, boolean ge26,
        boolean upgrading26, boolean legacy, List<String> expected, List<String> graph, long now) {

    /** deployments.go componentUsesTwoDeployments: the query node, or every component with rollingMode 3 (FACTS §8.1). */
    boolean twoDeployments(String comp) {
        return "querynode".equals(comp) || Integer.valueOf(3).equals(asInt(components.get("rollingMode")));
    }

    /** FACTS §2 imageUpdateMode; see {@link OperatorComponents#followsDependencyGraph}. */
    boolean rollingUpgrade() {
        return followsDependencyGraph(components);
    }

    /** FACTS §8.4: with enableManualMode the operator stops tracking replicas (components_types.go EnableManualMode). */
    boolean manual() {
        return Boolean.TRUE.equals(components.get("enableManualMode"));
    }

    boolean rolling(String comp) {
        Map<String, String> labels = cr.getMetadata().getLabels();
        return twoDeployments(comp) && labels != null && labels.containsKey(rollingLabel(comp));
    }
}

package dev.milvusupgrade.sim;

import static dev.milvusupgrade.sim.OperatorComponents.COORDS;
import static dev.milvusupgrade.sim.OperatorRollout.isUpdated;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;

/** Deletes what the 2.6 layout no longer has (pkg/controllers/deployments.go cleanup*IfNeeded; FACTS §4, §8.1, §8.2). */
final class OperatorCleanup {

    private final KubernetesClient client;

    OperatorCleanup(KubernetesClient client) {
        this.client = client;
    }

    /**
     * FACTS §4 step 1.5 and 2.5, §8.1, §8.2 (deployments.go ReconcileDeployments ~382-390, cleanupIndexNodeIfNeeded ~507,
     * cleanupCoordinatorsIfNeeded ~530): on 2.6 once the proxy is updated the index node goes, once mixcoord is updated
     * the separate coordinators go, each only while its spec is still there (HasCoordsSpec, components.go ~269), so
     * fields a patch removed by hand leave their Deployments for good. The index node cleanup runs first; the
     * operator's second cleanup of the same reconcile conflicts on the first's update, so one per pass here.
     * Returns whether it changed the spec. An operator before 1.3.0 has neither cleanup (FACTS §8.8).
     */
    boolean cleanUp(ReconcilePass p, Map<String, Object> spec, Map<String, Deployment> deployments) {
        if (p.legacy()) {
            return false;
        }
        Map<String, Object> components = p.components();
        boolean indexNodeCleanup = p.ge26() && components.get("indexNode") != null && isUpdated(p, "proxy", deployments);
        boolean coordsCleanup = components.get("mixCoord") != null && COORDS.stream().anyMatch(c -> components.get(c) != null)
                && isUpdated(p, "mixcoord", deployments);
        if (!indexNodeCleanup && !coordsCleanup) {
            return false;
        }
        for (String c : indexNodeCleanup ? List.of("indexNode") : COORDS) {
            // DeleteDeploymentsIfExists (deployments.go ~188-216) deletes <release>-milvus-<component> by exact name and
            // skips NotFound: with rollingMode 3 the Deployments are <release>-milvus-<component>-0/-1 and stay (FACTS §8.1).
            client.apps().deployments().inNamespace(p.ns()).withName(p.name() + "-milvus-" + c.toLowerCase()).delete();
            components.remove(c);
        }
        // No status was written in this pass, so cr still carries the resourceVersion this pass read: a
        // change made since (our tool's patch) makes this update conflict and the pass run again.
        p.cr().setAdditionalProperty("spec", spec);
        client.genericKubernetesResources(OperatorFacts.MILVUS).inNamespace(p.ns()).resource(p.cr()).update();
        return true;
    }
}

package dev.milvusupgrade.sim;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Plays Kubernetes' Deployment controller (kube-controller-manager) for the simulated operator: how long a rollout takes,
 * what a Deployment's status reports while it rolls, is paused or is done. The real one is a separate controller; here
 * the operator's pass asks it to report at the points where the real one would have reacted to the change, so the
 * order of writes is the one the simulator always had (no thread of its own). The conditions and reasons it reports
 * (Available, Progressing; NewReplicaSetAvailable, ReplicaSetUpdated, DeploymentPaused) are Kubernetes' own
 * (pkg/controller/deployment/util/deployment_util.go); the operator reads them (FACTS §3, §8.4).
 *
 * <p>Rollout time is simulated with annotations on the Deployment (no pods): {@link #READY_AT} when the current
 * rollout completes, {@link #ROLLOUT} whether it is a create or an update, {@link #HELD} a change held while paused.
 */
final class SimulatedDeploymentController {

    /** When the current rollout of a Deployment completes, epoch millis; {@link #NEVER} when stuck. */
    static final String READY_AT = "sim.milvus-upgrade.dev/ready-at";

    /** Whether the Deployment is being created (not available) or updated (old pods still serve). */
    static final String ROLLOUT = "sim.milvus-upgrade.dev/rollout";

    /** A pod-template change the Kubernetes Deployment controller does not roll out while the Deployment is paused. */
    static final String HELD = "sim.milvus-upgrade.dev/held";

    static final long NEVER = Long.MAX_VALUE;

    private final KubernetesClient client;
    private final SimulatorOptions options;

    SimulatedDeploymentController(KubernetesClient client, SimulatorOptions options) {
        this.client = client;
        this.options = options;
    }

    /** A new pod template: rolled out now, or held until the Deployment is resumed (old pods keep serving meanwhile). */
    void startRollout(Deployment d, String comp, boolean paused, long now) {
        Map<String, String> a = d.getMetadata().getAnnotations();
        a.put(ROLLOUT, "update");
        if (paused) {
            a.put(HELD, "true");
        } else {
            a.remove(HELD);
            a.put(READY_AT, Long.toString(readyAtFrom(comp, now)));
        }
    }

    long readyAtFrom(String comp, long now) {
        return options.stuckComponents().contains(comp) ? NEVER : now + options.delayOf(comp).toMillis();
    }

    /**
     * What Kubernetes' Deployment controller reports. A paused Deployment has Progressing Unknown/DeploymentPaused
     * (the operator's DeployState Paused, FACTS §8.4) and rolls nothing: its old pods keep serving.
     */
    Deployment syncDeploymentStatus(Deployment d, long now) {
        int replicas = replicasOf(d);
        boolean complete = rolloutComplete(d, now);
        boolean creating = "create".equals(d.getMetadata().getAnnotations().get(ROLLOUT));
        boolean paused = Boolean.TRUE.equals(d.getSpec().getPaused());
        int ready = complete || !creating ? replicas : 0;
        DeploymentCondition progressing = paused
                ? new DeploymentConditionBuilder().withType("Progressing").withStatus("Unknown").withReason("DeploymentPaused")
                        .withMessage("Deployment is paused").build()
                : new DeploymentConditionBuilder().withType("Progressing").withStatus("True")
                        .withReason(complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated").build();
        List<DeploymentCondition> conditions = List.of(
                new DeploymentConditionBuilder().withType("Available").withStatus(ready >= replicas ? "True" : "False")
                        .withReason(ready >= replicas ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable").build(),
                progressing);
        DeploymentStatus wanted = new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(replicas).withReadyReplicas(ready).withAvailableReplicas(ready).withUpdatedReplicas(complete ? replicas : 0)
                .withConditions(conditions).build();
        if (wanted.equals(d.getStatus())) {
            return d;
        }
        d.setStatus(wanted);
        return client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).updateStatus();
    }

    static boolean rolloutComplete(Deployment d, long now) {
        return now >= readyAt(d) && !isHeld(d);
    }

    static boolean isHeld(Deployment d) {
        return "true".equals(d.getMetadata().getAnnotations().get(HELD));
    }

    static long readyAt(Deployment d) {
        return Long.parseLong(Objects.requireNonNullElse(d.getMetadata().getAnnotations().get(READY_AT), "0"));
    }

    static String imageOf(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    static Map<String, String> podAnnotationsOf(Deployment d) {
        return Optional.ofNullable(d.getSpec().getTemplate().getMetadata()).map(m -> m.getAnnotations()).map(Map::copyOf).orElse(Map.of());
    }

    static int replicasOf(Deployment d) {
        return Optional.ofNullable(d.getSpec().getReplicas()).orElse(1);
    }
}

package dev.milvusupgrade.plan;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the tool knows about one Milvus instance at one moment: the parts of its spec and status
 * that the upgrade depends on, the component Deployments of the instance, and the operator version.
 * Built by the Kubernetes adapter from a fresh read; everything here is plain data.
 *
 * @param namespace namespace of the Milvus resource
 * @param name its name
 * @param resourceVersion its resourceVersion at the read
 * @param generation its metadata.generation
 * @param mode spec.mode ({@code cluster} or {@code standalone})
 * @param image spec.components.image, empty when unset
 * @param specVersion spec.components.version, which overrides the image tag in the operator
 * @param specComponents components that have an entry in spec.components
 * @param streamingMode spec.components.streamingMode
 * @param msgStreamType spec.dependencies.msgStreamType, empty when unset
 * @param reconcilePaused whether the annotation milvus.io/pause-reconcile is "true"
 * @param imageFieldManager the field manager that last wrote spec.components.image, if known
 * @param status the operator's status
 * @param deployments the component Deployments of this instance
 * @param operator the version of the running Milvus Operator, if it could be read
 */
public record ClusterSnapshot(String namespace, String name, String resourceVersion, long generation,
        String mode, String image, Optional<String> specVersion, Set<Component> specComponents,
        boolean streamingMode, String msgStreamType, boolean reconcilePaused,
        Optional<String> imageFieldManager, MilvusStatus status, List<ComponentDeployment> deployments,
        OperatorVersion operator) {

    public ClusterSnapshot {
        specComponents = Set.copyOf(specComponents);
        deployments = List.copyOf(deployments);
    }

    public String qualifiedName() {
        return namespace + "/" + name;
    }

    public boolean hasSpec(Component c) {
        return specComponents.contains(c);
    }

    public boolean hasSeparateCoordinatorSpec() {
        return specComponents.stream().anyMatch(Component.SEPARATE_COORDINATORS::contains);
    }

    public List<ComponentDeployment> deploymentsOf(Set<Component> components) {
        return deployments.stream().filter(d -> components.contains(d.component())).toList();
    }

    /** The operator's status of the instance. */
    public record MilvusStatus(String status, long observedGeneration, Condition ready, Condition updated,
            String currentImage, String currentVersion, Map<Component, ComponentStatus> components) {
        public MilvusStatus {
            components = Map.copyOf(components);
        }

        public static MilvusStatus empty() {
            return new MilvusStatus("", 0, Condition.ABSENT, Condition.ABSENT, "", "", Map.of());
        }

        public boolean isHealthy() {
            return "Healthy".equals(status);
        }
    }

    /** One of the operator's conditions (MilvusReady, MilvusUpdated). */
    public record Condition(String status, String reason, String message) {
        public static final Condition ABSENT = new Condition("", "", "");

        public boolean isTrue() {
            return "True".equals(status);
        }

        @Override
        public String toString() {
            return status.isEmpty() ? "absent" : status + (reason.isEmpty() ? "" : "/" + reason);
        }
    }

    /** An entry of status.componentsDeployStatus. */
    public record ComponentStatus(String image, DeployState state, int replicas, int readyReplicas) {
    }

    /** A component Deployment of the instance. */
    public record ComponentDeployment(String name, Component component, String image, int replicas, int readyReplicas) {
    }

    /** The state of a component rollout, computed as the operator does (FACTS §3). */
    public enum DeployState {
        COMPLETE, PROGRESSING, ROLLING, PAUSED, FAILED;

        /**
         * The operator's rule: behind on generation is Progressing; no Progressing condition is
         * Progressing; reason DeploymentPaused is Paused; a non-True condition is Failed;
         * NewReplicaSetAvailable is Complete; anything else Progressing. One departure: reason Rolling
         * (a two-Deployment component moving between its groups) is Rolling, not Failed.
         */
        public static DeployState of(long generation, long observedGeneration, String progressingStatus,
                String progressingReason) {
            if (observedGeneration < generation || progressingStatus == null || progressingStatus.isEmpty()) {
                return PROGRESSING;
            }
            if ("DeploymentPaused".equals(progressingReason)) {
                return PAUSED;
            }
            if ("Rolling".equals(progressingReason)) {
                // The operator writes False/Rolling over a two-Deployment component (querynode -0/-1)
                // while it moves replicas between them: its own rule would call that Failed.
                return ROLLING;
            }
            if (!"True".equals(progressingStatus)) {
                return FAILED;
            }
            return "NewReplicaSetAvailable".equals(progressingReason) ? COMPLETE : PROGRESSING;
        }
    }

    /** The version of the running operator, or why it is not known. */
    public sealed interface OperatorVersion {
        record Known(Version version) implements OperatorVersion {
        }

        record Unknown(String why) implements OperatorVersion {
        }
    }
}

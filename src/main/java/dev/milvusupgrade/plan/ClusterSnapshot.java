package dev.milvusupgrade.plan;

import java.time.Instant;
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
 * @param streamingMode spec.components.streamingMode: unset, true or false (FACTS §8.7: three-valued)
 * @param msgStreamType spec.dependencies.msgStreamType, empty when unset
 * @param reconcilePaused whether the annotation milvus.io/pause-reconcile is "true"
 * @param imageFieldManager the field manager that last wrote spec.components.image, if known
 * @param status the operator's status
 * @param deployments the component Deployments of this instance
 * @param operator the version of the running Milvus Operator, if it could be read
 * @param settings the spec settings that decide whether and in which order the operator rolls
 */
public record ClusterSnapshot(String namespace, String name, String resourceVersion, long generation,
        String mode, String image, Optional<String> specVersion, Set<Component> specComponents,
        Optional<Boolean> streamingMode, String msgStreamType, boolean reconcilePaused,
        Optional<String> imageFieldManager, MilvusStatus status, List<ComponentDeployment> deployments,
        OperatorVersion operator, SpecSettings settings) {

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

    /**
     * Whether the operator runs a streaming node on a 2.5 cluster: an explicit streamingMode wins,
     * only an unset one lets the presence of a streamingNode spec decide (FACTS §8.7).
     */
    public boolean usesStreamingNode() {
        return streamingMode.orElse(hasSpec(Component.STREAMINGNODE));
    }

    /**
     * The spec settings that decide whether and in which order the operator rolls an image change.
     *
     * @param rollingMode spec.components.rollingMode (the operator's default is 2)
     * @param enableRollingUpdate spec.components.enableRollingUpdate, empty when unset
     * @param imageUpdateMode spec.components.imageUpdateMode, empty when unset (the default is rollingUpgrade)
     * @param paused spec.components.paused
     * @param pausedComponents components whose own {@code paused} is true
     * @param manualMode spec.components.enableManualMode
     * @param componentImages components with an image of their own (spec.components.&lt;c&gt;.image)
     * @param replicas spec.components.&lt;c&gt;.replicas where the spec sets it
     * @param workloads StatefulSet mode, HPA, rollingUpdate and the Pulsar producer mode (FACTS §9)
     */
    public record SpecSettings(int rollingMode, Optional<Boolean> enableRollingUpdate, String imageUpdateMode, boolean paused,
            Set<Component> pausedComponents, boolean manualMode, Map<Component, String> componentImages,
            Map<Component, Integer> replicas, WorkloadSettings workloads) {
        public SpecSettings {
            pausedComponents = Set.copyOf(pausedComponents);
            componentImages = Map.copyOf(componentImages);
            replicas = Map.copyOf(replicas);
        }

        public SpecSettings(int rollingMode, Optional<Boolean> enableRollingUpdate, String imageUpdateMode, boolean paused,
                Set<Component> pausedComponents, boolean manualMode, Map<Component, String> componentImages,
                    Map<Component, Integer> replicas) {
            this(rollingMode, enableRollingUpdate, imageUpdateMode, paused, pausedComponents, manualMode, componentImages, replicas,
                    WorkloadSettings.none());
        }

        public SpecSettings withWorkloads(WorkloadSettings w) {
            return new SpecSettings(rollingMode, enableRollingUpdate, imageUpdateMode, paused, pausedComponents, manualMode,
                    componentImages, replicas, w);
        }

        /** What the operator's defaults write: rolling mode 2, rolling update on, rollingUpgrade, nothing paused or pinned. */
        public static SpecSettings defaults() {
            return new SpecSettings(2, Optional.of(true), "rollingUpgrade", false, Set.of(), false, Map.of(), Map.of());
        }

        /** Whether the operator rolls the image along its dependency graph (FACTS §8.6). */
        public boolean rollsInOrder() {
            return enableRollingUpdate.orElse(true) && (imageUpdateMode.isEmpty() || "rollingUpgrade".equals(imageUpdateMode));
        }
    }

    /**
     * The operator's status of the instance.
     *
     * @param dependencies the conditions EtcdReady, StorageReady and MsgStreamReady by type; the
     *     operator rolls nothing unless all three are True (FACTS §8.5)
     */
    public record MilvusStatus(String status, long observedGeneration, Condition ready, Condition updated,
            String currentImage, String currentVersion, Map<Component, ComponentStatus> components,
            Map<String, Condition> dependencies) {
        /** The conditions the operator checks before it touches any Deployment, in its order. */
        public static final List<String> DEPENDENCY_CONDITIONS = List.of("EtcdReady", "StorageReady", "MsgStreamReady");

        public MilvusStatus {
            components = Map.copyOf(components);
            dependencies = Map.copyOf(dependencies);
        }

        public static MilvusStatus empty() {
            return new MilvusStatus("", 0, Condition.ABSENT, Condition.ABSENT, "", "", Map.of(), Map.of());
        }

        /** The dependency conditions that are not True (absent counts), as "MsgStreamReady False/reason: message". */
        public List<String> dependenciesNotReady() {
            return DEPENDENCY_CONDITIONS.stream().filter(t -> !dependencies.getOrDefault(t, Condition.ABSENT).isTrue())
                    .map(t -> t + " " + dependencies.getOrDefault(t, Condition.ABSENT).described()).toList();
        }

        /** Whether the operator has written a status at all (it reconciled the instance at least once). */
        public boolean isReported() {
            return !status.isEmpty() || observedGeneration > 0;
        }

        public boolean isHealthy() {
            return "Healthy".equals(status);
        }
    }

    /** One of the operator's conditions (MilvusReady, MilvusUpdated, EtcdReady, ...), with when it last changed. */
    public record Condition(String status, String reason, String message, Optional<Instant> since) {
        public static final Condition ABSENT = new Condition("", "", "");

        public Condition(String status, String reason, String message) {
            this(status, reason, message, Optional.empty());
        }

        public boolean isTrue() {
            return "True".equals(status);
        }

        /** Status, reason and the operator's message, e.g. "False/MsgStreamNotReady: connection refused". */
        public String described() {
            return this + (message.isBlank() ? "" : ": " + message);
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

        /** The chart's version label and the running manager image say different versions (FACTS §8.8). */
        record Disagreeing(Version label, Version image) implements OperatorVersion {
        }

        /**
         * The operator version from its Deployment: the manager container's image tag is what runs,
         * so it wins; the chart's label {@code app.kubernetes.io/version} is used only when the tag
         * is not a version; two versions that disagree are reported as such (FACTS §8.8).
         */
        static OperatorVersion of(Optional<Version> label, Optional<Version> imageTag) {
            if (label.isPresent() && imageTag.isPresent() && !label.get().release().equals(imageTag.get().release())) {
                return new Disagreeing(label.get(), imageTag.get());
            }
            return imageTag.or(() -> label).<OperatorVersion>map(Known::new)
                    .orElse(new Unknown("the operator Deployment shows no version (neither its image tag nor its label)"));
        }
    }
}

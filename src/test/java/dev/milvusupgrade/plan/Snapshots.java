package dev.milvusupgrade.plan;

import dev.milvusupgrade.plan.ClusterSnapshot.ComponentDeployment;
import dev.milvusupgrade.plan.ClusterSnapshot.ComponentStatus;
import dev.milvusupgrade.plan.ClusterSnapshot.Condition;
import dev.milvusupgrade.plan.ClusterSnapshot.DeployState;
import dev.milvusupgrade.plan.ClusterSnapshot.MilvusStatus;
import dev.milvusupgrade.plan.ClusterSnapshot.OperatorVersion;
import dev.milvusupgrade.plan.ClusterSnapshot.SpecSettings;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Builds snapshots of healthy, settled clusters for the pure tests, and variations of them. */
final class Snapshots {

    static final Set<Component> FOUR_COORDS = EnumSet.of(Component.ROOTCOORD, Component.DATACOORD, Component.QUERYCOORD,
            Component.INDEXCOORD, Component.DATANODE, Component.QUERYNODE, Component.INDEXNODE, Component.PROXY, Component.STANDALONE);
    static final Set<Component> MIXCOORD_25 = EnumSet.of(Component.MIXCOORD, Component.DATANODE, Component.QUERYNODE,
            Component.INDEXNODE, Component.PROXY, Component.STANDALONE);
    static final Set<Component> MIXCOORD_26 = EnumSet.of(Component.MIXCOORD, Component.DATANODE, Component.QUERYNODE,
            Component.STREAMINGNODE, Component.PROXY, Component.STANDALONE);

    private Snapshots() {
    }

    /** A settled cluster on {@code image}: every component complete on it, Healthy, Updated, currentImage set. */
    static ClusterSnapshot healthy(String image, Set<Component> components) {
        Map<Component, ComponentStatus> status = new EnumMap<>(Component.class);
        List<ComponentDeployment> deployments = new ArrayList<>();
        for (Component c : components) {
            int replicas = c == Component.STANDALONE ? 0 : 1;
            status.put(c, new ComponentStatus(image, DeployState.COMPLETE, replicas, replicas));
            deployments.add(new ComponentDeployment("my-release-milvus-" + c.statusKey(), c, image, replicas, replicas));
        }
        return new ClusterSnapshot("milvus", "my-release", "100", 4, "cluster", image, Optional.empty(), components,
                components.contains(Component.STREAMINGNODE) ? Optional.of(true) : Optional.empty(), "pulsar", false, Optional.empty(),
                new MilvusStatus("Healthy", 4, new Condition("True", "ReasonMilvusHealthy", ""),
                        new Condition("True", "MilvusComponentsUpdated", ""), image, "", status, DEPENDENCIES_READY),
                deployments, new OperatorVersion.Known(Version.of(1, 3, 8)), SpecSettings.defaults());
    }

    /** EtcdReady, StorageReady and MsgStreamReady True, as a working cluster reports them. */
    static final Map<String, Condition> DEPENDENCIES_READY = Map.of("EtcdReady", new Condition("True", "EtcdReady", ""),
            "StorageReady", new Condition("True", "StorageReady", ""), "MsgStreamReady", new Condition("True", "MsgStreamReady", ""));

    static ClusterSnapshot withSettings(ClusterSnapshot s, SpecSettings settings) {
        return new ClusterSnapshot(s.namespace(), s.name(), s.resourceVersion(), s.generation(), s.mode(), s.image(), s.specVersion(),
                s.specComponents(), s.streamingMode(), s.msgStreamType(), s.reconcilePaused(), s.imageFieldManager(), s.status(),
                s.deployments(), s.operator(), settings);
    }

    static ClusterSnapshot with(ClusterSnapshot s, Optional<Boolean> streamingMode, String msgStreamType,
            List<ComponentDeployment> deployments) {
        return new ClusterSnapshot(s.namespace(), s.name(), s.resourceVersion(), s.generation(), s.mode(), s.image(), s.specVersion(),
                s.specComponents(), streamingMode, msgStreamType, s.reconcilePaused(), s.imageFieldManager(), s.status(),
                deployments, s.operator(), s.settings());
    }

    static ClusterSnapshot withImage(ClusterSnapshot s, String image) {
        return new ClusterSnapshot(s.namespace(), s.name(), s.resourceVersion(), s.generation(), s.mode(), image, s.specVersion(),
                s.specComponents(), s.streamingMode(), s.msgStreamType(), s.reconcilePaused(), s.imageFieldManager(), s.status(),
                s.deployments(), s.operator(), s.settings());
    }

    static ClusterSnapshot withStatus(ClusterSnapshot s, MilvusStatus st) {
        return new ClusterSnapshot(s.namespace(), s.name(), s.resourceVersion(), s.generation(), s.mode(), s.image(), s.specVersion(),
                s.specComponents(), s.streamingMode(), s.msgStreamType(), s.reconcilePaused(), s.imageFieldManager(), st,
                s.deployments(), s.operator(), s.settings());
    }

    static ClusterSnapshot withGeneration(ClusterSnapshot s, long generation) {
        return new ClusterSnapshot(s.namespace(), s.name(), s.resourceVersion(), generation, s.mode(), s.image(), s.specVersion(),
                s.specComponents(), s.streamingMode(), s.msgStreamType(), s.reconcilePaused(), s.imageFieldManager(), s.status(),
                s.deployments(), s.operator(), s.settings());
    }

    static ClusterSnapshot with(ClusterSnapshot s, String mode, Optional<String> specVersion, boolean paused, OperatorVersion operator) {
        return new ClusterSnapshot(s.namespace(), s.name(), s.resourceVersion(), s.generation(), mode, s.image(), specVersion,
                s.specComponents(), s.streamingMode(), s.msgStreamType(), paused, s.imageFieldManager(), s.status(), s.deployments(),
                    operator,
                s.settings());
    }

    static MilvusStatus status(ClusterSnapshot s, String status, Condition ready, Condition updated, String currentImage,
            String currentVersion, Map<Component, ComponentStatus> components) {
        return new MilvusStatus(status, s.status().observedGeneration(), ready, updated, currentImage, currentVersion, components,
                s.status().dependencies());
    }

    static Map<Component, ComponentStatus> components(ClusterSnapshot s) {
        return new EnumMap<>(s.status().components());
    }
}

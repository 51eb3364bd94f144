package dev.milvusupgrade.sim;

import static dev.milvusupgrade.sim.Unstructured.map;
import static dev.milvusupgrade.sim.Unstructured.str;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which components an instance has and in which order they roll, read from {@code spec.components} as the operator's
 * pkg/controllers/components.go and apis/milvus.io/v1beta1/milvus_types.go do (FACTS §2, §4, §8).
 */
final class OperatorComponents {

    private OperatorComponents() {
    }

    static final List<String> COORDS = List.of("rootCoord", "dataCoord", "queryCoord", "indexCoord");

    static final List<String> CLUSTER_GRAPH = List.of("indexnode", "rootcoord", "datacoord", "indexcoord", "querycoord", "querynode",
            "datanode", "proxy");

    static final List<String> MIXCOORD_GRAPH = List.of("indexnode", "mixcoord", "querynode", "datanode", "proxy");

    static final List<String> STREAMING_GRAPH = List.of("mixcoord", "streamingnode", "querynode", "datanode", "proxy");

    /** v1.2.8 dependency_graph.go: its streaming graph still starts with the index node. */
    static final List<String> LEGACY_STREAMING_GRAPH = List.of("indexnode", "mixcoord", "streamingnode", "querynode", "datanode", "proxy");

    static final List<String> UPGRADE26_GRAPH = List.of("streamingnode", "mixcoord", "querynode", "datanode", "proxy");

    /**
     * UseStreamingNode (milvus_types.go ~191-203, FACTS §8.7): ≥ 2.6 always; else an explicit streamingMode wins;
     * else whether a streamingNode spec is there. v1.2.8 knows no streamingMode and no 2.6: the spec alone decides.
     */
    static boolean useStreamingNode(Map<String, Object> components, boolean legacy) {
        if (legacy) {
            return components.get("streamingNode") != null;
        }
        if (isVersionGE26(components)) {
            return true;
        }
        if (components.get("streamingMode") instanceof Boolean explicit) {
            return explicit;
        }
        return components.get("streamingNode") != null;
    }

    /** FACTS §4 "Which components are reconciled" (components.go GetComponentsBySpec ~138). */
    static List<String> componentsBySpec(Map<String, Object> components, boolean ge26, boolean legacy) {
        List<String> list = new ArrayList<>();
        if (components.get("cdc") != null && !legacy) {
            list.add("cdc");
        }
        if (ge26) {
            list.addAll(List.of("mixcoord", "datanode", "streamingnode", "querynode", "proxy", "standalone"));
            return list;
        }
        if (components.get("mixCoord") != null) {
            list.addAll(List.of("mixcoord", "datanode", "querynode", "indexnode", "proxy", "standalone"));
        } else {
            list.addAll(List.of("rootcoord", "datacoord", "querycoord", "indexcoord", "datanode", "querynode", "indexnode", "proxy",
                    "standalone"));
        }
        if (useStreamingNode(components, legacy)) {
            list.add("streamingnode");
        }
        return list;
    }

    /** FACTS §4 "Rolling order" (components.go GetDependencies, deployment_updater.go IsUpgradingTo26 ~717). */
    static List<String> dependencyGraph(Map<String, Object> components, boolean upgrading26, boolean legacy) {
        if (upgrading26) {
            return UPGRADE26_GRAPH;
        }
        if (useStreamingNode(components, legacy)) {
            return legacy ? LEGACY_STREAMING_GRAPH : STREAMING_GRAPH;
        }
        return components.get("mixCoord") != null ? MIXCOORD_GRAPH : CLUSTER_GRAPH;
    }

    /**
     * FACTS §2 imageUpdateMode: only rollingUpgrade with rolling update on follows the dependency
     * graph; all, force or rolling update off set every component's image at once.
     */
    static boolean followsDependencyGraph(Map<String, Object> components) {
        return !Boolean.FALSE.equals(components.get("enableRollingUpdate"))
                && "rollingUpgrade".equals(str(components.getOrDefault("imageUpdateMode", "rollingUpgrade")));
    }

    /** FACTS §2 "The 2.6 check": spec.components.version wins, else the image tag; master- counts as 2.6. */
    static boolean isVersionGE26(Map<String, Object> components) {
        String version = str(components.get("version"));
        if (!version.isEmpty()) {
            return SimVersion.parse(version).map(v -> v.release().isAtLeast(SimVersion.of(2, 6, 0))).orElse(false);
        }
        return isImageGE26(str(components.get("image")));
    }

    static boolean isImageGE26(String image) {
        int colon = image.lastIndexOf(':');
        String tag = colon > image.lastIndexOf('/') ? image.substring(colon + 1) : "";
        if (tag.startsWith("master-")) {
            return true;
        }
        return SimVersion.parse(tag).map(v -> v.release().isAtLeast(SimVersion.of(2, 6, 0))).orElse(false);
    }

    /** The component's field under spec.components, e.g. {@code queryNode} for {@code querynode}. */
    static String specKey(String comp) {
        return switch (comp) {
            case "mixcoord" -> "mixCoord";
            case "rootcoord" -> "rootCoord";
            case "datacoord" -> "dataCoord";
            case "querycoord" -> "queryCoord";
            case "indexcoord" -> "indexCoord";
            case "datanode" -> "dataNode";
            case "querynode" -> "queryNode";
            case "indexnode" -> "indexNode";
            case "streamingnode" -> "streamingNode";
            default -> comp;
        };
    }

    /** FACTS §2, §9.4: {@code replicas: -1} means a user's HPA manages the component (milvusDeploymentUpdater.IsHPAEnabled). */
    static boolean hpaManaged(Map<String, Object> components, String comp) {
        return map(components.get(specKey(comp))).get("replicas") instanceof Number n && n.intValue() < 0;
    }

    static int replicas(Map<String, Object> components, String comp) {
        Object r = map(components.get(specKey(comp))).get("replicas");
        return r instanceof Number n ? Math.max(0, n.intValue()) : "standalone".equals(comp) ? 0 : 1;
    }

    /**
     * FACTS §8.3: {@code spec.components.<c>.image} wins over the global image for that component's container
     * (MergeComponentSpec ~734).
     */
    static String targetImage(Map<String, Object> components, String comp) {
        String own = str(map(components.get(specKey(comp))).get("image"));
        return own.isEmpty() ? str(components.get("image")) : own;
    }

    /**
     * FACTS §8.4: the merged {@code paused}: the global one or the component's (MergeComponentSpec ~730;
     * deploy_ctrl.go IsPaused ~209).
     */
    static boolean isPaused(Map<String, Object> components, String comp) {
        return Boolean.TRUE.equals(components.get("paused")) || Boolean.TRUE.equals(map(components.get(specKey(comp))).get("paused"));
    }

    /**
     * FACTS §8.11: the merged pod annotations, the component's with the global ones over them: MergeComponentSpec
     * (~728) merges with the global map last, and MergeLabels lets the later map win on a shared key.
     */
    static Map<String, String> podAnnotations(Map<String, Object> components, String comp) {
        Map<String, String> out = new LinkedHashMap<>();
        map(map(components.get(specKey(comp))).get("podAnnotations")).forEach((k, v) -> out.put(k, str(v)));
        map(components.get("podAnnotations")).forEach((k, v) -> out.put(k, str(v)));
        return out;
    }
}

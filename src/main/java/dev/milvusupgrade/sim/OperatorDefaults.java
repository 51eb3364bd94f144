package dev.milvusupgrade.sim;

import static dev.milvusupgrade.sim.OperatorComponents.COORDS;
import static dev.milvusupgrade.sim.OperatorComponents.isVersionGE26;
import static dev.milvusupgrade.sim.OperatorComponents.useStreamingNode;
import static dev.milvusupgrade.sim.Unstructured.child;
import static dev.milvusupgrade.sim.Unstructured.deepCopy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The defaults the operator writes back into the spec (apis/milvus.io/v1beta1/milvus_webhook.go; with webhooks off the
 * controller writes them, FACTS §1, §2) and what each operator release defaults to (pkg/config/config.go).
 */
final class OperatorDefaults {

    private OperatorDefaults() {
    }

    /**
     * pkg/config/config.go DefaultMilvusVersion per operator release (git show v1.x.y:pkg/config/config.go);
     * unchanged between the releases listed. Releases before 1.2.0 were not checked.
     */
    private static final NavigableMap<SimVersion, String> DEFAULT_MILVUS_TAG = new TreeMap<>(Map.ofEntries(
            Map.entry(SimVersion.of(1, 2, 0), "v2.5.4"), Map.entry(SimVersion.of(1, 2, 2), "v2.5.5"),
            Map.entry(SimVersion.of(1, 2, 3), "v2.5.6"), Map.entry(SimVersion.of(1, 2, 4), "v2.5.7"),
            Map.entry(SimVersion.of(1, 2, 5), "v2.5.10"), Map.entry(SimVersion.of(1, 2, 7), "v2.5.13"),
            Map.entry(SimVersion.of(1, 2, 8), "v2.5.14"), Map.entry(SimVersion.of(1, 3, 0), "v2.6.0"),
            Map.entry(SimVersion.of(1, 3, 2), "v2.6.3"), Map.entry(SimVersion.of(1, 3, 3), "v2.6.5"),
            Map.entry(SimVersion.of(1, 3, 4), "v2.6.6"), Map.entry(SimVersion.of(1, 3, 5), "v2.6.7"),
            Map.entry(SimVersion.of(1, 3, 6), "v2.6.11"),
            // FACTS §9.1: v1.3.9 keeps v2.6.11; main after #535 and v1.3.10 default to v2.6.24 (pkg/config/config.go @6fe54d79).
            Map.entry(SimVersion.of(1, 3, 10), "v2.6.24")));

    /** FACTS §8.8: an operator release before 1.3.0 (v1.2.x) has none of the 2.6 logic. */
    static boolean isLegacy(String operatorVersion) {
        return SimVersion.parse(operatorVersion).map(v -> v.release().isBefore(SimVersion.of(1, 3, 0))).orElse(false);
    }

    /** config.DefaultMilvusImage of the operator release (see {@link #DEFAULT_MILVUS_TAG}); the newest when unparsable. */
    static String defaultImage(String operatorVersion) {
        SimVersion v = SimVersion.parse(operatorVersion).map(SimVersion::release).orElse(DEFAULT_MILVUS_TAG.lastKey());
        Map.Entry<SimVersion, String> e = Optional.ofNullable(DEFAULT_MILVUS_TAG.floorEntry(v)).orElse(DEFAULT_MILVUS_TAG.firstEntry());
        return "milvusdb/milvus:" + e.getValue();
    }

    /**
     * FACTS §2 "Defaults for cluster mode" (milvus_webhook.go DefaultComponents ~388-446, defaultComponentsReplicas
     * ~448-509; v1.2.8 for {@code legacy}); returns whether anything changed.
     */
    static boolean applyDefaults(Map<String, Object> spec, String defaultImage, boolean legacy) {
        Map<String, Object> before = deepCopy(spec);
        Map<String, Object> components = child(spec, "components");
        Map<String, Object> dependencies = child(spec, "dependencies");
        components.putIfAbsent("image", defaultImage);
        components.putIfAbsent("imageUpdateMode", "rollingUpgrade");
        components.putIfAbsent("enableRollingUpdate", true);
        components.putIfAbsent("rollingMode", 2);
        boolean ge26 = !legacy && isVersionGE26(components);
        boolean anyCoord = COORDS.stream().anyMatch(c -> components.get(c) != null);
        if (components.get("mixCoord") == null) {
            if (!anyCoord) {
                components.put("mixCoord", new LinkedHashMap<String, Object>());
            } else {
                COORDS.forEach(c -> components.computeIfAbsent(c, k -> new LinkedHashMap<String, Object>()));
            }
        }
        if (ge26 && components.get("mixCoord") == null) {
            components.put("mixCoord", new LinkedHashMap<String, Object>()); // ≥ 2.6 forces mixCoord, even with separate coordinators
        }
        if (components.get("mixCoord") != null) {
            defaultReplicas(components, "mixCoord", 1);
        } else {
            COORDS.forEach(c -> defaultReplicas(components, c, 1));
        }
        if (!ge26) {
            defaultReplicas(components, "indexNode", 1);
        }
        boolean streaming = useStreamingNode(components, legacy);
        if (streaming) {
            defaultReplicas(components, "streamingNode", 1); // FACTS §8.14: one streaming node unless the spec says otherwise
        }
        if (!legacy) {
            // FACTS §8.7 (~433-440): cluster mode always writes streamingMode, true or false. On ≥ 2.6 UseStreamingNode
            // is true whatever streamingMode says, so an explicit false becomes true when the image moves to 2.6.
            components.put("streamingMode", streaming);
        }
        for (String c : List.of("dataNode", "queryNode", "proxy")) {
            defaultReplicas(components, c, 1);
        }
        defaultReplicas(components, "standalone", 0);
        dependencies.putIfAbsent("msgStreamType", "pulsar");
        return !before.equals(spec);
    }

    static void defaultReplicas(Map<String, Object> components, String key, int replicas) {
        Map<String, Object> c = components.get(key) instanceof Map<?, ?> ? child(components, key) : new LinkedHashMap<>();
        c.putIfAbsent("replicas", replicas);
        components.put(key, c);
    }
}

package dev.milvusupgrade.plan;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The Milvus components the operator manages, with their key in {@code spec.components} and in
 * {@code status.componentsDeployStatus} (which is also the Deployment name suffix).
 */
public enum Component {
    MIXCOORD("mixCoord", "mixcoord"),
    ROOTCOORD("rootCoord", "rootcoord"),
    DATACOORD("dataCoord", "datacoord"),
    QUERYCOORD("queryCoord", "querycoord"),
    INDEXCOORD("indexCoord", "indexcoord"),
    DATANODE("dataNode", "datanode"),
    QUERYNODE("queryNode", "querynode"),
    INDEXNODE("indexNode", "indexnode"),
    STREAMINGNODE("streamingNode", "streamingnode"),
    PROXY("proxy", "proxy"),
    STANDALONE("standalone", "standalone"),
    CDC("cdc", "cdc");

    /** The separate coordinators that 2.6 merges into mixCoord. */
    public static final Set<Component> SEPARATE_COORDINATORS = EnumSet.of(ROOTCOORD, DATACOORD, QUERYCOORD, INDEXCOORD);

    private final String specKey;
    private final String statusKey;

    Component(String specKey, String statusKey) {
        this.specKey = specKey;
        this.statusKey = statusKey;
    }

    public String specKey() {
        return specKey;
    }

    public String statusKey() {
        return statusKey;
    }

    public static Optional<Component> ofSpecKey(String key) {
        return Arrays.stream(values()).filter(c -> c.specKey.equals(key)).findFirst();
    }

    public static Optional<Component> ofStatusKey(String key) {
        return Arrays.stream(values()).filter(c -> c.statusKey.equals(key)).findFirst();
    }
}

package dev.milvusupgrade.plan;

import java.util.EnumSet;
import java.util.Set;

/**
 * One step of an upgrade: a merge patch of the Milvus resource, then a wait until the operator has
 * rolled every component onto the stage image.
 */
public sealed interface Stage {

    /** The stage name recorded in the result, e.g. {@code mixcoord-2.5.16} or {@code 2.6.4}. */
    String name();

    /** The image every component runs once the stage is complete. */
    ImageRef image();

    Version version();

    /** The JSON merge patch of the Milvus resource. Never nulls a field: the operator cleans up. */
    String patch();

    /** Whether the spec already says what the patch would write (a rerun must not patch twice). */
    boolean isApplied(ClusterSnapshot s);

    /** Components whose status must carry the stage image when the stage is complete. */
    default Set<Component> expectedComponents(ClusterSnapshot s) {
        Set<Component> expected;
        if (version().isAtLeast(Catalogue.STREAMING_ERA)) {
            expected = EnumSet.of(Component.MIXCOORD, Component.DATANODE, Component.STREAMINGNODE,
                    Component.QUERYNODE, Component.PROXY);
        } else {
            expected = EnumSet.of(Component.MIXCOORD, Component.DATANODE, Component.QUERYNODE,
                    Component.INDEXNODE, Component.PROXY);
            if (s.usesStreamingNode()) {
                expected.add(Component.STREAMINGNODE);
            }
        }
        if (s.hasSpec(Component.CDC)) {
            expected.add(Component.CDC);
        }
        return expected;
    }

    /**
     * Enables mixCoord (one replica) together with an image of at least 2.5.16: the runbook's step
     * 2.2. The operator then deletes the separate coordinators itself once mixcoord is updated.
     * Where the spec already has a mixCoord ({@code enableMixCoord} false) only the image changes,
     * so that its replicas stay as they are.
     */
    record MixCoordStage(ImageRef image, Version version, boolean enableMixCoord) implements Stage {
        @Override
        public String name() {
            return "mixcoord-" + version.toString().substring(1);
        }

        @Override
        public String patch() {
            return "{\"spec\":{\"components\":{" + (enableMixCoord ? "\"mixCoord\":{\"replicas\":1}," : "")
                    + "\"image\":" + Json.quote(image.toString()) + "}}}";
        }

        @Override
        public boolean isApplied(ClusterSnapshot s) {
            return image.toString().equals(s.image()) && s.hasSpec(Component.MIXCOORD);
        }
    }

    /** Changes the image only: the runbook's step 2.3, or a 2.6.x to 2.6.y update. */
    record ImageStage(ImageRef image, Version version) implements Stage {
        @Override
        public String name() {
            return version.toString().substring(1);
        }

        @Override
        public String patch() {
            return "{\"spec\":{\"components\":{\"image\":" + Json.quote(image.toString()) + "}}}";
        }

        @Override
        public boolean isApplied(ClusterSnapshot s) {
            return image.toString().equals(s.image());
        }
    }
}

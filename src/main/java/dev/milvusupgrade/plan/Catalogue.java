package dev.milvusupgrade.plan;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The upgrade paths this tool knows, as data. A path is a range of source versions, the targets
 * reachable from it, and whether the cluster must first run mixCoord on at least 2.5.16 (the
 * runbook's step 2.2). Anything not listed here is refused.
 */
public final class Catalogue {

    /** The oldest operator with the 2.6 upgrade logic (FACTS: v1.2.x has none). */
    public static final Version MIN_OPERATOR = Version.of(1, 3, 0);
    /**
     * Operators before this one read the version of {@code registry:5000/milvus:v2.6.4} wrongly
     * (every {@code :} ends the name), take it for 2.5 and never start streaming nodes (FACTS, #433).
     */
    public static final Version REGISTRY_PORT_FIX_OPERATOR = Version.of(1, 3, 4);
    /** The oldest 2.5 release from which 2.6 may be reached, with mixCoord enabled. */
    public static final Version MIXCOORD_BRIDGE = Version.of(2, 5, 16);
    /** From 2.6 on the operator runs streaming nodes and no index nodes. */
    public static final Version STREAMING_ERA = Version.of(2, 6, 0);
    public static final Version OLDEST_SOURCE = Version.of(2, 5, 0);

    /**
     * One known path.
     *
     * @param sourceFrom lowest source, inclusive
     * @param sourceUntil highest source, exclusive
     * @param targets the targets it reaches
     * @param viaMixCoord whether a mixCoord stage on {@link #MIXCOORD_BRIDGE} or later comes first
     */
    public record Route(Version sourceFrom, Version sourceUntil, List<Version> targets, boolean viaMixCoord) {
        boolean covers(Version source, Version target) {
            return source.release().isAtLeast(sourceFrom) && source.release().isBefore(sourceUntil)
                    && targets.contains(target.release());
        }
    }

    static final List<Route> ROUTES = List.of(
            new Route(Version.of(2, 5, 0), Version.of(2, 6, 0), patches(2, 6, 4, 11), true),
            new Route(Version.of(2, 6, 0), Version.of(2, 7, 0), patches(2, 6, 0, 11), false));

    /** Sources that cannot be upgraded at all, with what to do instead. */
    static final Map<Version, String> UNSUPPORTED_SOURCES = Map.of(
            new Version(2, 6, 0, "rc1"),
            "v2.6.0-rc1 is not compatible with later 2.6 releases and cannot be upgraded in place;"
                    + " fix: migrate the data as the community guide in milvus-io/milvus#43538 describes");

    private Catalogue() {
    }

    public static Optional<Route> route(Version source, Version target) {
        return ROUTES.stream().filter(r -> r.covers(source, target)).findFirst();
    }

    public static boolean knowsTarget(Version target) {
        return ROUTES.stream().anyMatch(r -> r.targets().contains(target.release()));
    }

    static Optional<String> unsupportedSource(Version source) {
        return UNSUPPORTED_SOURCES.entrySet().stream()
                .filter(e -> e.getKey().release().equals(source.release()) && e.getKey().suffix().equalsIgnoreCase(
                        source.suffix().replace(".", "").replace("-", "")))
                .map(Map.Entry::getValue)
                .findFirst();
    }

    public static List<Version> targets() {
        return ROUTES.stream().flatMap(r -> r.targets().stream()).distinct().sorted().toList();
    }

    private static List<Version> patches(int major, int minor, int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(p -> Version.of(major, minor, p)).toList();
    }
}

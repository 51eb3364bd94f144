package dev.milvusupgrade.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The only fields of a Milvus resource this tool ever writes, as paths of a parsed JSON merge patch. RBAC cannot
 * narrow a patch by field, so the code does: a patch with any other field is never sent.
 */
public final class PatchFields {

    /** The restart annotation's key (the milvus#47806 remedy), under {@code podAnnotations}. */
    public static final String RESTART_ANNOTATION = "milvus-upgrade.dev/restarted-at";

    /** Every leaf path a patch may set: the stage patches, the guard, and the remedy's pod annotations. */
    public static final Set<List<String>> ALLOWED = Set.of(
            List.of("spec", "components", "image"),
            List.of("spec", "components", "mixCoord", "replicas"),
            List.of("metadata", "resourceVersion"),
            List.of("spec", "components", "mixCoord", "podAnnotations", RESTART_ANNOTATION),
            List.of("spec", "components", "streamingNode", "podAnnotations", RESTART_ANNOTATION));

    private PatchFields() {
    }

    /** The leaf paths of {@code patch} outside {@link #ALLOWED}, dotted; empty for a patch this tool may send. */
    public static List<String> outside(Map<?, ?> patch) {
        List<String> found = new ArrayList<>();
        collect(List.of(), patch, found);
        return found;
    }

    private static void collect(List<String> path, Object node, List<String> found) {
        if (node instanceof Map<?, ?> m && !m.isEmpty()) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                List<String> next = new ArrayList<>(path);
                next.add(String.valueOf(e.getKey()));
                collect(next, e.getValue(), found);
            }
        } else if (!ALLOWED.contains(path)) {
            found.add(path.isEmpty() ? "(the whole resource)" : String.join(".", path));
        }
    }
}

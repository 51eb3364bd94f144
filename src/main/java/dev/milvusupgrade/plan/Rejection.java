package dev.milvusupgrade.plan;

/**
 * Why the tool refuses to act, in one line a person understands, ending with the fix where there
 * is one. A rejection is decided before anything in the cluster changes.
 */
public record Rejection(String message) {
    public Rejection {
        if (message == null || message.isBlank() || message.contains("\n")) {
            throw new IllegalArgumentException("a rejection is one non-empty line");
        }
    }

    public static Rejection of(String problem, String fix) {
        return new Rejection(problem + "; fix: " + fix);
    }
}

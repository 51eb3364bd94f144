package dev.milvusupgrade.plan;

/**
 * Why the tool refuses to act, in one line a person understands, ending with the fix where there
 * is one. A rejection is decided before anything in the cluster changes.
 */
public record Rejection(String message) {
    public Rejection {
        if (message == null || message.isBlank()) {
            throw new IllegalArgumentException("a rejection says why");
        }
        // Values quoted from an intent or a spec may hold line breaks: the message stays one line.
        message = message.strip().replaceAll("\\s+", " ");
    }

    public static Rejection of(String problem, String fix) {
        return new Rejection(problem + "; fix: " + fix);
    }
}

package dev.milvusupgrade.run;

/** A failure a later run may not have: another run holds the lock, the API server is unreachable. Exit 75. */
public class RetryLater extends RuntimeException {
    public RetryLater(String message) {
        super(message);
    }
}

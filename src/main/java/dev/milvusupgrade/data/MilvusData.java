package dev.milvusupgrade.data;

import dev.milvusupgrade.plan.DataSnapshot;

/**
 * Milvus's data plane as the upgrade sees it: a snapshot of what it holds, and a write probe. The
 * implementation talks to the proxies through the RESTful API v2; tests and {@code demo} point it
 * at the simulated data plane.
 */
public interface MilvusData {

    /**
     * Reads every database and collection.
     *
     * @throws Unreachable when Milvus cannot be reached or refuses the credentials
     */
    DataSnapshot snapshot();

    /**
     * Creates the tool's own scratch collection, inserts one row, reads it back with strong
     * consistency, and drops the collection (also after a failure).
     */
    Probe probe();

    /** How a write probe ended. */
    sealed interface Probe {
        record Passed() implements Probe {
        }

        /**
         * @param step the step that failed (create, insert, query, drop)
         * @param detail what Milvus answered
         * @param writeTimedOut whether the write hung until the request timeout (HTTP 408, code 10001): the
         *     signature milvus#47806 shows through the RESTful API
         */
        record Failed(String step, String detail, boolean writeTimedOut) implements Probe {
        }
    }

    /** Milvus could not be reached, or refused the request as a whole (authentication, TLS). */
    final class Unreachable extends RuntimeException {
        public Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

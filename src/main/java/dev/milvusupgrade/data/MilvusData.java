package dev.milvusupgrade.data;

import dev.milvusupgrade.plan.DataSnapshot;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
     * Reads every database and collection as {@link #snapshot()} does, but instead of sampling primary keys,
     * reads back with {@code entities/get} the keys {@code baseline} sampled: each collection's sample then
     * holds those that still come back.
     */
    DataSnapshot snapshot(DataSnapshot baseline);

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
         * @param step the step that failed (create, load, insert, query, drop)
         * @param detail what Milvus answered
         * @param writeTimedOut whether the step hung until the request timeout (HTTP 408, code 10001): the
         *     signature milvus#47806 shows through the RESTful API on 2.6, where create, load and drop go through the WAL too
         */
        record Failed(String step, String detail, boolean writeTimedOut) implements Probe {
        }
    }

    // ---- single collections (the canary's steps); each throws StepFailed when Milvus answers an error or times out

    /**
     * The fields of a collection as {@code name:type}, primary key first as listed, and whether its dynamic field is on; empty when absent.
     */
    Optional<Shape> shape(String db, String name);

    /** Creates a collection from a {@code collections/create} body and waits until it is loaded (steps create, load). */
    void create(Map<String, Object> body);

    /** Loads a collection (idempotent) and waits until it is loaded (step load). */
    void load(String db, String name);

    /** Inserts rows (step insert). */
    void insert(String db, String name, List<Map<String, Object>> rows);

    /** Upserts rows (step upsert). */
    void upsert(String db, String name, List<Map<String, Object>> rows);

    /** Deletes the rows matching {@code filter} (step delete). */
    void delete(String db, String name, String filter);

    /**
     * The rows matching {@code filter} with every field, read with strong consistency (step query); dynamic keys beside the
     * fields, the JSON fields named in {@code jsonFields} parsed (the server sends a JSON field as its text).
     */
    List<Map<String, Object>> query(String db, String name, String filter, int limit, List<String> jsonFields);

    /** The primary keys of the {@code limit} nearest rows to {@code vector} in {@code field}, nearest first (step search). */
    List<Long> search(String db, String name, String field, List<Float> vector, int limit);

    /** Drops a collection (step drop). */
    void drop(String db, String name);

    /** A collection's schema reduced to what identifies it. */
    record Shape(List<String> fields, boolean dynamic) {
        public Shape {
            fields = List.copyOf(fields);
        }
    }

    /** A step on one collection that Milvus answered with an error, or that timed out (HTTP 408, code 10001, or no answer in time). */
    final class StepFailed extends RuntimeException {
        private final String step;
        private final boolean timedOut;

        public StepFailed(String step, String message, boolean timedOut) {
            super(message, null, false, false);
            this.step = step;
            this.timedOut = timedOut;
        }

        public String step() {
            return step;
        }

        /** Whether it hung until the timeout: after a 2.6 stage, the signature of milvus#47806. */
        public boolean timedOut() {
            return timedOut;
        }
    }

    /** Milvus could not be reached, or refused the request as a whole (authentication, TLS). */
    class Unreachable extends RuntimeException {
        public Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Milvus answered, but not as its RESTful API v2 does: not JSON, a field of the wrong type, a field missing. The
     * message names the request and shows what was received (one line, cut). Asking again would get the same answer.
     */
    final class Malformed extends Unreachable {
        public Malformed(String message) {
            super(message, null);
        }
    }

    /** Milvus refused a request for lack of privileges (HTTP 403, or code 1401): the user needs a role, not a network path. */
    final class Denied extends Unreachable {
        public Denied(String message) {
            super(message, null);
        }
    }
}

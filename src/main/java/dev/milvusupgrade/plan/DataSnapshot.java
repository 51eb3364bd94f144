package dev.milvusupgrade.plan;

import java.util.List;

/**
 * What Milvus holds at one moment, as read through its RESTful API: every database, and for each
 * collection its row count, load state, indexes and a fingerprint of its schema. Plain data: the
 * adapter that reads it lives in {@code data/}, the comparison in {@link DataCheck}.
 *
 * @param databases every database, in the order Milvus lists them
 */
public record DataSnapshot(List<Database> databases) {

    public DataSnapshot {
        databases = List.copyOf(databases);
    }

    /** One database and its collections. */
    public record Database(String name, List<Collection> collections) {
        public Database {
            collections = List.copyOf(collections);
        }
    }

    /**
     * One collection.
     *
     * @param name the collection name
     * @param rowCount the row count of {@code collections/get_stats}: datacoord's segment metadata, not what queries see
     * @param loadState {@code LoadStateLoaded}, {@code LoadStateLoading} or {@code LoadStateNotLoad}
     * @param indexes its indexes with their states
     * @param schemaFingerprint a digest of the schema (fields, types, keys, parameters), stable across reads
     * @param ttlSeconds the collection's {@code collection.ttl.seconds} property, 0 when it has none
     * @param queryCount an unfiltered {@code count(*)} with strong consistency (what the query nodes serve), or
     *     {@link #NOT_COUNTED} (not loaded) or {@link #TIMED_OUT}
     * @param sample primary keys (as text) that come back from a query: at the baseline the first keys Milvus returns,
     *     after a stage those of the baseline's sample that {@code entities/get} still returns
     */
    public record Collection(String name, long rowCount, String loadState, List<Index> indexes, String schemaFingerprint, long ttlSeconds,
            long queryCount, List<String> sample) {
        /** {@link #queryCount} of a collection that was not counted (not loaded). */
        public static final long NOT_COUNTED = -1;
        /** {@link #queryCount} of a collection whose count(*) query timed out (HTTP 408, code 10001). */
        public static final long TIMED_OUT = -2;

        public Collection {
            indexes = List.copyOf(indexes);
            sample = List.copyOf(sample);
        }

        /** Metadata only: not counted, no sample. */
        public Collection(String name, long rowCount, String loadState, List<Index> indexes, String schemaFingerprint) {
            this(name, rowCount, loadState, indexes, schemaFingerprint, 0, NOT_COUNTED, List.of());
        }

        public boolean isLoaded() {
            return "LoadStateLoaded".equals(loadState);
        }

        public boolean counted() {
            return queryCount >= 0;
        }
    }

    /** One index of a collection, e.g. {@code vector_idx} in state {@code Finished}. */
    public record Index(String name, String state) {
    }

    public int collectionCount() {
        return databases.stream().mapToInt(d -> d.collections().size()).sum();
    }

    public long rowCount() {
        return databases.stream().flatMap(d -> d.collections().stream()).mapToLong(Collection::rowCount).sum();
    }

    /** The sum of count(*) over the counted collections without a TTL (whose rows expire by themselves). */
    public long countedRows() {
        return databases.stream().flatMap(d -> d.collections().stream()).filter(c -> c.counted() && c.ttlSeconds() == 0)
                .mapToLong(Collection::queryCount).sum();
    }

    /** How many sampled primary keys the snapshot holds. */
    public int sampledKeys() {
        return databases.stream().flatMap(d -> d.collections().stream()).mapToInt(c -> c.sample().size()).sum();
    }

    /** Whether any collection's count(*) timed out: with a 2.6 stage behind, the milvus#47806 signature. */
    public boolean queryTimedOut() {
        return databases.stream().flatMap(d -> d.collections().stream()).anyMatch(c -> c.queryCount() == Collection.TIMED_OUT);
    }
}

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
     * @param rowCount the row count, taken the same way every time (see {@code data/} for which way)
     * @param loadState {@code LoadStateLoaded}, {@code LoadStateLoading} or {@code LoadStateNotLoad}
     * @param indexes its indexes with their states
     * @param schemaFingerprint a digest of the schema (fields, types, keys, parameters), stable across reads
     */
    public record Collection(String name, long rowCount, String loadState, List<Index> indexes, String schemaFingerprint) {
        public Collection {
            indexes = List.copyOf(indexes);
        }

        public boolean isLoaded() {
            return "LoadStateLoaded".equals(loadState);
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
}

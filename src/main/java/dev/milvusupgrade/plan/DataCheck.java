package dev.milvusupgrade.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Compares what Milvus held before the first stage with what it holds after a stage. Rows may be
 * added while the upgrade runs, so only losses count: a database or collection missing, a schema
 * changed, an index gone, fewer rows by {@code count(*)}, a sampled primary key gone, a collection
 * that was loaded and is not loaded again. A lower metadata row count alone is a warning.
 */
public final class DataCheck {

    /** How much the run checks of the data plane (intent key {@code dataCheck}). */
    public enum Mode {
        /** No data-plane access at all. */
        OFF,
        /** Snapshots before the first stage and after every stage, compared. */
        READ,
        /** READ plus a write probe in a scratch collection of the tool's own. */
        WRITE;

        public String key() {
            return name().toLowerCase();
        }
    }

    /** How much a difference weighs. */
    public enum Kind {
        /** Data lost or broken: the run fails. */
        LOSS,
        /** Not yet as before (a collection loading again, a query timing out); final once the stage timeout passes. */
        PENDING,
        /** Lower metadata with an innocent likely cause: recorded and logged, the run goes on. */
        WARNING
    }

    /** One difference found, named by database and collection. */
    public record Difference(String database, String collection, String what, Kind kind) {

        /** A loss, or with {@code mayResolve} a pending difference. */
        public Difference(String database, String collection, String what, boolean mayResolve) {
            this(database, collection, what, mayResolve ? Kind.PENDING : Kind.LOSS);
        }

        /** For example {@code default.books: 1000 rows before, 998 now}. */
        public String describe() {
            return database + (collection.isEmpty() ? "" : "." + collection) + ": " + what;
        }

        public boolean mayResolve() {
            return kind == Kind.PENDING;
        }

        public boolean isWarning() {
            return kind == Kind.WARNING;
        }
    }

    /** How many sampled keys a difference names at most. */
    static final int KEYS_SHOWN = 5;

    private DataCheck() {
    }

    /** {@link #compare(DataSnapshot, DataSnapshot, boolean)} with no clients writing during the upgrade. */
    public static List<Difference> compare(DataSnapshot before, DataSnapshot after) {
        return compare(before, after, false);
    }

    /**
     * The differences from {@code before} to {@code after}. Losses: a database, collection, index or
     * schema gone or changed; {@code count(*)} lower than before; a sampled primary key that no longer
     * comes back. Pending: a collection that was loaded and is not (yet) loaded again, a count(*) that
     * timed out. Warnings: a lower {@code get_stats} while count(*) is not lower or cannot be taken
     * (compaction applying deletes and upserts, TTL expiry, a failed import lower it without any
     * loss: milvus-rest FACTS "Row counts"); and count(*) or sampled keys lower on a TTL collection, or
     * when {@code clientsWrite} says clients write (and may delete) during the upgrade.
     */
    public static List<Difference> compare(DataSnapshot before, DataSnapshot after, boolean clientsWrite) {
        List<Difference> found = new ArrayList<>();
        Map<String, DataSnapshot.Database> now = after.databases().stream()
                .collect(Collectors.toMap(DataSnapshot.Database::name, Function.identity(), (a, b) -> a));
        for (DataSnapshot.Database db : before.databases()) {
            DataSnapshot.Database later = now.get(db.name());
            if (later == null) {
                found.add(new Difference(db.name(), "", "database missing (" + db.collections().size() + " collections before)", false));
                continue;
            }
            Map<String, DataSnapshot.Collection> collections = later.collections().stream()
                    .collect(Collectors.toMap(DataSnapshot.Collection::name, Function.identity(), (a, b) -> a));
            for (DataSnapshot.Collection c : db.collections()) {
                found.addAll(compare(db.name(), c, Optional.ofNullable(collections.get(c.name())), clientsWrite));
            }
        }
        return List.copyOf(found);
    }

    /**
     * Whether two schema fingerprints are the same; a baseline kept across runs holds only the first 16 hex digits of a
     * SHA-256 one (k8s BaselineCodec), which must then begin the fresh one.
     */
    static boolean sameSchema(String was, String now) {
        return was.equals(now) || was.length() >= 16 && was.length() < now.length() && now.startsWith(was);
    }

    static List<Difference> compare(String db, DataSnapshot.Collection was, Optional<DataSnapshot.Collection> is, boolean clientsWrite) {
        if (is.isEmpty()) {
            return List.of(new Difference(db, was.name(), "collection missing (" + was.rowCount() + " rows before)", Kind.LOSS));
        }
        DataSnapshot.Collection c = is.get();
        if (!sameSchema(was.schemaFingerprint(), c.schemaFingerprint())) {
            return List.of(new Difference(db, was.name(), "schema changed", Kind.LOSS));
        }
        List<String> indexes = c.indexes().stream().map(DataSnapshot.Index::name).toList();
        List<String> gone = was.indexes().stream().map(DataSnapshot.Index::name).filter(i -> !indexes.contains(i)).toList();
        if (!gone.isEmpty()) {
            return List.of(new Difference(db, was.name(), "index " + String.join(", ", gone) + " missing", Kind.LOSS));
        }
        if (was.isLoaded() && !c.isLoaded()) {
            return List.of(new Difference(db, was.name(), "loaded before, " + c.loadState() + " now", Kind.PENDING));
        }
        if (was.counted() && c.queryCount() == DataSnapshot.Collection.TIMED_OUT) {
            return List.of(new Difference(db, was.name(), "count(*) timed out (it answered before the stage)", Kind.PENDING));
        }
        String excuse = was.ttlSeconds() > 0 ? "a TTL collection (collection.ttl.seconds=" + was.ttlSeconds() + "): expired rows go"
                : clientsWrite ? "clients write during the upgrade (clientsWrite: true) and may have deleted rows" : "";
        Kind queryLoss = excuse.isEmpty() ? Kind.LOSS : Kind.WARNING;
        List<Difference> out = new ArrayList<>();
        boolean countLower = was.counted() && c.counted() && c.queryCount() < was.queryCount();
        String stats = "get_stats " + was.rowCount() + " before, " + c.rowCount() + " now";
        if (countLower) {
            out.add(new Difference(db, was.name(), "count(*) " + was.queryCount() + " before, " + c.queryCount() + " now (" + stats + ")"
                    + (excuse.isEmpty() ? "" : ": " + excuse), queryLoss));
        }
        if (c.counted() && !was.sample().isEmpty()) {
            List<String> missing = was.sample().stream().filter(k -> !c.sample().contains(k)).toList();
            if (!missing.isEmpty()) {
                out.add(new Difference(db, was.name(),
                        missing.size() + " of " + was.sample().size() + " sampled primary keys no longer come back ("
                        + String.join(", ", missing.stream().limit(KEYS_SHOWN).toList()) + (missing.size() > KEYS_SHOWN ? ", ..." : "")
                        + ")"
                        + (excuse.isEmpty() ? "" : ": " + excuse), queryLoss));
            }
        }
        if (c.rowCount() < was.rowCount() && !countLower) {
            String cause = was.ttlSeconds() > 0
                    ? "a TTL collection (collection.ttl.seconds=" + was.ttlSeconds() + "): compaction drops expired rows"
                    : c.counted() ? "count(*) is not lower, so likely compaction applying deletes or upserts (or a failed import)"
                    : "not loaded, so count(*) cannot tell; likely compaction applying deletes or upserts, TTL expiry or a failed import";
            out.add(new Difference(db, was.name(), stats + ": " + cause, Kind.WARNING));
        }
        return out;
    }
}

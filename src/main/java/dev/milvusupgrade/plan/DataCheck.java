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
 * changed, an index gone, fewer rows, a collection that was loaded and is not loaded again.
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

    /** One loss found, named by database and collection. */
    public record Difference(String database, String collection, String what, boolean mayResolve) {
        /** For example {@code default.books: 1000 rows before, 998 now}. */
        public String describe() {
            return database + (collection.isEmpty() ? "" : "." + collection) + ": " + what;
        }
    }

    private DataCheck() {
    }

    /**
     * The losses from {@code before} to {@code after}. A collection that was loaded and is not (yet)
     * loaded again {@link Difference#mayResolve may resolve} while the query nodes come back; every
     * other difference is final.
     */
    public static List<Difference> compare(DataSnapshot before, DataSnapshot after) {
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
                compare(db.name(), c, Optional.ofNullable(collections.get(c.name()))).ifPresent(found::add);
            }
        }
        return List.copyOf(found);
    }

    private static Optional<Difference> compare(String db, DataSnapshot.Collection was, Optional<DataSnapshot.Collection> is) {
        if (is.isEmpty()) {
            return Optional.of(new Difference(db, was.name(), "collection missing (" + was.rowCount() + " rows before)", false));
        }
        DataSnapshot.Collection c = is.get();
        if (!was.schemaFingerprint().equals(c.schemaFingerprint())) {
            return Optional.of(new Difference(db, was.name(), "schema changed", false));
        }
        if (c.rowCount() < was.rowCount()) {
            return Optional.of(new Difference(db, was.name(), was.rowCount() + " rows before, " + c.rowCount() + " now", false));
        }
        List<String> indexes = c.indexes().stream().map(DataSnapshot.Index::name).toList();
        List<String> gone = was.indexes().stream().map(DataSnapshot.Index::name).filter(i -> !indexes.contains(i)).toList();
        if (!gone.isEmpty()) {
            return Optional.of(new Difference(db, was.name(), "index " + String.join(", ", gone) + " missing", false));
        }
        if (was.isLoaded() && !c.isLoaded()) {
            return Optional.of(new Difference(db, was.name(), "loaded before, " + c.loadState() + " now", true));
        }
        return Optional.empty();
    }
}

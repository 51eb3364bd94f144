package dev.milvusupgrade.run;

import dev.milvusupgrade.data.MilvusData;
import dev.milvusupgrade.plan.Canary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The canary collection of {@code dataCheck: write} (issue 20): made before the first stage on the
 * source version, proved after every stage by its content (rows bit for bit, a search of known
 * vectors, an insert, an upsert and a delete read back), dropped when the upgrade succeeds and kept
 * when it fails. Never writes to or drops a collection whose schema is not the canary's.
 */
final class CanaryCheck {

    /** What broke: the property (or the step) and whether it hung until the timeout (milvus#47806 after a 2.6 stage). */
    record Failure(String property, boolean timedOut) {
    }

    /** The name is taken by a collection that is not a canary: nothing may be written to it. */
    record Foreign(String description) {
    }

    private final MilvusData data;
    private final String name;

    CanaryCheck(MilvusData data, String name) {
        this.data = data;
        this.name = name;
    }

    String name() {
        return name;
    }

    /** The expected shape, as {@link MilvusData#shape} reports it. */
    static MilvusData.Shape expectedShape() {
        List<String> fields = new ArrayList<>();
        Canary.FIELDS.forEach((f, t) -> fields.add(f + ":" + t));
        return new MilvusData.Shape(fields, true);
    }

    /** Whether the name is free or holds a canary; a foreign collection when it holds anything else. */
    Optional<Foreign> owner() {
        Optional<MilvusData.Shape> shape = data.shape(Canary.DATABASE, name);
        if (shape.isPresent() && !shape.get().equals(expectedShape())) {
            return Optional.of(new Foreign("a collection " + Canary.DATABASE + "." + name + " exists with fields " + shape.get().fields()
                    + (shape.get().dynamic() ? " (dynamic field on)" : "") + ", not the canary's " + expectedShape().fields()));
        }
        return Optional.empty();
    }

    /**
     * Makes the canary if it is not there (a rerun reuses its upgrade's canary), then proves it. Call
     * {@link #owner()} first: this writes to a collection of that name.
     */
    Optional<Failure> ensure() {
        try {
            if (data.shape(Canary.DATABASE, name).isEmpty()) {
                data.create(Canary.createBody(name));
            } else {
                data.load(Canary.DATABASE, name); // a rerun's canary, released meanwhile perhaps
            }
            if (data.query(Canary.DATABASE, name, Canary.allRowsFilter(), Canary.ROWS + 10, Canary.JSON_FIELDS).isEmpty()) {
                data.insert(Canary.DATABASE, name, Canary.rows());
            }
        } catch (MilvusData.StepFailed e) {
            return Optional.of(new Failure(e.step() + " of the canary " + name + " failed: " + e.getMessage(), e.timedOut()));
        }
        return verify();
    }

    /** Rows, search, then the write check: the first property that broke. */
    Optional<Failure> verify() {
        String step = "query";
        try {
            List<Map<String, Object>> read = data.query(Canary.DATABASE, name, Canary.allRowsFilter(), Canary.ROWS + 10,
                    Canary.JSON_FIELDS);
            Optional<String> rows = Canary.compare(Canary.rows(), read);
            if (rows.isPresent()) {
                return Optional.of(new Failure("the canary's " + rows.get(), false));
            }
            step = "search";
            Map<Long, List<Long>> hits = new LinkedHashMap<>();
            for (long id : Canary.SEARCHED) {
                hits.put(id, data.search(Canary.DATABASE, name, "vector", Canary.vector(id), Canary.TOP_K));
            }
            Optional<String> search = Canary.compareSearch(hits);
            if (search.isPresent()) {
                return Optional.of(new Failure("the canary's " + search.get(), false));
            }
            return writes();
        } catch (MilvusData.StepFailed e) {
            return Optional.of(new Failure(e.step() + " on the canary " + name + " failed: " + e.getMessage(), e.timedOut()));
        }
    }

    /** Insert (Milvus fills in the dynamic field itself), upsert, delete, each read back with strong consistency. */
    private Optional<Failure> writes() {
        String key = "id in [" + Canary.WRITE_KEY + "]";
        Map<String, Object> inserted = Canary.writeRow("write check");
        Map<String, Object> upserted = Canary.writeRow("write check, upserted");
        data.delete(Canary.DATABASE, name, key); // a crash between an earlier insert and its delete leaves the row; start clean
        try {
            data.insert(Canary.DATABASE, name, List.of(inserted));
        } catch (MilvusData.StepFailed e) {
            return Optional.of(new Failure("insert into the canary " + name + " (created before the upgrade) failed: " + e.getMessage(),
                    e.timedOut()));
        }
        Optional<String> back = Canary.compare(List.of(inserted), data.query(Canary.DATABASE, name, key, 10, Canary.JSON_FIELDS));
        if (back.isPresent()) {
            return Optional.of(new Failure("the row inserted into the canary does not read back: " + back.get(), false));
        }
        try {
            data.upsert(Canary.DATABASE, name, List.of(upserted));
        } catch (MilvusData.StepFailed e) {
            return Optional.of(new Failure("upsert into the canary " + name + " (created before the upgrade) failed: " + e.getMessage(),
                    e.timedOut()));
        }
        back = Canary.compare(List.of(upserted), data.query(Canary.DATABASE, name, key, 10, Canary.JSON_FIELDS));
        if (back.isPresent()) {
            return Optional.of(new Failure("the row upserted into the canary does not read back: " + back.get(), false));
        }
        try {
            data.delete(Canary.DATABASE, name, key);
        } catch (MilvusData.StepFailed e) {
            return Optional.of(new Failure("delete from the canary " + name + " failed: " + e.getMessage(), e.timedOut()));
        }
        List<Map<String, Object>> left = data.query(Canary.DATABASE, name, key, 10, Canary.JSON_FIELDS);
        if (!left.isEmpty()) {
            return Optional.of(new Failure("the row deleted from the canary still reads back: " + left.size() + " row(s)", false));
        }
        return Optional.empty();
    }

    /** Drops the canary, if it is the canary; why not, if it could not. */
    Optional<String> drop() {
        try {
            if (owner().isPresent()) {
                return Optional.of("the collection " + name + " is not the canary; left alone");
            }
            data.drop(Canary.DATABASE, name);
            return Optional.empty();
        } catch (MilvusData.StepFailed | MilvusData.Unreachable e) {
            return Optional.of(e.getMessage());
        }
    }
}

package dev.milvusupgrade.plan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The canary collection of {@code dataCheck: write}: a collection the tool creates on the source
 * version before the first stage, with a schema like users' (an Int64 primary key {@code id}, a
 * FloatVector {@code vector} with a FLAT/L2 index, a VarChar {@code title}, a JSON {@code meta}, the
 * dynamic field enabled) and {@value #ROWS} known rows, each with a dynamic key {@code extra}. After
 * every stage its rows must come back bit for bit, a search of known vectors must find them, and an
 * insert, an upsert and a delete must work on it (milvus#48930 breaks those on 2.5-created
 * dynamic-field collections). Plain data and comparisons; the requests are in {@code data/}.
 */
public final class Canary {

    /** Every canary's name starts so; snapshots leave such collections out. */
    public static final String PREFIX = "milvus_upgrade_canary_";
    /** The database of the canary. */
    public static final String DATABASE = "default";
    public static final int ROWS = 256;
    public static final int DIM = 8;
    /** The key of the row the write check inserts, upserts and deletes (never one of the {@value #ROWS} rows). */
    public static final long WRITE_KEY = 1_000_001L;
    /** The rows whose vectors are searched: each must be its own nearest neighbour. */
    public static final List<Long> SEARCHED = List.of(1L, 97L, 256L);
    /** How many hits a search asks for. */
    public static final int TOP_K = 3;
    /** The JSON fields (a query sends them as their text). */
    public static final List<String> JSON_FIELDS = List.of("meta");
    /** The schema as describe shows it: field name to type, primary key first. */
    public static final Map<String, String> FIELDS = fields();

    private Canary() {
    }

    private static Map<String, String> fields() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("id", "Int64");
        m.put("vector", "FloatVector");
        m.put("title", "VarChar");
        m.put("meta", "JSON");
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * {@code milvus_upgrade_canary_} and 12 hex digits of SHA-256 over the Milvus resource and the target: a rerun of the same upgrade
     * finds it.
     */
    public static String name(String milvusRef, Version target) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((milvusRef + "->" + target).getBytes(StandardCharsets.UTF_8));
            return PREFIX + HexFormat.of().formatHex(d).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256", e);
        }
    }

    /** The {@code collections/create} body (schema mode with index parameters, so Milvus loads it; strong consistency by default). */
    public static Map<String, Object> createBody(String name) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("dbName", DATABASE);
        body.put("collectionName", name);
        List<Map<String, Object>> fields = new ArrayList<>();
        fields.add(Map.of("fieldName", "id", "dataType", "Int64", "isPrimary", true));
        fields.add(Map.of("fieldName", "vector", "dataType", "FloatVector", "elementTypeParams", Map.of("dim", DIM)));
        fields.add(Map.of("fieldName", "title", "dataType", "VarChar", "elementTypeParams", Map.of("max_length", 64)));
        fields.add(Map.of("fieldName", "meta", "dataType", "JSON"));
        body.put("schema", Map.of("autoID", false, "enableDynamicField", true, "fields", fields));
        body.put("indexParams", List.of(Map.of("fieldName", "vector", "indexName", "vector", "indexType", "FLAT", "metricType", "L2")));
        body.put("params", Map.of("consistencyLevel", "Strong"));
        return body;
    }

    /** Component {@code j} of row {@code id}'s vector: a multiple of 1/256, exact in float32 and in JSON; distinct for ids 1..256. */
    static float component(long id, int j) {
        return (float) Math.floorMod(id * 7 + j * 13, 256) / 256f;
    }

    public static List<Float> vector(long id) {
        List<Float> v = new ArrayList<>(DIM);
        for (int j = 0; j < DIM; j++) {
            v.add(component(id, j));
        }
        return v;
    }

    /** Row {@code id} as inserted: the four fields and the dynamic key {@code extra}. */
    public static Map<String, Object> row(long id) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", id);
        r.put("vector", vector(id));
        r.put("title", "canary row " + id);
        r.put("meta", Map.of("n", id, "tag", "canary"));
        r.put("extra", id * 3);
        return r;
    }

    /** Rows 1..{@value #ROWS}. */
    public static List<Map<String, Object>> rows() {
        List<Map<String, Object>> rows = new ArrayList<>(ROWS);
        for (long id = 1; id <= ROWS; id++) {
            rows.add(row(id));
        }
        return rows;
    }

    /** The write check's row: no dynamic key, so Milvus generates {@code $meta} itself (the insert milvus#48930 breaks). */
    public static Map<String, Object> writeRow(String title) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", WRITE_KEY);
        r.put("vector", vector(WRITE_KEY));
        r.put("title", title);
        r.put("meta", Map.of("n", WRITE_KEY, "tag", "write-check"));
        return r;
    }

    public static String allRowsFilter() {
        return "id >= 1 and id <= " + ROWS;
    }

    /**
     * The first property of the canary's rows that differs from what was written, e.g. {@code vector of
     * id=17}, with what was read; empty when every expected row came back exactly (vectors compared as float32 bits).
     * {@code read} holds the rows as JSON values, dynamic keys beside the fields and JSON fields parsed.
     */
    public static Optional<String> compare(List<Map<String, Object>> expected, List<Map<String, Object>> read) {
        Map<Long, Map<String, Object>> byId = new TreeMap<>();
        for (Map<String, Object> r : read) {
            Object id = r.get("id");
            if (!(id instanceof Number) && !(id instanceof String)) {
                return Optional.of("a row without an id came back: " + cut(r));
            }
            byId.put(Long.parseLong(id.toString()), r);
        }
        int missing = 0;
        String firstMissing = "";
        for (Map<String, Object> e : expected) {
            long id = ((Number) e.get("id")).longValue();
            Map<String, Object> r = byId.remove(id);
            if (r == null) {
                if (missing++ == 0) {
                    firstMissing = "id=" + id;
                }
                continue;
            }
            Optional<String> diff = compareRow(id, e, r);
            if (diff.isPresent()) {
                return diff;
            }
        }
        if (missing > 0) {
            return Optional.of("rows: " + missing + " of " + expected.size() + " written rows do not come back (first " + firstMissing
                    + ")");
        }
        if (!byId.isEmpty()) {
            return Optional.of("rows: " + byId.size() + " unexpected row(s) came back (first id=" + byId.keySet().iterator().next() + ")");
        }
        return Optional.empty();
    }

    private static Optional<String> compareRow(long id, Map<String, Object> e, Map<String, Object> r) {
        List<?> vector = r.get("vector") instanceof List<?> l ? l : List.of();
        @SuppressWarnings("unchecked")
        List<Float> want = (List<Float>) e.get("vector");
        boolean same = vector.size() == want.size();
        for (int j = 0; same && j < want.size(); j++) {
            same = vector.get(j) instanceof Number n && Float.floatToIntBits(n.floatValue()) == Float.floatToIntBits(want.get(j));
        }
        if (!same) {
            return Optional.of("vector of id=" + id + " changed: " + want + " written, " + cut(r.get("vector")) + " read");
        }
        if (!e.get("title").equals(r.get("title"))) {
            return Optional.of("title (VarChar) of id=" + id + " changed: '" + e.get("title") + "' written, '" + cut(r.get("title"))
                    + "' read");
        }
        if (!sameJson(e.get("meta"), r.get("meta"))) {
            return Optional.of("meta (JSON) of id=" + id + " changed: " + e.get("meta") + " written, " + cut(r.get("meta")) + " read");
        }
        if (e.containsKey("extra") && !sameJson(e.get("extra"), r.get("extra"))) {
            return Optional.of("dynamic field extra of id=" + id + " changed: " + e.get("extra") + " written, " + cut(r.get("extra"))
                    + " read");
        }
        return Optional.empty();
    }

    /** JSON equality with numbers compared by value (an int written may be read as a long or a double). */
    static boolean sameJson(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return Double.compare(x.doubleValue(), y.doubleValue()) == 0;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            return x.size() == y.size()
                    && x.entrySet().stream().allMatch(en -> y.containsKey(en.getKey()) && sameJson(en.getValue(), y.get(en.getKey())));
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!sameJson(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a != null && a.equals(b);
    }

    /** The first search whose top hit is not the row whose vector was searched; {@code hits} holds the ids per searched row, best first. */
    public static Optional<String> compareSearch(Map<Long, List<Long>> hits) {
        for (long id : SEARCHED) {
            List<Long> got = hits.getOrDefault(id, List.of());
            if (got.isEmpty() || got.get(0) != id) {
                return Optional.of("search: the top " + TOP_K + " hits for the vector of id=" + id + " are " + got + ", not led by " + id);
            }
        }
        return Optional.empty();
    }

    private static String cut(Object o) {
        String s = String.valueOf(o);
        return s.length() <= 120 ? s : s.substring(0, 119) + "…";
    }
}

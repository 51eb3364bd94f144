package dev.milvusupgrade.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the simulated Milvus holds (databases, collections with schemas, row counts, load states and
 * indexes) and the RESTful API v2 endpoints over it, with the envelopes, codes and texts of
 * milvus-rest FACTS.md (this project's shared reference, read from the Milvus 2.5 server source).
 * {@link SimulatedMilvusDataPlane} serves it over HTTP; this class knows nothing of HTTP beyond the
 * answer's status code. Every method holds the catalog's lock: the content is small and requests are
 * short.
 *
 * <p>Simplifications: the rows a collection counts ({@code get_stats}) hold no data but a primary key:
 * Int64 keys 1..n (VarChar {@code "k1"}..), served by {@code entities/query} (the first keys, up to the
 * limit) and {@code entities/get}; rows inserted through {@code entities/insert} or {@code entities/upsert}
 * hold their fields (in a query's answer dynamic keys beside them and a JSON field as its text, as
 * {@code buildQueryResp} in httpserver/utils.go writes them) and stay "growing" (never flushed), so they show in {@code count(*)} and not
 * in {@code get_stats},
 * as in Milvus before a flush. Filters: {@code pk == N}, {@code pk in [..]}, {@code pk >= a and pk <= b} and
 * none. A load takes one {@code get_load_state} answer of {@code LoadStateLoading} (progress 50) and is
 * {@code LoadStateLoaded} from the next one on. One partition, one shard.
 *
 * <p><b>Row counts</b> (milvus-rest FACTS "Row counts"): {@code get_stats} is the metadata count
 * ({@code rowCount}); {@code count(*)} is what the query nodes serve: the metadata rows minus rows deleted
 * and not yet compacted ({@link Collection#deleted}), minus rows the query path lost while the metadata kept
 * them ({@link Collection#hidden}, as in milvus#43186, #48897, #51250), plus growing rows. The lost rows are
 * the highest keys, so a sample of the first keys still comes back; {@link Collection#lostKeys} removes
 * chosen keys. A compaction of deletes lowers {@code rowCount} by {@code deleted} (sort_compaction.go).
 *
 * <p><b>Search</b> ({@code entities/search}, hv2 search): exact L2 over the growing rows' vectors; the answer
 * is {@code [{"id":pk,"distance":d},...]}, nearest first, as buildQueryResp writes ids and scores.
 * <b>Upsert</b> answers {@code upsertCount}/{@code upsertIds}, <b>delete</b> {@code deleteCount} (hv2 upsert,
 * delete at c1c38337). Search and the write endpoints were read in the 2.5-era handler only; 2.6 was not
 * compared.
 */
final class SimulatedMilvusCatalog {

    static final String LOADED = "LoadStateLoaded";
    static final String LOADING = "LoadStateLoading";
    static final String NOT_LOAD = "LoadStateNotLoad";
    static final String DEFAULT_DB = "default";

    /** An answer: HTTP status and the JSON envelope. */
    record Answer(int status, Map<String, Object> body) {
    }

    /** A field as describe shows it. */
    record Field(String name, String type, boolean primaryKey, boolean partitionKey, boolean clusteringKey, boolean autoId,
            boolean nullable,
            Map<String, String> params, String elementType) {

        Field {
            params = Map.copyOf(params);
        }

        static Field pk(String name, String type, boolean autoId, Map<String, String> params) {
            return new Field(name, type, true, false, false, autoId, false, params, "");
        }

        static Field plain(String name, String type, Map<String, String> params) {
            return new Field(name, type, false, false, false, false, false, params, "");
        }

        boolean isVector() {
            return type.endsWith("Vector");
        }
    }

    /** An index as indexes/describe shows it. */
    static final class Index {
        final String name;
        final String field;
        final String type;
        final String metric;
        String state = "Finished";

        Index(String name, String field, String type, String metric) {
            this.name = name;
            this.field = field;
            this.type = type;
            this.metric = metric;
        }
    }

    static final class Collection {
        final String name;
        final long id;
        final List<Field> fields = new ArrayList<>();
        final boolean dynamic;
        final List<Index> indexes = new ArrayList<>();
        final Map<String, Map<String, Object>> growing = new LinkedHashMap<>();
        long rowCount;
        String loadState = NOT_LOAD;
        /** Loading answers left before a load the simulator started completes; -1 when nothing completes it. */
        int loadingAnswers = -1;
        /** Does not load again after the query nodes restart. */
        boolean keepUnloaded;
        /** Rows deleted and not yet compacted: counted by get_stats, not served by queries. */
        long deleted;
        /** Rows the query path lost while the metadata kept them (the highest keys). */
        long hidden;
        /** Keys the query path lost one by one. */
        final java.util.Set<String> lostKeys = new java.util.HashSet<>();
        /** The collection.ttl.seconds property; 0 for none. */
        long ttlSeconds;
        /** Created while the proxies ran below 2.6 (milvus#48930 follows such dynamic-field collections). */
        boolean createdBelow26 = true;

        Collection(String name, long id, List<Field> fields, boolean dynamic) {
            this.name = name;
            this.id = id;
            this.fields.addAll(fields);
            this.dynamic = dynamic;
        }

        Field pk() {
            return fields.stream().filter(Field::primaryKey).findFirst().orElseThrow();
        }

        void startLoading() {
            loadState = LOADING;
            loadingAnswers = 1;
        }

        /** The metadata rows the query path still serves: keys 1..served() but the lost ones. */
        long served() {
            return Math.max(0, rowCount - deleted - hidden);
        }

        long queryCount() {
            long lost = lostKeys.stream().filter(k -> syntheticKey(k) >= 1 && syntheticKey(k) <= served()).count();
            return served() - lost + growing.size();
        }

        /** The number of a synthetic key ({@code 17} or {@code "k17"}), or -1. */
        long syntheticKey(String key) {
            try {
                return Long.parseLong(key.startsWith("k") ? key.substring(1) : key);
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        boolean textKeys() {
            return "VarChar".equals(pk().type());
        }

        /** A synthetic row (the primary key only) that queries still serve. */
        boolean serves(String key) {
            long n = syntheticKey(key);
            boolean form = textKeys() ? key.startsWith("k") : !key.startsWith("k");
            return form && n >= 1 && n <= served() && !lostKeys.contains(key) && !growing.containsKey(key);
        }

        Object keyValue(long n) {
            return textKeys() ? "k" + n : (Object) n;
        }
    }

    /** merr.TimeoutCode with HTTP 408 (timeout_middleware.go, milvus-rest FACTS.md "Timeout"). */
    static final Answer TIMEOUT = new Answer(408, Map.of("code", 10001, "message", "request timeout"));

    private static final Pattern EQUALS = Pattern.compile("\\s*(\\w+)\\s*==\\s*(-?\\d+|\"[^\"]*\")\\s*");
    private static final Pattern IN = Pattern.compile("\\s*(\\w+)\\s+in\\s+\\[([^\\]]*)\\]\\s*");
    private static final Pattern RANGE = Pattern.compile("\\s*(\\w+)\\s*>=\\s*(-?\\d+)\\s+and\\s+(\\w+)\\s*<=\\s*(-?\\d+)\\s*");

    private final Map<String, Map<String, Collection>> databases = new LinkedHashMap<>();
    private final AtomicLong ids = new AtomicLong(449_000_000_000_000_000L);
    private final AtomicLong autoIds = new AtomicLong(460_000_000_000_000_000L);

    SimulatedMilvusCatalog() {
        databases.put(DEFAULT_DB, new LinkedHashMap<>());
    }

    // ---- content, for the simulator's API

    synchronized void addDatabase(String db) {
        databases.putIfAbsent(db, new LinkedHashMap<>());
    }

    synchronized Collection add(String db, String name, List<Field> fields, boolean dynamic, long rows, String loadState,
            List<Index> indexes) {
        Collection c = new Collection(name, ids.incrementAndGet(), fields, dynamic);
        c.rowCount = rows;
        c.loadState = loadState;
        c.indexes.addAll(indexes);
        databases.computeIfAbsent(db, k -> new LinkedHashMap<>()).put(name, c);
        return c;
    }

    /**
     * The standard test collection: Int64 pk {@code id}, FloatVector {@code vector} (dim 8) with the index {@code vector}
     * (AUTOINDEX, COSINE).
     */
    synchronized Collection addStandard(String db, String name, long rows, boolean loaded) {
        return add(db, name, List.of(Field.pk("id", "Int64", false, Map.of()), Field.plain("vector", "FloatVector", Map.of("dim", "8"))),
                true, rows, loaded ? LOADED : NOT_LOAD, List.of(new Index("vector", "vector", "AUTOINDEX", "COSINE")));
    }

    synchronized Collection collection(String db, String name) {
        Collection c = databases.getOrDefault(db, Map.of()).get(name);
        if (c == null) {
            throw new IllegalArgumentException("no collection " + db + "/" + name + " in the simulated Milvus");
        }
        return c;
    }

    synchronized void remove(String db, String name) {
        collection(db, name);
        databases.get(db).remove(name);
    }

    synchronized List<String> databaseNames() {
        return List.copyOf(databases.keySet());
    }

    synchronized List<String> collectionNames(String db) {
        return List.copyOf(databases.getOrDefault(db, Map.of()).keySet());
    }

    /** Changes a collection under the lock. */
    synchronized void edit(String db, String name, java.util.function.Consumer<Collection> change) {
        change.accept(collection(db, name));
    }

    synchronized <T> T read(String db, String name, java.util.function.Function<Collection, T> get) {
        return get.apply(collection(db, name));
    }

    /** The query nodes restarted: collections marked {@code keepUnloaded} do not load again. */
    synchronized void queryNodesRestarted() {
        databases.values().forEach(cs -> cs.values().stream().filter(c -> c.keepUnloaded).forEach(c -> {
            c.loadState = NOT_LOAD;
            c.loadingAnswers = -1;
        }));
    }

    // ---- the endpoints

    /** The struct each endpoint binds its body to (request_v2.go), for the binding errors' texts. */
    static String struct(String path) {
        return switch (path) {
            case "databases/list" -> "EmptyReq";
            case "collections/list" -> "DatabaseReq";
            case "collections/create" -> "CollectionReq";
            case "indexes/describe" -> "IndexReq";
            case "entities/insert", "entities/upsert" -> "CollectionDataReq";
            case "entities/query" -> "QueryReqV2";
            case "entities/get" -> "CollectionIDReq";
            case "entities/delete" -> "CollectionFilterReq";
            case "entities/search" -> "SearchReqV2";
            default -> "CollectionNameReq";
        };
    }

    static boolean known(String path) {
        return List.of("databases/list", "collections/list", "collections/has", "collections/describe", "collections/get_stats",
                "collections/get_load_state", "collections/create", "collections/drop", "collections/load", "collections/release",
                "indexes/list", "indexes/describe", "entities/insert", "entities/query", "entities/get", "entities/upsert", "entities/delete",
                "entities/search").contains(path);
    }

    /**
     * Whether milvus#47806 blocks the endpoint: on 2.6 every call that changes a collection appends to the WAL
     * (create, load, drop, insert, upsert, delete; milvus-rest FACTS "milvus#47806", root_coord.go:911, 967,
     * ddl_callbacks_alter_load_info_load_collection.go:34); queries and searches per the report.
     */
    static boolean throughWal(String path) {
        return List.of("collections/create", "collections/load", "collections/drop", "entities/insert", "entities/upsert",
                "entities/delete",
                "entities/query", "entities/get", "entities/search").contains(path);
    }

    /** The string fields of the endpoint's struct that the simulator reads (a wrong type there is 1801; unknown keys are ignored). */
    private static List<String> stringFields(String path) {
        return switch (path) {
            case "databases/list" -> List.of();
            case "collections/list" -> List.of("dbName");
            case "indexes/describe" -> List.of("dbName", "collectionName", "indexName");
            case "entities/query" -> List.of("dbName", "collectionName", "filter", "consistencyLevel");
            default -> List.of("dbName", "collectionName");
        };
    }

    /** Required fields per endpoint, in the struct's order. */
    private static List<String> required(String path) {
        return switch (path) {
            case "databases/list", "collections/list" -> List.of();
            case "indexes/describe" -> List.of("collectionName", "indexName");
            case "entities/insert", "entities/upsert" -> List.of("collectionName", "data");
            case "entities/search" -> List.of("collectionName", "data");
            default -> List.of("collectionName");
        };
    }

    /**
     * Binds and answers one request (hv2 wrapperPost order: JSON, types, required fields, then the database),
     * {@code body} being the request object and {@code dbHeader} the {@code DB-Name} header or null. With
     * {@code walBlocked} (milvus#47806) an insert or query of an existing (and for a query, loaded) collection
     * answers HTTP 408, code 10001, and changes nothing; the caller delays that answer.
     */
    synchronized Answer handle(String path, JsonNode body, String dbHeader, boolean walBlocked) {
        return handle(path, body, dbHeader, new Era(walBlocked, false, false));
    }

    /**
     * What the cluster's state does to the data plane.
     *
     * @param walBlocked milvus#47806: every call that appends to the WAL on 2.6 (create, load, drop, insert, upsert,
     *     delete; milvus-rest FACTS "milvus#47806") and, per the report, queries and searches hang
     * @param below26 the proxies run below 2.6: a collection created now is a 2.5 collection
     * @param bug48930 the proxies run 2.6.12, 2.6.13 or 2.6.14: an insert without dynamic keys and every upsert into a
     *     2.5-created dynamic-field collection fail (operator FACTS §9.8, milvus#48930). The error text is inferred from
     *     the root cause (CheckValidData on {@code $meta}), not read from a server
     */
    record Era(boolean walBlocked, boolean below26, boolean bug48930) {
    }

    synchronized Answer handle(String path, JsonNode body, String dbHeader, Era era) {
        boolean walBlocked = era.walBlocked();
        String struct = struct(path);
        for (String key : stringFields(path)) {
            JsonNode v = field(body, key);
            if (v != null && !v.isTextual() && !v.isNull()) {
                return error(1801, "can only accept json format request, error: json: cannot unmarshal " + goType(v)
                        + " into Go struct field "
                        + struct + "." + key + " of type string");
            }
        }
        JsonNode data = field(body, "data");
        if ((path.equals("entities/insert") || path.equals("entities/upsert")) && data != null && !data.isNull() && !data.isArray()) {
            return error(1801, "can only accept json format request, error: json: cannot unmarshal " + goType(data)
                    + " into Go struct field "
                    + struct + ".data of type []map[string]interface {}");
        }
        for (String key : required(path)) {
            JsonNode v = field(body, key);
            if (v == null || v.isNull() || v.isTextual() && v.asText().isEmpty()) {
                String go = Character.toUpperCase(key.charAt(0)) + key.substring(1);
                return error(1802, "missing required parameters, error: Key: '" + struct + "." + go + "' Error:Field validation for '" + go
                        + "' failed on the 'required' tag");
            }
        }
        if (path.equals("databases/list")) {
            return ok(databaseNames());
        }
        String db = text(body, "dbName");
        if (db.isEmpty()) {
            db = dbHeader == null || dbHeader.isEmpty() ? DEFAULT_DB : dbHeader;
        }
        Map<String, Collection> collections = databases.get(db);
        if (collections == null) {
            return error(800, "database not found[database=" + db + "]");
        }
        if (path.equals("collections/list")) {
            return ok(List.copyOf(collections.keySet()));
        }
        String name = text(body, "collectionName");
        Collection c = collections.get(name);
        String missing = "can't find collection[database=" + db + "][collection=" + name + "]";
        switch (path) {
            case "collections/has":
                return ok(Map.of("has", c != null));
            case "collections/create":
                if (walBlocked) {
                    return TIMEOUT;
                }
                Answer created = create(collections, name, c, body);
                if (c == null && collections.get(name) != null) {
                    collections.get(name).createdBelow26 = era.below26();
                }
                return created;
            case "collections/drop":
                if (walBlocked) {
                    return TIMEOUT;
                }
                collections.remove(name);
                return ok(Map.of());
            case "collections/get_load_state":
                return c == null ? error(100, "collection not found[collection=" + name + "]") : loadState(c);
            default:
                break;
        }
        if (c == null) {
            return error(100, missing);
        }
        return switch (path) {
            case "collections/describe" -> describe(db, c);
            case "collections/get_stats" -> ok(Map.of("rowCount", c.rowCount));
            case "collections/load" -> walBlocked ? TIMEOUT : load(c);
            case "collections/release" -> {
                c.loadState = NOT_LOAD;
                c.loadingAnswers = -1;
                yield ok(Map.of());
            }
            case "indexes/list" -> ok(c.indexes.stream().map(i -> i.name).toList());
            case "indexes/describe" -> describeIndex(c, text(body, "indexName"));
            case "entities/insert" -> walBlocked ? TIMEOUT : insert(c, data, false, era.bug48930());
            case "entities/upsert" -> walBlocked ? TIMEOUT : insert(c, data, true, era.bug48930());
            case "entities/delete" -> walBlocked ? TIMEOUT : delete(c, body);
            case "entities/query", "entities/get", "entities/search" -> !LOADED.equals(c.loadState)
                    ? error(101, "collection not loaded[collection=" + c.name + "]")
                    : walBlocked ? TIMEOUT : path.equals("entities/query") ? query(c, body) : path.equals("entities/get") ? get(c, body)
                    : search(c, body);
            default -> throw new IllegalArgumentException(path);
        };
    }

    private Answer describe(String db, Collection c) {
        List<Map<String, Object>> fields = new ArrayList<>();
        for (int i = 0; i < c.fields.size(); i++) {
            Field f = c.fields.get(i);
            Map<String, Object> m = new TreeMap<>();
            m.put("name", f.name());
            m.put("id", 100 + i);
            m.put("type", f.type());
            m.put("primaryKey", f.primaryKey());
            m.put("partitionKey", f.partitionKey());
            m.put("clusteringKey", f.clusteringKey());
            m.put("autoId", f.autoId());
            m.put("nullable", f.nullable());
            m.put("description", "");
            if (!f.params().isEmpty()) {
                m.put("params", new TreeMap<>(f.params()).entrySet().stream().map(e -> Map.of("key", e.getKey(), "value", e.getValue()))
                        .toList());
            }
            if (!f.elementType().isEmpty()) {
                m.put("elementType", f.elementType());
            }
            fields.add(m);
        }
        String firstVector = c.fields.stream().filter(Field::isVector).map(Field::name).findFirst().orElse("");
        List<Map<String, Object>> indexes = c.indexes.stream().filter(i -> i.field.equals(firstVector))
                .map(i -> Map.<String, Object>of("fieldName", i.field, "indexName", i.name, "metricType", i.metric)).toList();
        Map<String, Object> data = new TreeMap<>();
        data.put("aliases", List.of());
        data.put("autoId", c.pk().autoId());
        data.put("collectionID", c.id);
        data.put("collectionName", c.name);
        data.put("consistencyLevel", "Bounded");
        data.put("description", "");
        data.put("enableDynamicField", c.dynamic);
        data.put("fields", fields);
        data.put("functions", List.of());
        data.put("indexes", indexes);
        data.put("load", c.loadState);
        data.put("partitionsNum", 1);
        data.put("properties", c.ttlSeconds > 0 ? List.of(Map.of("key", "collection.ttl.seconds", "value", String.valueOf(c.ttlSeconds)))
                : List.of());
        data.put("shardsNum", 1);
        Map<String, Object> out = new TreeMap<>();
        out.put("code", 0);
        out.put("data", data);
        out.put("message", indexes.isEmpty() ? "index not found[indexName=];" : "");
        return new Answer(200, out);
    }

    private Answer loadState(Collection c) {
        if (NOT_LOAD.equals(c.loadState)) {
            return ok(Map.of("loadState", NOT_LOAD));
        }
        int progress = LOADED.equals(c.loadState) ? 100 : 50;
        Map<String, Object> out = new TreeMap<>(Map.of("code", 0, "data", Map.of("loadProgress", progress, "loadState", c.loadState),
                "message", ""));
        if (LOADING.equals(c.loadState) && c.loadingAnswers > 0 && --c.loadingAnswers == 0) {
            c.loadState = LOADED;
            c.loadingAnswers = -1;
        }
        return new Answer(200, out);
    }

    private Answer load(Collection c) {
        for (Field f : c.fields) {
            if (f.isVector() && c.indexes.stream().noneMatch(i -> i.field.equals(f.name()))) {
                return error(700, "index not found[collection=" + c.name + "]");
            }
        }
        if (!LOADED.equals(c.loadState)) {
            c.startLoading();
        }
        return ok(Map.of());
    }

    private Answer describeIndex(Collection c, String index) {
        for (Index i : c.indexes) {
            if (i.name.equals(index)) {
                Map<String, Object> m = new TreeMap<>();
                m.put("indexName", i.name);
                m.put("fieldName", i.field);
                m.put("indexType", i.type);
                m.put("metricType", i.metric);
                m.put("totalRows", c.rowCount);
                m.put("indexedRows", c.rowCount);
                m.put("pendingRows", 0);
                m.put("indexState", i.state);
                m.put("failReason", "");
                return ok(List.of(m));
            }
        }
        return error(700, "index not found[indexName=" + index + "]");
    }

    /** Quick mode ({@code dimension}) or schema mode ({@code schema}); the same schema again succeeds. */
    private Answer create(Map<String, Collection> collections, String name, Collection existing, JsonNode body) {
        List<Field> fields = new ArrayList<>();
        List<Index> indexes = new ArrayList<>();
        boolean dynamic;
        boolean load;
        JsonNode schema = field(body, "schema");
        if (schema != null && schema.isObject()) {
            boolean autoId = bool(schema, "autoID");
            dynamic = bool(schema, "enableDynamicField");
            for (JsonNode f : iterable(field(schema, "fields"))) {
                String type = text(f, "dataType");
                if (!List.of("Int64", "VarChar", "Bool", "Int8", "Int16", "Int32", "Float", "Double", "JSON", "Array", "FloatVector",
                        "BinaryVector", "Float16Vector", "BFloat16Vector", "SparseFloatVector").contains(type)) {
                    return error(1100, "invalid data type: " + type + ": invalid parameter");
                }
                Map<String, String> params = new TreeMap<>();
                JsonNode ep = field(f, "elementTypeParams");
                if (ep != null && ep.isObject()) {
                    ep.fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
                }
                boolean primary = bool(f, "isPrimary");
                fields.add(new Field(text(f, "fieldName"), type, primary, bool(f, "isPartitionKey"), bool(f, "isClusteringKey"),
                        primary && autoId,
                        bool(f, "nullable"), params, text(f, "elementDataType")));
            }
            if (fields.stream().noneMatch(Field::primaryKey)) {
                return error(1100, "primary key is not specified: invalid parameter");
            }
            for (JsonNode p : iterable(field(body, "indexParams"))) {
                String fieldName = text(p, "fieldName");
                if (fields.stream().noneMatch(f -> f.name().equals(fieldName))) {
                    return error(1802, "missing required parameters, error: `" + fieldName + "` hasn't defined in schema");
                }
                String indexName = text(p, "indexName");
                indexes.add(new Index(indexName.isEmpty() ? fieldName : indexName, fieldName, text(p, "indexType").isEmpty() ? "AUTOINDEX"
                        : text(p, "indexType"), text(p, "metricType")));
            }
            load = !indexes.isEmpty();
        } else {
            JsonNode dim = field(body, "dimension");
            if (dim == null || !dim.canConvertToLong() || dim.asLong() <= 0) {
                return error(1100, "dimension is required for quickly create collection(default metric type: COSINE): invalid parameter"
                        + "[expected=only accept positive integer][actual=" + (dim == null ? 0 : dim.asText()) + "]");
            }
            dynamic = true;
            fields.add(Field.pk("id", "Int64", bool(body, "autoID"), Map.of()));
            fields.add(Field.plain("vector", "FloatVector", Map.of("dim", dim.asText())));
            String metric = text(body, "metricType");
            indexes.add(new Index("vector", "vector", "AUTOINDEX", metric.isEmpty() ? "COSINE" : metric));
            load = true;
        }
        if (existing != null) {
            return existing.fields.equals(fields) && existing.dynamic == dynamic ? ok(Map.of())
                    : error(1100, "create duplicate collection with different parameters, collection: " + name + ": invalid parameter");
        }
        Collection c = new Collection(name, ids.incrementAndGet(), fields, dynamic);
        c.indexes.addAll(indexes);
        if (load) {
            c.startLoading();
        }
        collections.put(name, c);
        return ok(Map.of());
    }

    /** entities/insert, or with {@code upsert} entities/upsert (a row with a known key replaces it). */
    private Answer insert(Collection c, JsonNode data, boolean upsert, boolean bug48930) {
        if (data.isEmpty()) {
            return error(1804, "fail to deal the insert data, error: no data");
        }
        Field pk = c.pk();
        List<Object> ids = new ArrayList<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (JsonNode row : data) {
            if (!row.isObject()) {
                return error(1801, "can only accept json format request, error: json: cannot unmarshal " + goType(row)
                        + " into Go struct field CollectionDataReq.data of type map[string]interface {}");
            }
            Map<String, Object> stored = new LinkedHashMap<>();
            for (Field f : c.fields) {
                JsonNode v = row.get(f.name());
                if (f.primaryKey() && f.autoId()) {
                    if (v != null) {
                        return error(1804, "fail to deal the insert data, error: the primary key " + f.name()
                                + " is auto-generated: invalid parameter");
                    }
                    stored.put(f.name(), autoIds.incrementAndGet());
                    continue;
                }
                if (v == null || v.isNull()) {
                    if (f.nullable()) {
                        continue;
                    }
                    return error(1804, "fail to deal the insert data, error: missing field " + f.name() + ": invalid parameter");
                }
                if (f.isVector() && (!v.isArray() || !String.valueOf(v.size()).equals(f.params().get("dim")))) {
                    return error(1804, "fail to deal the insert data, error: the dim (" + v.size() + ") of field data(" + f.name()
                            + ") is not equal to schema dim (" + f.params().get("dim") + "): invalid parameter");
                }
                stored.put(f.name(), v);
            }
            boolean dynamicKeys = false;
            if (c.dynamic) {
                for (Iterator<String> names = row.fieldNames(); names.hasNext();) {
                    String k = names.next();
                    if (c.fields.stream().noneMatch(f -> f.name().equals(k))) {
                        stored.put(k, row.get(k));
                        dynamicKeys = true;
                    }
                }
            }
            if (bug48930 && c.dynamic && c.createdBelow26 && (upsert || !dynamicKeys)) {
                return error(1100, "the length of valid_data of field($meta) is wrong: invalid parameter[expected=0][actual=" + data.size()
                        + "]");
            }
            rows.add(stored);
            ids.add(stored.get(pk.name()));
        }
        rows.forEach(r -> c.growing.put(key(r.get(pk.name())), r));
        String kind = upsert ? "upsert" : "insert";
        return new Answer(200, new TreeMap<>(Map.of("code", 0, "cost", 0, "data", Map.of(kind + "Count", rows.size(), kind + "Ids", ids))));
    }

    /** The keys a filter selects ({@code null}: every row), or an error answer's message. */
    private record Keys(List<String> wanted, long from, long to, String error) {
        boolean matches(String key, Collection c) {
            if (wanted != null) {
                return wanted.contains(key);
            }
            if (from > Long.MIN_VALUE || to < Long.MAX_VALUE) {
                long n = c.syntheticKey(key);
                return n >= from && n <= to;
            }
            return true;
        }
    }

    private static Keys keys(Collection c, String filter) {
        String pk = c.pk().name();
        Matcher eq = EQUALS.matcher(filter);
        Matcher in = IN.matcher(filter);
        Matcher range = RANGE.matcher(filter);
        if (filter.isBlank()) {
            return new Keys(null, Long.MIN_VALUE, Long.MAX_VALUE, "");
        } else if (eq.matches() && eq.group(1).equals(pk)) {
            return new Keys(List.of(eq.group(2).replace("\"", "")), 0, 0, "");
        } else if (in.matches() && in.group(1).equals(pk)) {
            List<String> wanted = new ArrayList<>();
            for (String v : in.group(2).split(",")) {
                if (!v.isBlank()) {
                    wanted.add(v.trim().replace("\"", ""));
                }
            }
            return new Keys(wanted, 0, 0, "");
        } else if (range.matches() && range.group(1).equals(pk) && range.group(3).equals(pk)) {
            return new Keys(null, Long.parseLong(range.group(2)), Long.parseLong(range.group(4)), "");
        }
        return new Keys(null, 0, 0,
                "failed to create query plan: cannot parse expression: " + filter + ", error: the simulator knows only `"
                + pk + " == N`, `" + pk + " in [..]` and `" + pk + " >= a and " + pk + " <= b`: invalid parameter");
    }

    private Answer delete(Collection c, JsonNode body) {
        Keys k = keys(c, text(body, "filter"));
        if (!k.error().isEmpty() || text(body, "filter").isBlank()) {
            return error(1100, k.error().isEmpty() ? "empty expression: invalid parameter" : k.error());
        }
        int before = c.growing.size();
        c.growing.keySet().removeIf(key -> k.matches(key, c));
        return ok(Map.of("deleteCount", before - c.growing.size()));
    }

    private Answer query(Collection c, JsonNode body) {
        if (!LOADED.equals(c.loadState)) {
            return error(101, "collection not loaded[collection=" + c.name + "]");
        }
        List<String> output = new ArrayList<>();
        iterable(field(body, "outputFields")).forEach(n -> output.add(n.asText()));
        String filter = text(body, "filter");
        if (output.size() == 1 && output.get(0).trim().equalsIgnoreCase("count(*)") && filter.isEmpty()) {
            return new Answer(200, new TreeMap<>(Map.of("code", 0, "cost", 0, "data", List.of(Map.of("count(*)", c.queryCount())))));
        }
        Keys k = keys(c, filter);
        if (!k.error().isEmpty()) {
            return error(1100, k.error());
        }
        JsonNode limitNode = field(body, "limit");
        long limit = limitNode == null || limitNode.asLong() <= 0 ? 100 : limitNode.asLong();
        return new Answer(200, new TreeMap<>(Map.of("code", 0, "cost", 0, "data", rows(c, k, output, limit))));
    }

    /** hv2 get: the {@code id} key (a scalar or an array) becomes the filter {@code pk in [ids]}. */
    private Answer get(Collection c, JsonNode body) {
        JsonNode id = field(body, "id");
        if (id == null || id.isNull() || id.isArray() && id.isEmpty()) {
            return error(1802, "missing required parameters, error: Key: 'CollectionIDReq.ID' Error:Field validation for 'ID' failed on "
                    + "the 'required' tag");
        }
        List<String> wanted = new ArrayList<>();
        (id.isArray() ? id : List.of(id)).forEach(v -> wanted.add(v.asText()));
        List<String> output = new ArrayList<>();
        iterable(field(body, "outputFields")).forEach(n -> output.add(n.asText()));
        return new Answer(200, new TreeMap<>(Map.of("code", 0, "cost", 0, "data",
                rows(c, new Keys(wanted, 0, 0, ""), output, Long.MAX_VALUE))));
    }

    /** The rows a query serves: the synthetic ones (primary key only) first, then the growing ones. */
    private static List<Map<String, Object>> rows(Collection c, Keys k, List<String> output, long limit) {
        String pk = c.pk().name();
        List<Map<String, Object>> rows = new ArrayList<>();
        if (k.wanted() != null) {
            for (String key : k.wanted()) {
                if (rows.size() < limit && c.serves(key)) {
                    rows.add(new TreeMap<>(Map.of(pk, c.keyValue(c.syntheticKey(key)))));
                }
            }
        } else {
            long from = Math.max(1, k.from());
            long to = Math.min(c.served(), k.to());
            for (long n = from; n <= to && rows.size() < limit; n++) {
                if (c.serves(String.valueOf(c.keyValue(n)))) {
                    rows.add(new TreeMap<>(Map.of(pk, c.keyValue(n))));
                }
            }
        }
        for (Map<String, Object> row : c.growing.values()) {
            if (k.matches(key(row.get(pk)), c) && rows.size() < limit) {
                Map<String, Object> out = new TreeMap<>();
                row.forEach((name, v) -> {
                    if (name.equals(pk) || output.isEmpty() || output.contains("*") || output.contains(name)) {
                        // buildQueryResp (httpserver/utils.go): a JSON field goes out as its text, dynamic keys beside the fields.
                        boolean jsonField = c.fields.stream().anyMatch(f -> f.name().equals(name) && f.type().equals("JSON"));
                        out.put(name, jsonField && v instanceof JsonNode n ? n.toString() : v);
                    }
                });
                rows.add(out);
            }
        }
        return rows;
    }

    /** Exact L2 over the growing rows of the {@code annsField} (or the first vector field). */
    private Answer search(Collection c, JsonNode body) {
        String field = text(body, "annsField");
        if (field.isEmpty()) {
            field = c.fields.stream().filter(Field::isVector).map(Field::name).findFirst().orElse("");
        }
        JsonNode data = field(body, "data");
        if (data == null || !data.isArray() || data.isEmpty() || !data.get(0).isArray()) {
            return error(1801, "can only accept json format request, error: cannot find a vector in data");
        }
        JsonNode query = data.get(0);
        JsonNode limitNode = field(body, "limit");
        long limit = limitNode == null || limitNode.asLong() <= 0 ? 100 : limitNode.asLong();
        String pk = c.pk().name();
        String f = field;
        List<Map<String, Object>> hits = new ArrayList<>();
        for (Map<String, Object> row : c.growing.values()) {
            if (row.get(f) instanceof JsonNode v && v.isArray() && v.size() == query.size()) {
                double d = 0;
                for (int i = 0; i < v.size(); i++) {
                    double x = (float) v.get(i).asDouble() - (float) query.get(i).asDouble();
                    d += x * x;
                }
                Map<String, Object> hit = new TreeMap<>();
                hit.put(pk, row.get(pk));
                hit.put("distance", d);
                hits.add(hit);
            }
        }
        hits.sort(java.util.Comparator.comparingDouble(h -> (Double) h.get("distance")));
        return new Answer(200, new TreeMap<>(Map.of("code", 0, "cost", 0, "data", hits.subList(0, (int) Math.min(limit, hits.size())))));
    }

    // ---- envelopes and binding

    static Answer ok(Object data) {
        return new Answer(200, new TreeMap<>(Map.of("code", 0, "data", data)));
    }

    /** Milvus's errors come with HTTP 200 (milvus-rest FACTS.md "Envelope"). */
    static Answer error(int code, String message) {
        return new Answer(200, new TreeMap<>(Map.of("code", code, "message", message)));
    }

    /** A key as encoding/json finds it: the exact name first, else the first that matches ignoring case. */
    static JsonNode field(JsonNode object, String key) {
        if (object == null || !object.isObject()) {
            return null;
        }
        JsonNode exact = object.get(key);
        if (exact != null) {
            return exact;
        }
        for (Iterator<String> names = ((ObjectNode) object).fieldNames(); names.hasNext();) {
            String n = names.next();
            if (n.equalsIgnoreCase(key)) {
                return object.get(n);
            }
        }
        return null;
    }

    private static String text(JsonNode object, String key) {
        JsonNode v = field(object, key);
        return v == null || v.isNull() ? "" : v.asText();
    }

    private static boolean bool(JsonNode object, String key) {
        JsonNode v = field(object, key);
        return v != null && v.asBoolean(false);
    }

    private static Iterable<JsonNode> iterable(JsonNode array) {
        return array != null && array.isArray() ? array : List.of();
    }

    private static String key(Object pk) {
        return pk instanceof JsonNode n ? n.asText() : String.valueOf(pk);
    }

    static String goType(JsonNode v) {
        return v.isNumber() ? "number" : v.isBoolean() ? "bool" : v.isArray() ? "array" : v.isObject() ? "object" : "string";
    }
}

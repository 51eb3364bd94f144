package dev.milvusupgrade.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.milvusupgrade.plan.Canary;
import dev.milvusupgrade.plan.DataSnapshot;
import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.plan.Text;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;

/**
 * {@link MilvusData} through Milvus's RESTful API v2 on the proxies ({@code POST /v2/vectordb/...}), as
 * the server really behaves (milvus-rest FACTS.md of this project's shared reference, read from the
 * server source; where the public docs differ, FACTS wins).
 *
 * <p><b>Snapshot.</b> {@code databases/list}; per database {@code collections/list}; per collection
 * {@code collections/describe} (the schema fingerprint), {@code collections/get_load_state},
 * {@code collections/get_stats} (the row count), {@code indexes/list} and per index
 * {@code indexes/describe} (name and {@code indexState}). Per collection that is 4 requests plus one per
 * index. At most {@code parallelism} requests are in flight: the collections are read by a fixed pool of
 * that many threads, each doing its collection's requests one after the other. The tool's own scratch
 * collections ({@link #PROBE_PREFIX}) are left out. A collection or database that disappears between
 * being listed and being read (code 100, 800) is left out as well: it is gone. Every other error ends
 * the snapshot with {@link MilvusData.Unreachable} naming the endpoint (never the credentials).
 *
 * <p><b>Row counts: {@value #ROW_COUNT_SOURCE} and count(*).</b> {@code get_stats} is what datacoord counts
 * in segment metadata (milvus-rest FACTS.md "Row counts"): it answers for every collection, loaded or not,
 * but cannot see rows the query path lost, and compaction of deletes, TTL expiry and failed imports lower
 * it without any loss. So each <b>loaded</b> collection is also counted by an unfiltered
 * {@code entities/query} with {@code outputFields: ["count(*)"]} and strong consistency (no limit applies),
 * and sampled: at the baseline ({@link #snapshot()}) the first {@value #SAMPLE} primary keys an
 * {@code entities/query} with that limit returns; after a stage ({@link #snapshot(DataSnapshot)}) those keys
 * asked back with {@code entities/get} ({@code id}: the keys, numbers for Int64, strings for VarChar). A
 * query that times out (HTTP 408 or code 10001) marks the collection {@code TIMED_OUT} instead of ending
 * the snapshot; code 101 (released meanwhile) leaves it uncounted. The comparison is {@code DataCheck}'s.
 * The TTL comes from describe's {@code properties} ({@code collection.ttl.seconds}).
 *
 * <p><b>Schema fingerprint.</b> SHA-256 over a canonical JSON of {@code enableDynamicField} and, per field
 * in the order Milvus lists them, {@code name}, {@code type}, {@code primaryKey}, {@code partitionKey},
 * {@code clusteringKey}, {@code autoId}, {@code nullable}, {@code params} (sorted by key) and
 * {@code elementType}; absent booleans count as false, absent texts as empty. Left out on purpose: the
 * collection and field ids, {@code load}, {@code partitionsNum}, {@code shardsNum}, {@code properties},
 * {@code indexes}, descriptions and anything else a collection's life changes by itself.
 *
 * <p><b>Requests.</b> HTTP/1.1 with JSON bodies; {@code Authorization: Bearer <token>} or
 * {@code Bearer <user>:<password>}; the {@code Request-Timeout} header in whole seconds (rounded up),
 * which Milvus honours by answering HTTP 408, code 10001; the client's own timeout is that plus
 * {@link #CLIENT_GRACE}, so Milvus's answer normally arrives first. Success is HTTP 200 with
 * {@code code} 0; errors are HTTP 200 with a non-zero {@code code}; 401 (code 1800) means the
 * credentials were refused ({@link AccessFailure}). For {@code https} the endpoint's CA certificate is the only CA
 * trusted when given (the JVM's beside it only if the endpoint says so), otherwise the JVM's ({@link PinnedTrust}).
 *
 * <p><b>Probe.</b> Creates {@code milvus_upgrade_probe_<8 hex>} in database {@code default} in quick mode
 * ({@code dimension: 2}: an Int64 primary key {@code id}, a FloatVector {@code vector}, AUTOINDEX, loaded
 * automatically), waits until {@code get_load_state} says Loaded (bounded by three request timeouts),
 * inserts {@code {"id":1,"vector":[0.1,0.2]}}, queries {@code id == 1} with strong consistency and checks
 * the row came back, and drops the collection whatever happened. Steps: {@code create}, {@code load},
 * {@code insert}, {@code query}, {@code drop}. A step that answers HTTP 408 (code 10001) or runs into
 * the client's own timeout is {@code Failed(step, ..., writeTimedOut=true)}: milvus#47806 as a REST client
 * sees it, on 2.6 at create and load as much as at insert (milvus-rest FACTS.md "milvus#47806").
 * Connection failures and refused credentials throw {@link MilvusData.Unreachable}, after an attempt to
 * drop the collection; HTTP 403 or code 1401 throws {@link MilvusData.Denied}.
 *
 * <p><b>Single collections</b> (the canary): {@code collections/describe} for its shape, {@code create}
 * (schema mode with {@code indexParams}, which loads it) and a wait for Loaded, {@code entities/insert},
 * {@code entities/upsert} ({@code upsertCount}), {@code entities/delete} ({@code filter}),
 * {@code entities/query} with {@code outputFields: ["*"]} and strong consistency (dynamic keys beside the
 * fields; a {@code $meta} object or JSON text, and JSON fields sent as text, are parsed),
 * {@code entities/search} ({@code data: [[vector]]}, {@code annsField}, {@code limit}; hits
 * {@code {"id":..,"distance":..}}) and {@code collections/drop}: hv2 at c1c38337 (2.5-era).
 */
public final class MilvusRestClient implements MilvusData {

    /** How a collection's row count is taken, the same before and after every stage (see the class comment). */
    public static final String ROW_COUNT_SOURCE = "collections/get_stats";
    /** The name prefix of the probe's scratch collections; snapshots leave such collections out. */
    public static final String PROBE_PREFIX = "milvus_upgrade_probe_";
    /** The database the probe writes to. */
    public static final String PROBE_DATABASE = "default";
    /** How much longer than the {@code Request-Timeout} header the client itself waits for an answer. */
    public static final Duration CLIENT_GRACE = Duration.ofSeconds(2);

    static final String BASE_PATH = "/v2/vectordb/";
    /** How many times a read is sent when no answer comes (see {@link #attempts}). */
    static final int READ_ATTEMPTS = 3;
    private static final String CREATE = "collections/create";
    private static final Set<String> READS = Set.of("databases/list", "collections/list", "collections/describe",
            "collections/get_load_state", "collections/get_stats", "indexes/list", "indexes/describe", "entities/query", "entities/get",
            "entities/search");
    private static final Set<String> REPEATABLE = Set.of("collections/load", "collections/release", "collections/drop",
            "entities/upsert", "entities/delete");
    /** The answer of a create whose own answer was lost, once describe found the collection. */
    private static final JsonNode CREATED = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("code", 0);
    private static final int MISSING_COLLECTION = 100;
    private static final int MISSING_DATABASE = 800;
    private static final int MISSING_INDEX = 700;
    private static final int NOT_LOADED = 101;
    /** merr's privilege-not-permitted code (milvus-rest FACTS "Authorization (RBAC)"). */
    private static final int PERMISSION_DENIED = 1401;
    /** How many primary keys the baseline samples per loaded collection. */
    public static final int SAMPLE = 10;
    private static final String TTL_PROPERTY = "collection.ttl.seconds";
    /** An answer with no rows. */
    private static final JsonNode NOT_ASKED = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    private static final int TIMEOUT_CODE = 10001;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final MilvusEndpoint endpoint;
    private final int parallelism;
    private final long timeoutSeconds;
    private final Duration loadWait;
    private final Optional<String> authorization;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param endpoint where Milvus's RESTful API is and how to authenticate
     * @param parallelism at most this many requests at once (1 or more)
     * @param requestTimeout the limit of each request, sent to Milvus as {@code Request-Timeout} in whole seconds
     * @throws IllegalArgumentException for a scheme other than http/https, a user without a password, a CA certificate
     *     that is not PEM, a parallelism below 1 or a non-positive timeout
     */
    public MilvusRestClient(MilvusEndpoint endpoint, int parallelism, Duration requestTimeout) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, not " + parallelism);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("the request timeout must be positive, not " + requestTimeout);
        }
        String scheme = Optional.ofNullable(endpoint.uri().getScheme()).orElse("");
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("Milvus's RESTful API needs an http or https URI, not " + endpoint.uri());
        }
        if (endpoint.token().isEmpty() && endpoint.username().isPresent() != endpoint.password().isPresent()) {
            throw new IllegalArgumentException("a Milvus user needs both a username and a password");
        }
        this.endpoint = endpoint;
        this.parallelism = parallelism;
        this.timeoutSeconds = Math.max(1, (requestTimeout.toMillis() + 999) / 1000);
        this.loadWait = requestTimeout.multipliedBy(3);
        this.authorization = endpoint.token().map(t -> "Bearer " + t)
                .or(() -> endpoint.username().map(u -> "Bearer " + u + ":" + endpoint.password().orElse("")));
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(timeoutSeconds)).followRedirects(HttpClient.Redirect.NEVER);
        if (scheme.equals("https")) {
            builder.sslContext(PinnedTrust.sslContext(endpoint.caCertificate(), endpoint.trustPublicCas()));
        }
        this.http = builder.build();
    }

    @Override
    public DataSnapshot snapshot() {
        return read(Map.of());
    }

    @Override
    public DataSnapshot snapshot(DataSnapshot baseline) {
        Map<String, DataSnapshot.Collection> before = new HashMap<>();
        baseline.databases().forEach(d -> d.collections().forEach(c -> before.put(d.name() + "/" + c.name(), c)));
        return read(before);
    }

    /** The snapshot; {@code baseline} (by {@code db/collection}) empty: sample keys, otherwise read back the baseline's. */
    private DataSnapshot read(Map<String, DataSnapshot.Collection> baseline) {
        boolean sampling = baseline.isEmpty();
        List<String> databases = fields("databases/list", "").texts(callOrUnreachable("databases/list", Map.of(), "", -1), "data");
        ExecutorService pool = Executors.newFixedThreadPool(parallelism, daemonThreads());
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        try {
            List<Future<List<String>>> listings = new ArrayList<>();
            for (String db : databases) {
                listings.add(pool.submit(() -> guarded(failure, () -> listCollections(db))));
            }
            List<List<Future<Optional<DataSnapshot.Collection>>>> reads = new ArrayList<>();
            for (int i = 0; i < databases.size(); i++) {
                String db = databases.get(i);
                List<String> names = await(listings.get(i), failure);
                List<Future<Optional<DataSnapshot.Collection>>> perDb = new ArrayList<>();
                if (names != null) {
                    for (String name : names) {
                        perDb.add(pool.submit(() -> guarded(failure, () -> readCollection(db, name, sampling,
                                Optional.ofNullable(baseline.get(db + "/" + name))))));
                    }
                }
                reads.add(names == null ? null : perDb);
            }
            List<DataSnapshot.Database> out = new ArrayList<>();
            for (int i = 0; i < databases.size(); i++) {
                if (reads.get(i) == null) {
                    continue; // the database went away after databases/list
                }
                List<DataSnapshot.Collection> collections = new ArrayList<>();
                for (Future<Optional<DataSnapshot.Collection>> f : reads.get(i)) {
                    await(f, failure).ifPresent(collections::add);
                }
                out.add(new DataSnapshot.Database(databases.get(i), collections));
            }
            return new DataSnapshot(out);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The names of a database's collections without the probe's, or null when the database no longer exists. */
    private List<String> listCollections(String db) {
        JsonNode r = callOrUnreachable("collections/list", Map.of("dbName", db), "database " + db, MISSING_DATABASE);
        if (r == null) {
            return null;
        }
        return fields("collections/list", "database " + db).texts(r, "data").stream()
                .filter(n -> !n.startsWith(PROBE_PREFIX) && !n.startsWith(Canary.PREFIX)).toList();
    }

    private Optional<DataSnapshot.Collection> readCollection(String db, String name, boolean sampling,
            Optional<DataSnapshot.Collection> was) {
        Map<String, Object> req = Map.of("dbName", db, "collectionName", name);
        String what = "collection " + db + "/" + name;
        JsonNode describe = callOrUnreachable("collections/describe", req, what, MISSING_COLLECTION);
        if (describe == null) {
            return Optional.empty();
        }
        AnswerFields described = fields("collections/describe", what);
        JsonNode schema = described.object(describe, "data");
        described.array(schema, "fields");
        String fingerprint = schemaFingerprint(schema);
        JsonNode load = callOrUnreachable("collections/get_load_state", req, what, MISSING_COLLECTION);
        if (load == null) {
            return Optional.empty();
        }
        JsonNode stats = callOrUnreachable("collections/get_stats", req, what, MISSING_COLLECTION);
        if (stats == null) {
            return Optional.empty();
        }
        JsonNode indexList = callOrUnreachable("indexes/list", req, what, MISSING_COLLECTION);
        if (indexList == null) {
            return Optional.empty();
        }
        List<DataSnapshot.Index> indexes = new ArrayList<>();
        for (String index : fields("indexes/list", what).texts(indexList, "data")) {
            Map<String, Object> indexReq = Map.of("dbName", db, "collectionName", name, "indexName", index);
            JsonNode d = callOrUnreachable("indexes/describe", indexReq, what + " index " + index, MISSING_INDEX);
            if (d != null) {
                String state = "";
                AnswerFields indexFields = fields("indexes/describe", what + " index " + index);
                for (JsonNode entry : indexFields.array(d, "data")) {
                    if (index.equals(entry.path("indexName").asText()) || state.isEmpty()) {
                        state = indexFields.text(entry, "indexState", "");
                    }
                }
                indexes.add(new DataSnapshot.Index(index, state));
            }
        }
        AnswerFields loadFields = fields("collections/get_load_state", what);
        String loadState = loadFields.text(loadFields.object(load, "data"), "loadState");
        AnswerFields statsFields = fields("collections/get_stats", what);
        long rowCount = statsFields.number(statsFields.object(stats, "data"), "rowCount");
        long ttl = 0;
        for (JsonNode p : described.array(schema, "properties")) {
            if (TTL_PROPERTY.equals(p.path("key").asText())) {
                try {
                    ttl = Math.max(0, Long.parseLong(p.path("value").asText("0").trim()));
                } catch (NumberFormatException e) {
                    ttl = 0;
                }
            }
        }
        long count = DataSnapshot.Collection.NOT_COUNTED;
        List<String> sample = List.of();
        if ("LoadStateLoaded".equals(loadState)) {
            String pk = "";
            boolean textKey = false;
            for (JsonNode f : described.array(schema, "fields")) {
                if (f.path("primaryKey").asBoolean(false)) {
                    pk = f.path("name").asText("");
                    textKey = "VarChar".equals(f.path("type").asText(""));
                }
            }
            Map<String, Object> countReq = new LinkedHashMap<>(req);
            countReq.put("outputFields", List.of("count(*)"));
            countReq.put("consistencyLevel", "Strong");
            Optional<JsonNode> counted = queryPath("entities/query", countReq, what);
            if (counted.isPresent() && counted.get().isMissingNode()) {
                return Optional.empty();
            }
            AnswerFields countFields = fields("entities/query", what);
            count = counted.map(r -> countFields.array(r, "data").path(0).path("count(*)"))
                    .map(n -> n.isMissingNode() ? DataSnapshot.Collection.NOT_COUNTED : countFields.int64(n, "count(*)"))
                    .orElse(DataSnapshot.Collection.TIMED_OUT);
            if (count >= 0 && !pk.isEmpty()) {
                Optional<JsonNode> rows = Optional.of(NOT_ASKED);
                if (sampling) {
                    Map<String, Object> sampleReq = new LinkedHashMap<>(req);
                    sampleReq.put("outputFields", List.of(pk));
                    sampleReq.put("limit", SAMPLE);
                    rows = queryPath("entities/query", sampleReq, what);
                } else if (was.isPresent() && !was.get().sample().isEmpty()) {
                    Map<String, Object> getReq = new LinkedHashMap<>(req);
                    boolean text = textKey;
                    getReq.put("id", was.get().sample().stream().map(k -> text ? (Object) k : (Object) Long.parseLong(k)).toList());
                    getReq.put("outputFields", List.of(pk));
                    rows = queryPath("entities/get", getReq, what);
                }
                if (rows.isEmpty()) {
                    count = DataSnapshot.Collection.TIMED_OUT;
                } else if (rows.get().isMissingNode()) {
                    return Optional.empty();
                } else {
                    List<String> keys = new ArrayList<>();
                    for (JsonNode row : fields(sampling ? "entities/query" : "entities/get", what).array(rows.get(), "data")) {
                        JsonNode k = row.path(pk);
                        if (!k.isMissingNode() && !k.isNull()) {
                            keys.add(k.asText());
                        }
                    }
                    sample = keys;
                }
            }
        }
        return Optional.of(new DataSnapshot.Collection(name, rowCount, loadState, indexes, fingerprint, ttl, count, sample));
    }

    /**
     * A query-path request of the snapshot: its answer; a missing node when the collection is gone (code 100); an
     * answer with no data when it is not loaded (101, a race with a release); empty when it timed out.
     */
    private Optional<JsonNode> queryPath(String path, Map<String, Object> body, String what) {
        try {
            return Optional.of(call(path, body));
        } catch (MilvusError e) {
            if (e.code == MISSING_COLLECTION) {
                return Optional.of(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
            }
            if (e.code == NOT_LOADED) {
                return Optional.of(NOT_ASKED);
            }
            throw new Unreachable("Milvus at " + endpoint + " answered " + path + " for " + what + " with " + e.getMessage(), e);
        } catch (TimedOut e) {
            return Optional.empty();
        }
    }

    /**
     * The schema fingerprint of a {@code collections/describe} {@code data} object (see the class comment).
     * Package-visible for tests.
     */
    String schemaFingerprint(JsonNode describe) {
        ObjectNode canonical = json.createObjectNode();
        canonical.put("enableDynamicField", describe.path("enableDynamicField").asBoolean(false));
        ArrayNode fields = canonical.putArray("fields");
        for (JsonNode f : describe.path("fields")) {
            ObjectNode c = fields.addObject();
            c.put("name", f.path("name").asText(""));
            c.put("type", f.path("type").asText(""));
            for (String flag : List.of("primaryKey", "partitionKey", "clusteringKey", "autoId", "nullable")) {
                c.put(flag, f.path(flag).asBoolean(false));
            }
            List<Map.Entry<String, String>> params = new ArrayList<>();
            for (JsonNode p : f.path("params")) {
                params.add(Map.entry(p.path("key").asText(""), p.path("value").asText("")));
            }
            params.sort(Map.Entry.comparingByKey());
            ArrayNode ps = c.putArray("params");
            params.forEach(p -> ps.addObject().put("key", p.getKey()).put("value", p.getValue()));
            c.put("elementType", f.path("elementType").asText(""));
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(json.writeValueAsBytes(canonical));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException | IOException e) {
            throw new IllegalStateException("cannot fingerprint a schema", e);
        }
    }

    @Override
    public Probe probe() {
        // Drawn here, not from a static SecureRandom: Quarkus initializes classes at build time, and a seeded generator in
        // the native image heap is refused by GraalVM (and would give every run the same names).
        byte[] suffix = new byte[4];
        new SecureRandom().nextBytes(suffix);
        Map<String, Object> target = Map.of("dbName", PROBE_DATABASE, "collectionName", PROBE_PREFIX + HexFormat.of().formatHex(suffix));
        Probe result;
        try {
            result = attempt(target);
        } catch (RuntimeException e) {
            try {
                call("collections/drop", target);
            } catch (RuntimeException dropFailure) {
                e.addSuppressed(dropFailure);
            }
            throw e;
        }
        // The scratch collection goes whatever happened (drop is idempotent: no error when it was never created).
        return drop(target, result);
    }

    private Probe attempt(Map<String, Object> target) {
        String step = "create";
        try {
            Map<String, Object> create = new LinkedHashMap<>(target);
            create.put("dimension", 2);
            create.put("autoID", false);
            call("collections/create", create);
            step = "load";
            Optional<String> notLoaded = awaitLoaded(target);
            if (notLoaded.isPresent()) {
                return new Probe.Failed(step, notLoaded.get(), false);
            }
            step = "insert";
            Map<String, Object> insert = new LinkedHashMap<>(target);
            insert.put("data", List.of(Map.of("id", 1, "vector", List.of(0.1, 0.2))));
            long inserted = call("entities/insert", insert).path("data").path("insertCount").asLong(-1);
            if (inserted != 1) {
                return new Probe.Failed(step, "Milvus reported " + inserted + " rows inserted, not 1", false);
            }
            step = "query";
            Map<String, Object> query = new LinkedHashMap<>(target);
            query.put("filter", "id == 1");
            query.put("outputFields", List.of("id"));
            query.put("consistencyLevel", "Strong");
            JsonNode rows = call("entities/query", query).path("data");
            if (rows.size() != 1 || !"1".equals(rows.get(0).path("id").asText())) {
                return new Probe.Failed(step, "the row written was not read back with strong consistency: " + rows, false);
            }
            return new Probe.Passed();
        } catch (MilvusError e) {
            return new Probe.Failed(step, e.getMessage(), false);
        } catch (TimedOut e) {
            // On 2.6 create, load and drop go through the WAL as well as insert (milvus-rest FACTS "milvus#47806"): any step that hangs.
            return new Probe.Failed(step, e.getMessage(), true);
        }
    }

    // ---- single collections (the canary)

    /** One step on one collection: the answer, or StepFailed naming the step for an error code or a timeout. */
    private JsonNode step(String step, String path, Map<String, Object> body) {
        try {
            return call(path, body);
        } catch (MilvusError e) {
            throw new StepFailed(step, e.getMessage(), false);
        } catch (TimedOut e) {
            throw new StepFailed(step, e.getMessage(), true);
        }
    }

    private static Map<String, Object> target(String db, String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dbName", db);
        m.put("collectionName", name);
        return m;
    }

    @Override
    public Optional<Shape> shape(String db, String name) {
        JsonNode d;
        AnswerFields described = fields("collections/describe", "collection " + db + "/" + name);
        try {
            d = described.object(call("collections/describe", target(db, name)), "data");
        } catch (MilvusError e) {
            if (e.code == MISSING_COLLECTION) {
                return Optional.empty();
            }
            throw new StepFailed("describe", e.getMessage(), false);
        } catch (TimedOut e) {
            throw new StepFailed("describe", e.getMessage(), true);
        }
        List<String> fields = new ArrayList<>();
        described.array(d, "fields").forEach(f -> fields.add(described.text(f, "name", "") + ":" + described.text(f, "type", "")));
        return Optional.of(new Shape(fields, d.path("enableDynamicField").asBoolean(false)));
    }

    @Override
    public void create(Map<String, Object> body) {
        step("create", "collections/create", body);
        Map<String, Object> target = target(String.valueOf(body.get("dbName")), String.valueOf(body.get("collectionName")));
        awaitLoadedStep(target);
    }

    /** Waits until the collection is loaded; StepFailed at "load" when it is not, or when Milvus times out (milvus#47806). */
    private void awaitLoadedStep(Map<String, Object> target) {
        Optional<String> notLoaded;
        try {
            notLoaded = awaitLoaded(target);
        } catch (MilvusError e) {
            throw new StepFailed("load", e.getMessage(), false);
        } catch (TimedOut e) {
            throw new StepFailed("load", e.getMessage(), true);
        }
        if (notLoaded.isPresent()) {
            throw new StepFailed("load", notLoaded.get(), false);
        }
    }

    @Override
    public void load(String db, String name) {
        Map<String, Object> target = target(db, name);
        step("load", "collections/load", target);
        awaitLoadedStep(target);
    }

    @Override
    public void insert(String db, String name, List<Map<String, Object>> rows) {
        write("insert", "entities/insert", "insertCount", db, name, rows);
    }

    @Override
    public void upsert(String db, String name, List<Map<String, Object>> rows) {
        write("upsert", "entities/upsert", "upsertCount", db, name, rows);
    }

    private void write(String step, String path, String countKey, String db, String name, List<Map<String, Object>> rows) {
        Map<String, Object> body = target(db, name);
        body.put("data", rows);
        long n = step(step, path, body).path("data").path(countKey).asLong(-1);
        if (n != rows.size()) {
            throw new StepFailed(step, "Milvus reported " + n + " rows written, not " + rows.size(), false);
        }
    }

    @Override
    public void delete(String db, String name, String filter) {
        Map<String, Object> body = target(db, name);
        body.put("filter", filter);
        step("delete", "entities/delete", body);
    }

    @Override
    public List<Map<String, Object>> query(String db, String name, String filter, int limit, List<String> jsonFields) {
        Map<String, Object> body = target(db, name);
        body.put("filter", filter);
        body.put("outputFields", List.of("*"));
        body.put("limit", limit);
        body.put("consistencyLevel", "Strong");
        List<Map<String, Object>> out = new ArrayList<>();
        AnswerFields rowFields = fields("entities/query", "collection " + db + "/" + name);
        for (JsonNode row : rowFields.array(step("query", "entities/query", body), "data")) {
            if (!row.isObject()) {
                throw new StepFailed("query", "a row that is not an object: " + abbreviate(row.toString()), false);
            }
            Map<String, Object> r = new LinkedHashMap<>();
            row.fields().forEachRemaining(e -> r.put(e.getKey(), value(e.getValue())));
            // buildQueryResp (httpserver/utils.go) sends a JSON field as its text and spreads the dynamic field's keys beside the
            // fields; a $meta object or text (other versions) is spread here the same way.
            Object dynamic = r.remove("$meta");
            if (dynamic instanceof String text) {
                dynamic = value(parseAny(text));
            }
            if (dynamic instanceof Map<?, ?> m) {
                m.forEach((k, v) -> r.putIfAbsent(String.valueOf(k), v));
            }
            for (String f : jsonFields) {
                if (r.get(f) instanceof String text) {
                    JsonNode parsed = parseAny(text);
                    if (parsed == null) {
                        throw new StepFailed("query", "the JSON field " + f + " came back as " + abbreviate(text) + ", not JSON", false);
                    }
                    r.put(f, value(parsed));
                }
            }
            out.add(r);
        }
        return out;
    }

    /** A JSON value as plain Java: maps, lists, strings, numbers (Long or Double), booleans, null. */
    private Object value(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        return json.convertValue(n, Object.class);
    }

    @Override
    public List<Long> search(String db, String name, String field, List<Float> vector, int limit) {
        Map<String, Object> body = target(db, name);
        body.put("data", List.of(vector));
        body.put("annsField", field);
        body.put("limit", limit);
        body.put("outputFields", List.of("id"));
        body.put("consistencyLevel", "Strong");
        List<Long> ids = new ArrayList<>();
        AnswerFields hits = fields("entities/search", "collection " + db + "/" + name);
        for (JsonNode hit : hits.array(step("search", "entities/search", body), "data")) {
            JsonNode id = hit.path("id");
            if (id.isMissingNode()) {
                throw new StepFailed("search", "a hit without an id: " + abbreviate(hit.toString()), false);
            }
            ids.add(hits.int64(id, "id"));
        }
        return ids;
    }

    @Override
    public void drop(String db, String name) {
        step("drop", "collections/drop", target(db, name));
    }

    /** Drops the scratch collection; folds a failure to do so into the probe's result. */
    private Probe drop(Map<String, Object> target, Probe result) {
        String failure;
        try {
            call("collections/drop", target);
            return result;
        } catch (MilvusError | TimedOut | Unreachable e) {
            failure = e.getMessage();
        }
        String what = "the scratch collection " + PROBE_DATABASE + "/" + target.get("collectionName") + " could not be dropped: " + failure;
        if (result instanceof Probe.Failed f) {
            return new Probe.Failed(f.step(), f.detail() + "; " + what, f.writeTimedOut());
        }
        return new Probe.Failed("drop", what, false);
    }

    /** Polls {@code get_load_state} until Loaded; the reason when it is not within the load wait. */
    private Optional<String> awaitLoaded(Map<String, Object> target) {
        long deadline = System.nanoTime() + loadWait.toNanos();
        long pause = 100;
        String state;
        while (true) {
            AnswerFields loadFields = fields("collections/get_load_state", "collection " + target.get("dbName") + "/"
                    + target.get("collectionName"));
            state = loadFields.text(loadFields.object(call("collections/get_load_state", target), "data"), "loadState");
            if ("LoadStateLoaded".equals(state)) {
                return Optional.empty();
            }
            if (System.nanoTime() + pause * 1_000_000 > deadline) {
                return Optional.of("the scratch collection was not loaded within " + loadWait.toSeconds() + "s (last state " + state + ")");
            }
            try {
                Thread.sleep(pause); // a poll interval, production code
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted while waiting for the probe's collection to load");
            }
            pause = Math.min(1_000, pause * 2);
        }
    }

    /**
     * One request; the whole answer when its code is 0; null when the code is {@code missing} (the object went
     * away); {@link MilvusData.Unreachable} for anything else, naming the endpoint, the path and {@code what}.
     */
    private JsonNode callOrUnreachable(String path, Map<String, Object> body, String what, int missing) {
        String about = what.isEmpty() ? "" : " for " + what;
        try {
            return call(path, body);
        } catch (MilvusError e) {
            if (e.code == missing) {
                return null;
            }
            throw new Unreachable("Milvus at " + endpoint + " answered " + path + about + " with " + e.getMessage(), e);
        } catch (TimedOut e) {
            throw new Unreachable("Milvus at " + endpoint + " did not answer " + path + about + ": " + e.getMessage(), e);
        }
    }

    /**
     * POSTs {@code body} to {@code path}; the answer when its code is 0. Throws {@link MilvusError} for a non-zero
     * code, {@link TimedOut} for HTTP 408 or the client's own timeout, {@link MilvusData.Unreachable} for everything
     * that means Milvus cannot be talked to (connection, TLS, 401, an answer that is not the RESTful API's).
     */
    private JsonNode call(String path, Map<String, Object> body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(timeoutSeconds).plus(CLIENT_GRACE))
                .header("Content-Type", "application/json")
                .header("Request-Timeout", Long.toString(timeoutSeconds));
        authorization.ifPresent(a -> request.header("Authorization", a));
        HttpResponse<byte[]> response;
        try {
            HttpRequest post = request.POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body))).build();
            Optional<HttpResponse<byte[]>> sent = send(path, body, post);
            if (sent.isEmpty()) {
                return CREATED; // the create whose answer was lost had created the collection
            }
            response = sent.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while calling Milvus at " + endpoint);
        } catch (HttpConnectTimeoutException e) {
            throw new Unreachable("cannot connect to Milvus at " + endpoint + ": no connection within " + timeoutSeconds + "s", e);
        } catch (HttpTimeoutException e) {
            throw new TimedOut("no answer within " + (timeoutSeconds + CLIENT_GRACE.toSeconds()) + "s (client timeout)");
        } catch (BoundedHttp.TooLarge e) {
            throw new Unreachable("Milvus at " + endpoint + " answered " + path + " with " + e.getMessage()
                    + ": that is not a RESTful API v2 answer this tool reads", e);
        } catch (IOException e) {
            throw connectionFailure(e);
        }
        int status = response.statusCode();
        String text = new String(response.body(), StandardCharsets.UTF_8);
        JsonNode answer = parse(text);
        if (status == 401) {
            throw AccessFailure.credentialsRefused(endpoint, codeAndMessage(answer, text));
        }
        if (status == 403) {
            throw new Denied("Milvus at " + endpoint + " refused " + path + " for lack of privileges (HTTP 403"
                    + codeAndMessage(answer, text) + ")");
        }
        if (status == 408) {
            throw new TimedOut("request timeout (HTTP 408" + codeAndMessage(answer, text) + ") after the " + timeoutSeconds
                    + "s Request-Timeout");
        }
        if (status == 404) {
            throw new Unreachable("Milvus at " + endpoint + " answered 404 for POST " + BASE_PATH + path
                    + ": that is not Milvus's RESTful API v2 (Milvus 2.5 or later, proxy port 19530)", null);
        }
        if (status != 200 || answer == null || !answer.path("code").isNumber()) {
            throw new Unreachable("Milvus at " + endpoint + " answered " + path + " with HTTP " + status + " and " + abbreviate(text),
                    null);
        }
        int code = answer.path("code").asInt();
        if (code == TIMEOUT_CODE) {
            throw new TimedOut("request timeout" + codeAndMessage(answer, text));
        }
        if (code == PERMISSION_DENIED) {
            throw new Denied("Milvus at " + endpoint + " refused " + path + " for lack of privileges (code " + code + ": "
                    + message(answer) + ")");
        }
        if (code != 0) {
            throw new MilvusError(code, "code " + code + ": " + message(answer));
        }
        return answer;
    }

    private URI uri(String path) {
        String base = endpoint.uri().toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + BASE_PATH + path);
    }

    /**
     * Sends {@code post}. A pooled connection the JDK client closes under the request (JDK-8338569) fails it without an
     * answer, and the client does not retry a POST; so a call that got no answer at all is sent again, as far as that is
     * safe ({@link #attempts}). Before a create is sent again, describe tells whether the lost one was carried out: then
     * the answer is empty (created).
     */
    private Optional<HttpResponse<byte[]>> send(String path, Map<String, Object> body, HttpRequest post)
            throws IOException, InterruptedException {
        Duration whole = Duration.ofSeconds(timeoutSeconds).plus(CLIENT_GRACE);
        for (int attempt = 1; ; attempt++) {
            try {
                return Optional.of(BoundedHttp.send(http, post, whole, BoundedHttp.MAX_BODY));
            } catch (IOException e) {
                if (attempt >= attempts(path) || !noAnswer(e)) {
                    throw e;
                }
                if (CREATE.equals(path) && exists(body)) {
                    return Optional.empty();
                }
            }
        }
    }

    /** Whether the collection a create body names exists; a lost answer to describe counts as not known, so false. */
    private boolean exists(Map<String, Object> createBody) {
        try {
            call("collections/describe", target(String.valueOf(createBody.get("dbName")),
                    String.valueOf(createBody.get("collectionName"))));
            return true;
        } catch (MilvusError e) {
            if (e.code == MISSING_COLLECTION) {
                return false;
            }
            throw e;
        }
    }

    /**
     * How many times a call is sent when no answer comes: reads (lists, describes, states, stats, queries, gets,
     * searches) {@value #READ_ATTEMPTS} times; writes that mean the same when repeated (load, release, drop, upsert,
     * delete) and a create (after checking it was not carried out) twice; an insert once (a second one would add rows).
     */
    static int attempts(String path) {
        if (READS.contains(path)) {
            return READ_ATTEMPTS;
        }
        return REPEATABLE.contains(path) || CREATE.equals(path) ? 2 : 1;
    }

    /** Whether {@code e} means the request got no answer at all (not a timeout, a refused connection or a TLS failure). */
    static boolean noAnswer(IOException e) {
        if (e instanceof HttpTimeoutException || e instanceof BoundedHttp.TooLarge) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof ConnectException) {
                return false;
            }
        }
        return true;
    }

    /** Why a request got no answer: an {@link AccessFailure} when TLS says the CA or the host is wrong. */
    private Unreachable connectionFailure(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PinnedTrust.HostMismatch m) {
                return AccessFailure.hostMismatch(endpoint, m);
            }
            if (t instanceof PinnedTrust.Untrusted u) {
                return AccessFailure.untrusted(endpoint, u);
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return new Unreachable("TLS with Milvus at " + endpoint + " failed: " + t.getMessage(), e);
            }
            if (t instanceof ConnectException) {
                return new Unreachable("cannot connect to Milvus at " + endpoint + ": connection refused", e);
            }
        }
        return new Unreachable("the connection to Milvus at " + endpoint + " failed without an answer: "
                + Optional.ofNullable(e.getMessage()).orElse(e.toString()), e);
    }

    /** Any JSON value, or null when the text is not JSON. */
    private JsonNode parseAny(String text) {
        try {
            return json.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    private JsonNode parse(String text) {
        try {
            JsonNode node = json.readTree(text);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String codeAndMessage(JsonNode answer, String text) {
        if (answer == null) {
            return text.isBlank() ? "" : ", " + abbreviate(text);
        }
        return ", code " + answer.path("code").asText("?") + ": " + message(answer);
    }

    private static String abbreviate(String text) {
        return AnswerFields.shown(text);
    }

    /** Milvus's {@code message}, as a message shows it (one line, bounded). */
    private static String message(JsonNode answer) {
        JsonNode m = answer.path("message");
        if (m.isMissingNode() || m.isNull()) {
            return "";
        }
        return Text.oneLine(m.isTextual() ? m.asText() : m.toString(), AnswerFields.SHOWN);
    }

    /** The typed reader of the answer to {@code path} (for {@code what}, when not empty). */
    private AnswerFields fields(String path, String what) {
        return new AnswerFields("Milvus at " + endpoint + " answered " + path + (what.isEmpty() ? "" : " for " + what));
    }

    /** Runs {@code task} unless another task of the snapshot failed already; records its failure for the others. */
    private static <T> T guarded(AtomicReference<RuntimeException> failure, java.util.function.Supplier<T> task) {
        if (failure.get() != null) {
            throw new CancellationException("another read failed");
        }
        try {
            return task.get();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
            throw e;
        }
    }

    /** The task's value; the snapshot's first failure when any task failed. */
    private static <T> T await(Future<T> future, AtomicReference<RuntimeException> failure) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while reading Milvus's data plane");
        } catch (ExecutionException e) {
            RuntimeException first = failure.get();
            if (first != null) {
                throw first;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private static ThreadFactory daemonThreads() {
        int pool = POOLS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "milvus-rest-" + pool + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** A non-zero code in an HTTP 200 answer. */
    private static final class MilvusError extends RuntimeException {
        final int code;

        MilvusError(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /** HTTP 408 (code 10001), or no answer within the client's own timeout. */
    private static final class TimedOut extends RuntimeException {
        TimedOut(String message) {
            super(message, null, false, false);
        }
    }
}

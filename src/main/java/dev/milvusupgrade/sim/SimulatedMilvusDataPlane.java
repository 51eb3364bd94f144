package dev.milvusupgrade.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;

/**
 * A simulated Milvus data plane: an HTTP(S) server (the JDK's {@code com.sun.net.httpserver}) speaking the
 * part of Milvus's RESTful API v2 the upgrade uses, with the envelopes, codes and quirks of milvus-rest
 * FACTS.md (this project's shared reference): errors as HTTP 200 with a non-zero {@code code}; HTTP 401
 * code 1800 when authentication fails, on every path; HTTP 408 code 10001 on a timeout; 404 as plain text
 * for an unknown path or a method other than POST; 1801 for an empty body; 1802 for a missing required
 * field; keys matched case-insensitively; {@code LoadStateNotLoad} without {@code loadProgress}. The
 * content and the endpoints are {@link SimulatedMilvusCatalog}'s. It ships in the main jar for
 * {@code demo}; https is exercised by tests only (they bring their own key store).
 *
 * <p><b>Content.</b> Seeded with database {@code default} holding {@code books} (loaded, 12 000 rows, an
 * HNSW index on a FloatVector) and {@code archive} (not loaded, 50 000 rows), and database
 * {@code analytics} holding {@code events} (loaded, 1 000 000 rows; a VarChar primary key, a partition
 * key, an Array field, a nullable field, two indexes). Tests change it through {@link #loseCollection},
 * {@link #setRowCount}, {@link #setLoadState}, {@link #keepUnloaded}, {@link #addField},
 * {@link #setIndexState}, {@link #addCollection} and {@link #addCollections}; {@link #failEndpoint} makes an
 * endpoint answer an error code. {@link #requests()}, {@link #requests(String)} and
 * {@link #maxConcurrentRequests()} show what a client asked.
 *
 * <p><b>Availability through the proxies.</b> Built with a Kubernetes client, namespace and release, it
 * answers only while the proxy Deployment(s) of the instance (labels {@code app.kubernetes.io/instance}
 * and {@code app.kubernetes.io/component=proxy}) have ready replicas; it watches the instance's
 * Deployments with an informer, so no request costs an API call. Otherwise it closes each connection
 * without an answer. A Kubernetes Service without ready endpoints usually refuses connections (kube-proxy
 * rejects them) and connections that were open when the last endpoint went away are reset; the JDK server
 * cannot refuse connections selectively, so the simulator shows the second form: the client gets an I/O
 * error with no HTTP answer, as it would from a reset. Built without a cluster it is always available.
 *
 * <p><b>milvus#47806 ({@link #reproduce47806()}).</b> Once the proxies of an instance that ran below 2.6
 * run a 2.6 image (every proxy Deployment with replicas on a {@code v2.6.x} image and rolled out), every
 * call that appends to the WAL on 2.6 ({@code collections/create}, {@code load}, {@code drop},
 * {@code entities/insert}, {@code upsert}, {@code delete}: milvus-rest FACTS "milvus#47806", corrected
 * 2026-12: DDL goes through the WAL too) and, per the report, queries, gets and searches hang until
 * the request timeout and answer HTTP 408 {@code {"code":10001,"message":"request timeout"}}, changing
 * nothing. The hang is compressed: the answer comes after min({@code Request-Timeout}, {@link #HANG}).
 * Describe, stats, lists and load states keep working. It lasts until mixcoord has been restarted and then
 * the streaming node: a restart is a new pod template (as a {@code spec.components.<c>.podAnnotations}
 * change makes the operator render, operator FACTS §8.11) rolled out on all of the component's
 * Deployments with replicas. Mixcoord's restart counts from its template when the proxies were first seen
 * on 2.6; the streaming node's from its template when mixcoord's restart had completed, so restarting both
 * at once, or the streaming node first, does not clear it. An instance without a streaming node is cleared
 * by mixcoord's restart. An instance seeded on 2.6 never shows it.
 *
 * <p><b>milvus#48930.</b> While the proxies run 2.6.12, 2.6.13 or 2.6.14 (the lowest image among the
 * serving proxy Deployments), an insert without dynamic keys and every upsert into a dynamic-field collection
 * created while they ran below 2.6 (every seeded collection counts as such) answer code 1100 (operator FACTS
 * §9.8); fixed in 2.6.15. <b>403:</b> {@link #denyEndpoint} answers as RBAC does (milvus-rest FACTS
 * "Authorization (RBAC)"). <b>Query path:</b> {@link #loseQueryRows}, {@link #loseKey}, {@link #deleteRows},
 * {@link #compact}, {@link #expireRows} and {@link #setTtl} change count(*) and get_stats apart, as
 * {@link SimulatedMilvusCatalog} describes.
 *
 * <p><b>Query node restarts.</b> A collection marked {@link #keepUnloaded} goes to {@code LoadStateNotLoad}
 * the next time the query nodes get a new pod template, and stays there (with no cluster: at once).
 * Otherwise load states stay as set: loaded collections are not shown Loading while the query nodes roll.
 */
public final class SimulatedMilvusDataPlane implements AutoCloseable {

    /** How long a write hangs under milvus#47806 before its 408 (at most; less when {@code Request-Timeout} is shorter). */
    public static final Duration HANG = Duration.ofMillis(50);
    public static final String LOADED = SimulatedMilvusCatalog.LOADED;
    public static final String LOADING = SimulatedMilvusCatalog.LOADING;
    public static final String NOT_LOAD = SimulatedMilvusCatalog.NOT_LOAD;

    private static final Logger LOG = Logger.getLogger(SimulatedMilvusDataPlane.class.getName());
    private static final String PREFIX = "/v2/vectordb/";
    /** Milvus's default request timeout (paramtable http requestTimeoutMs, milvus-rest FACTS.md). */
    private static final long DEFAULT_TIMEOUT_MILLIS = 30_000;
    private static final AtomicInteger SERVERS = new AtomicInteger();

    private final SimulatedMilvusCatalog catalog = new SimulatedMilvusCatalog();
    private final ObjectMapper json = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final Map<String, AtomicLong> requestsByPath = new ConcurrentHashMap<>();
    private volatile Headers lastHeaders = new Headers();
    private final Map<String, SimulatedMilvusCatalog.Answer> failures = new ConcurrentHashMap<>();
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    /** Authentication stays on once turned on, even with every key revoked (Milvus's common.security.authorizationEnabled). */
    private volatile boolean authenticationOn;
    private final Map<String, String> users = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final ExecutorService workers;
    private final String scheme;

    private final KubernetesClient client;
    private final String namespace;
    private final String release;
    private final Object watchLock = new Object();
    private final Map<String, Deployment> deployments = new HashMap<>();
    private SharedIndexInformer<Deployment> informer;
    private volatile boolean available;
    private volatile boolean reproduce47806;
    /** The lowest release the serving proxies run (from their images); empty without a cluster or before the first sight. */
    private volatile Optional<SimVersion> proxyRelease = Optional.empty();
    private final Set<String> denied = ConcurrentHashMap.newKeySet();
    private volatile boolean proxyOn26;
    private volatile boolean mixcoordRestarted;
    private volatile boolean remedied;
    private boolean proxySeenBelow26;
    private Set<PodTemplateSpec> mixcoordBaseline = Set.of();
    private Set<PodTemplateSpec> streamingNodeBaseline = Set.of();
    private Set<PodTemplateSpec> queryNodeTemplates = Set.of();

    /** Over http, always available. */
    public SimulatedMilvusDataPlane() {
        this(null, null, null, null);
    }

    /** Over https with {@code tls} (its key manager holds the server certificate), or http when null; always available. */
    public SimulatedMilvusDataPlane(SSLContext tls) {
        this(null, null, null, tls);
    }

    /** Over http, available while the proxies of {@code release} in {@code namespace} have ready replicas. */
    public SimulatedMilvusDataPlane(KubernetesClient client, String namespace, String release) {
        this(client, namespace, release, null);
    }

    /** Over https with {@code tls}, or http when null; available while the proxies of {@code release} have ready replicas. */
    public SimulatedMilvusDataPlane(KubernetesClient client, String namespace, String release, SSLContext tls) {
        this.client = client;
        this.namespace = namespace;
        this.release = release;
        this.available = client == null;
        seed();
        int n = SERVERS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        workers = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "simulated-milvus-rest-" + n + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
            if (tls == null) {
                server = HttpServer.create(address, 64);
                scheme = "http";
            } else {
                HttpsServer https = HttpsServer.create(address, 64);
                https.setHttpsConfigurator(new HttpsConfigurator(tls));
                server = https;
                scheme = "https";
            }
        } catch (IOException e) {
            workers.shutdownNow();
            throw new UncheckedIOException("cannot start the simulated Milvus RESTful API", e);
        }
        server.setExecutor(workers);
        server.createContext("/", this::handle);
        server.start();
        if (client != null) {
            watch();
        }
    }

    private void seed() {
        SimulatedMilvusCatalog.Field id = SimulatedMilvusCatalog.Field.pk("id", "Int64", true, Map.of());
        catalog.add(SimulatedMilvusCatalog.DEFAULT_DB, "books", List.of(id,
                SimulatedMilvusCatalog.Field.plain("title", "VarChar", Map.of("max_length", "512")),
                SimulatedMilvusCatalog.Field.plain("embedding", "FloatVector", Map.of("dim", "8"))), false, 12_000, LOADED,
                List.of(new SimulatedMilvusCatalog.Index("embedding_idx", "embedding", "HNSW", "L2")));
        catalog.addStandard(SimulatedMilvusCatalog.DEFAULT_DB, "archive", 50_000, false);
        catalog.add("analytics", "events",
                List.of(SimulatedMilvusCatalog.Field.pk("event_id", "VarChar", false, Map.of("max_length", "64")),
                    new SimulatedMilvusCatalog.Field("kind", "VarChar", false, true, false, false, false, Map.of("max_length", "32"), ""),
                    new SimulatedMilvusCatalog.Field("tags", "Array", false, false, false, false, false,
                            Map.of("max_capacity", "16", "max_length", "32"),
                            "VarChar"),
                    new SimulatedMilvusCatalog.Field("note", "VarChar", false, false, false, false, true, Map.of("max_length", "256"), ""),
                    SimulatedMilvusCatalog.Field.plain("embedding", "FloatVector", Map.of("dim", "16"))), true, 1_000_000, LOADED,
                List.of(new SimulatedMilvusCatalog.Index("embedding_idx", "embedding", "IVF_FLAT", "IP"),
                        new SimulatedMilvusCatalog.Index("kind_idx", "kind", "INVERTED", "")));
    }

    // ---- where it is

    /** {@code http://127.0.0.1:<port>} or {@code https://...}. */
    public URI uri() {
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
    }

    // ---- authentication (milvus-rest FACTS.md "Authentication"); both may be required at once

    /** Turns authentication on (if it was off) and accepts {@code token} as an API key. */
    public void requireToken(String token) {
        authenticationOn = true;
        tokens.add(token);
    }

    /**
     * Stops accepting {@code token}, as when an administrator rotates the API key while the upgrade runs (authentication stays
     * on: the next request with it gets the 401 above).
     */
    public void revokeToken(String token) {
        tokens.remove(token);
    }

    /** Turns authentication on (if it was off) and accepts {@code user} with {@code password}. */
    public void requireUser(String user, String password) {
        authenticationOn = true;
        users.put(user, password);
    }

    // ---- content

    public void addDatabase(String db) {
        catalog.addDatabase(db);
    }

    /** A collection with an Int64 primary key {@code id} and a FloatVector {@code vector} (dim 8) indexed as {@code vector}. */
    public void addCollection(String db, String name, long rows, boolean loaded) {
        catalog.addStandard(db, name, rows, loaded);
    }

    /**
     * {@code n} standard collections {@code c00000}, {@code c00001}, ... in {@code db}: collection i has 10·i rows and every other one is
     * loaded.
     */
    public void addCollections(String db, int n) {
        for (int i = 0; i < n; i++) {
            catalog.addStandard(db, String.format("c%05d", i), 10L * i, i % 2 == 0);
        }
    }

    /** The collection disappears, as if dropped (or lost). */
    public void loseCollection(String db, String name) {
        catalog.remove(db, name);
    }

    /** What {@code get_stats} reports from now on. */
    public void setRowCount(String db, String name, long rows) {
        catalog.edit(db, name, c -> c.rowCount = rows);
    }

    /** {@code LoadStateLoaded}, {@code LoadStateLoading} (stays so) or {@code LoadStateNotLoad}. */
    public void setLoadState(String db, String name, String state) {
        if (!List.of(LOADED, LOADING, NOT_LOAD).contains(state)) {
            throw new IllegalArgumentException("not a load state: " + state);
        }
        catalog.edit(db, name, c -> {
            c.loadState = state;
            c.loadingAnswers = -1;
        });
    }

    /**
     * The collection does not load again after the next restart of the query nodes (a new query node pod
     * template); with no cluster it is unloaded at once.
     */
    public void keepUnloaded(String db, String name) {
        catalog.edit(db, name, c -> c.keepUnloaded = true);
        if (client == null) {
            catalog.queryNodesRestarted();
        }
    }

    /** Adds a nullable VarChar field to the schema, as a schema change would. */
    public void addField(String db, String name, String field) {
        catalog.edit(db, name, c -> c.fields.add(new SimulatedMilvusCatalog.Field(field, "VarChar", false, false, false, false, true,
                Map.of("max_length", "64"), "")));
    }

    /** E.g. {@code InProgress} or {@code Failed}; indexes start {@code Finished}. */
    public void setIndexState(String db, String name, String index, String state) {
        catalog.edit(db, name, c -> c.indexes.stream().filter(i -> i.name.equals(index)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no index " + index + " on " + db + "/" + name)).state = state);
    }

    public List<String> databases() {
        return catalog.databaseNames();
    }

    public List<String> collections(String db) {
        return catalog.collectionNames(db);
    }

    public String loadState(String db, String name) {
        return catalog.read(db, name, c -> c.loadState);
    }

    public long rowCount(String db, String name) {
        return catalog.read(db, name, c -> c.rowCount);
    }

    /**
     * Every request to {@code endpoint} (e.g. {@code collections/describe}) that gets past authentication and
     * binding answers the error {@code code} with {@code message} (HTTP 200, as Milvus's errors), until
     * {@link #clearFailures()}.
     */
    public void failEndpoint(String endpoint, int code, String message) {
        failures.put(endpoint, SimulatedMilvusCatalog.error(code, message));
    }

    public void clearFailures() {
        failures.clear();
        denied.clear();
    }

    /** Every request to {@code endpoint} answers HTTP 403 with code 1401, as a user without the privilege gets. */
    public void denyEndpoint(String endpoint) {
        denied.add(endpoint);
    }

    // ---- the query path and compaction (milvus-rest FACTS "Row counts")

    /** The query path loses {@code rows} rows (the highest keys) while get_stats keeps counting them (milvus#43186, #48897, #51250). */
    public void loseQueryRows(String db, String name, long rows) {
        catalog.edit(db, name, c -> c.hidden += rows);
    }

    /** The query path loses one primary key ({@code 17}, or {@code k17} for a VarChar key) while get_stats keeps counting it. */
    public void loseKey(String db, String name, String key) {
        catalog.edit(db, name, c -> c.lostKeys.add(key));
    }

    /** {@code rows} rows deleted: queries stop serving them at once, get_stats counts them until {@link #compact}. */
    public void deleteRows(String db, String name, long rows) {
        catalog.edit(db, name, c -> c.deleted += rows);
    }

    /** A compaction applies the deletes: get_stats drops by the deleted rows (sort_compaction.go). */
    public void compact(String db, String name) {
        catalog.edit(db, name, c -> {
            c.rowCount -= c.deleted;
            c.deleted = 0;
        });
    }

    /** Sets the collection's {@code collection.ttl.seconds} property. */
    public void setTtl(String db, String name, long seconds) {
        catalog.edit(db, name, c -> c.ttlSeconds = seconds);
    }

    /** {@code rows} rows expire and compaction drops them: both get_stats and count(*) lower (the highest keys go). */
    public void expireRows(String db, String name, long rows) {
        catalog.edit(db, name, c -> c.rowCount -= rows);
    }

    /** Changes one component of the stored vector of the inserted row with primary key {@code key} (a corruption). */
    public void corruptVector(String db, String name, String key, String field) {
        catalog.edit(db, name, c -> {
            Map<String, Object> row = c.growing.get(key);
            if (row == null || !(row.get(field) instanceof com.fasterxml.jackson.databind.node.ArrayNode v)) {
                throw new IllegalArgumentException("no inserted row " + key + " with a vector " + field + " in " + db + "/" + name);
            }
            com.fasterxml.jackson.databind.node.ArrayNode copy = v.deepCopy();
            copy.set(0, copy.numberNode(copy.get(0).floatValue() + 0.5f));
            row.put(field, copy);
        });
    }

    /** The inserted rows of a collection (the canary's), keyed by primary key. */
    public int insertedRows(String db, String name) {
        return catalog.read(db, name, c -> c.growing.size());
    }

    // ---- milvus#47806 and the cluster

    /** From now on, reproduce milvus#47806 (see the class comment). Needs a cluster; call it before the upgrade. */
    public SimulatedMilvusDataPlane reproduce47806() {
        if (client == null) {
            throw new IllegalStateException("milvus#47806 follows the proxies, mixcoord and streaming node of a cluster: build the "
                    + "simulator with one");
        }
        reproduce47806 = true;
        return this;
    }

    /**
     * Without a cluster: the release the proxies run from now on (e.g. {@code 2.6.13}), for milvus#48930 and for
     * whether a collection created now counts as a 2.5 collection. With a cluster it follows the proxy images.
     */
    public void proxiesRun(String release) {
        if (client != null) {
            throw new IllegalStateException("with a cluster the proxies' release follows their images");
        }
        proxyRelease = Optional.of(SimVersion.parse(release).orElseThrow(() -> new IllegalArgumentException("not a release: " + release))
                .release());
    }

    /** Whether inserts and queries hang now (milvus#47806). */
    public boolean writesHang() {
        return reproduce47806 && proxyOn26 && !remedied;
    }

    /** Whether mixcoord has been restarted since the proxies moved to 2.6 (the first half of the remedy). */
    public boolean mixcoordRestarted() {
        return mixcoordRestarted;
    }

    /** Whether it answers: with a cluster, while the proxies have ready replicas. */
    public boolean available() {
        return available;
    }

    // ---- requests

    /** Requests received, answered or not. */
    public long requests() {
        return requests.get();
    }

    /** Requests received for one endpoint, e.g. {@code collections/describe}. */
    public long requests(String endpoint) {
        return Optional.ofNullable(requestsByPath.get(endpoint)).map(AtomicLong::get).orElse(0L);
    }

    /** The most requests it has been handling at the same time. */
    public int maxConcurrentRequests() {
        return maxInFlight.get();
    }

    /** A header of the last request received, e.g. {@code Request-Timeout}. */
    public Optional<String> lastHeader(String name) {
        return Optional.ofNullable(lastHeaders.getFirst(name));
    }

    /** What to write back: status, content type and body; {@code wwwAuthenticate} for a refused Basic login. */
    private record Reply(int status, String contentType, byte[] body, boolean wwwAuthenticate) {
    }

    private void handle(HttpExchange exchange) throws IOException {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        Reply reply;
        try {
            reply = answer(exchange);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "simulated Milvus failed on " + exchange.getRequestURI(), e);
            reply = text(500, "simulator error: " + e);
        } finally {
            // Before the client can see the answer and send its next request on the same connection.
            inFlight.decrementAndGet();
        }
        try {
            if (reply != null) {
                if (reply.wwwAuthenticate()) {
                    exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"Authorization Required\"");
                }
                exchange.getResponseHeaders().set("Content-Type", reply.contentType());
                exchange.sendResponseHeaders(reply.status(), reply.body().length);
                exchange.getResponseBody().write(reply.body());
            }
        } finally {
            exchange.close(); // with no answer written: the connection closes
        }
    }

    /** The answer to one request; null to close the connection without one. */
    private Reply answer(HttpExchange exchange) throws IOException {
        Headers headers = new Headers();
        headers.putAll(exchange.getRequestHeaders());
        lastHeaders = headers;
        byte[] body = exchange.getRequestBody().readAllBytes();
        String rawPath = exchange.getRequestURI().getPath();
        String path = rawPath.startsWith(PREFIX) ? rawPath.substring(PREFIX.length()) : rawPath;
        requests.incrementAndGet();
        requestsByPath.computeIfAbsent(path, k -> new AtomicLong()).incrementAndGet();
        if (!available) {
            return null; // no proxy is ready behind the Service
        }
        String authorization = headers.getFirst("Authorization");
        if (!authenticated(authorization)) {
            Reply refused = json(401, Map.of("code", 1800, "message", "user hasn't authenticated"));
            return authorization != null
                    && authorization.startsWith("Basic ") ? new Reply(401, refused.contentType(), refused.body(), true) : refused;
        }
        if (!"POST".equals(exchange.getRequestMethod()) || !rawPath.startsWith(PREFIX) || !SimulatedMilvusCatalog.known(path)) {
            return text(404, "404 page not found");
        }
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return json(200, SimulatedMilvusCatalog.error(1801,
                    "can only accept json format request, the request body should be nil, however {} is valid").body());
        }
        JsonNode request;
        try {
            request = json.readTree(text);
        } catch (IOException e) {
            return json(200, SimulatedMilvusCatalog.error(1801, "can only accept json format request, error: invalid character in "
                    + text.substring(0, Math.min(20, text.length()))).body());
        }
        if (!request.isObject()) {
            return json(200, SimulatedMilvusCatalog.error(1801, "can only accept json format request, error: json: cannot unmarshal "
                    + SimulatedMilvusCatalog.goType(request) + " into Go value of type httpserver." + SimulatedMilvusCatalog.struct(path))
                        .body());
        }
        if (denied.contains(path)) {
            // checkAuthorizationV2: HTTP 403 with the privilege error's merr code (milvus-rest FACTS "Authorization (RBAC)").
            return json(403, Map.of("code", 1401, "message",
                    "PrivilegeNotPermitted: permission deny to upgrader in the `default` database"));
        }
        SimulatedMilvusCatalog.Answer answer = failures.get(path);
        if (answer == null) {
            answer = catalog.handle(path, request, headers.getFirst("DB-Name"), new SimulatedMilvusCatalog.Era(
                    writesHang() && SimulatedMilvusCatalog.throughWal(path),
                        proxyRelease.map(v -> !v.isAtLeast(SimVersion.of(2, 6, 0))).orElse(true),
                    proxyRelease.map(v -> v.isAtLeast(SimVersion.of(2, 6, 12)) && !v.isAtLeast(SimVersion.of(2, 6, 15))).orElse(false)));
        }
        if (answer.status() == 408) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(HANG.toMillis(), requestTimeoutMillis(exchange))));
        }
        return json(answer.status(), answer.body());
    }

    private Reply json(int status, Map<String, Object> body) throws IOException {
        return new Reply(status, "application/json; charset=utf-8", json.writeValueAsBytes(new TreeMap<>(body)), false);
    }

    private static Reply text(int status, String text) {
        return new Reply(status, "text/plain", text.getBytes(StandardCharsets.UTF_8), false);
    }

    private static long requestTimeoutMillis(HttpExchange exchange) {
        try {
            String header = exchange.getRequestHeaders().getFirst("Request-Timeout");
            return header == null ? DEFAULT_TIMEOUT_MILLIS : Long.parseLong(header.trim()) * 1000;
        } catch (NumberFormatException e) {
            return DEFAULT_TIMEOUT_MILLIS;
        }
    }

    /**
     * service.go authenticate: {@code Basic base64(user:password)}; otherwise the value with any {@code Bearer }
     * prefix removed, split at the first {@code :} into user and password, or without {@code :} an API key.
     */
    private boolean authenticated(String header) {
        if (!authenticationOn) {
            return true;
        }
        if (header == null) {
            return false;
        }
        String credentials;
        if (header.startsWith("Basic ")) {
            try {
                credentials = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return false;
            }
            if (!credentials.contains(":")) {
                return false;
            }
        } else {
            credentials = header.startsWith("Bearer ") ? header.substring(7) : header;
        }
        int colon = credentials.indexOf(':');
        if (colon < 0) {
            return tokens.contains(credentials);
        }
        String password = users.get(credentials.substring(0, colon));
        return password != null && password.equals(credentials.substring(colon + 1));
    }

    // ---- the cluster: the instance's Deployments through an informer

    private void watch() {
        informer = client.apps().deployments().inNamespace(namespace).withLabel(OperatorFacts.LABEL_INSTANCE, release)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Deployment d) {
                        seen(d, false);
                    }

                    @Override
                    public void onUpdate(Deployment oldD, Deployment newD) {
                        seen(newD, false);
                    }

                    @Override
                    public void onDelete(Deployment d, boolean deletedFinalStateUnknown) {
                        seen(d, true);
                    }
                });
    }

    private void seen(Deployment d, boolean deleted) {
        synchronized (watchLock) {
            if (deleted) {
                deployments.remove(d.getMetadata().getName());
            } else {
                deployments.put(d.getMetadata().getName(), d);
            }
            recompute();
        }
    }

    /** Availability, the milvus#47806 state and query node restarts from the Deployments as they are now. */
    private void recompute() {
        List<Deployment> proxies = serving("proxy");
        available = proxies.stream().mapToInt(d -> Optional.ofNullable(d.getStatus()).map(s -> s.getReadyReplicas()).orElse(0)).sum() > 0;
        proxyRelease = proxies.stream().map(d -> imageRelease(SimulatedDeploymentController.imageOf(d))).flatMap(Optional::stream)
                .min(java.util.Comparator.naturalOrder()).or(() -> proxyRelease);
        if (proxies.stream().anyMatch(d -> !OperatorComponents.isImageGE26(SimulatedDeploymentController.imageOf(d)))) {
            proxySeenBelow26 = true;
        }
        if (!proxyOn26 && proxySeenBelow26 && !proxies.isEmpty()
                && proxies.stream().allMatch(d -> OperatorComponents.isImageGE26(SimulatedDeploymentController.imageOf(d))
                    && rolledOut(d))) {
            proxyOn26 = true;
            mixcoordBaseline = templates("mixcoord");
        }
        if (proxyOn26 && !mixcoordRestarted && restartedSince("mixcoord", mixcoordBaseline)) {
            mixcoordRestarted = true;
            streamingNodeBaseline = templates("streamingnode");
        }
        if (mixcoordRestarted && !remedied
                && (serving("streamingnode").isEmpty() || restartedSince("streamingnode", streamingNodeBaseline))) {
            remedied = true;
        }
        Set<PodTemplateSpec> queryNodes = templates("querynode");
        if (!queryNodeTemplates.isEmpty() && !queryNodes.isEmpty() && !queryNodeTemplates.containsAll(queryNodes)) {
            catalog.queryNodesRestarted();
        }
        queryNodeTemplates = queryNodes;
    }

    private static Optional<SimVersion> imageRelease(String image) {
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? SimVersion.parse(image.substring(colon + 1)).map(SimVersion::release) : Optional.empty();
    }

    /** The component's Deployments that have replicas (a two-Deployment component's idle group has none). */
    private List<Deployment> serving(String component) {
        return deployments.values().stream().filter(d -> component.equals(d.getMetadata().getLabels().get(OperatorFacts.LABEL_COMPONENT)))
                .filter(d -> replicas(d) > 0).toList();
    }

    private Set<PodTemplateSpec> templates(String component) {
        Set<PodTemplateSpec> out = new HashSet<>();
        serving(component).forEach(d -> out.add(d.getSpec().getTemplate()));
        return out;
    }

    /** Every serving Deployment rolled out, none of them on a template of {@code baseline}. */
    private boolean restartedSince(String component, Set<PodTemplateSpec> baseline) {
        List<Deployment> now = serving(component);
        return !now.isEmpty() && now.stream().allMatch(d -> rolledOut(d) && !baseline.contains(d.getSpec().getTemplate()));
    }

    /** Kubernetes' Deployment status says the current template is rolled out on all replicas. */
    private static boolean rolledOut(Deployment d) {
        var status = d.getStatus();
        if (status == null) {
            return false;
        }
        long generation = Optional.ofNullable(d.getMetadata().getGeneration()).orElse(0L);
        long observed = Optional.ofNullable(status.getObservedGeneration()).orElse(0L);
        int replicas = replicas(d);
        return observed >= generation && Optional.ofNullable(status.getUpdatedReplicas()).orElse(0) >= replicas
                && Optional.ofNullable(status.getReadyReplicas()).orElse(0) >= replicas;
    }

    private static int replicas(Deployment d) {
        return Optional.ofNullable(d.getSpec().getReplicas()).orElse(1);
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
        server.stop(0);
        workers.shutdownNow();
    }
}

package dev.milvusupgrade.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.StreamSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A simulated milvus-backup REST server ({@code milvus-backup server}): the JDK's {@code com.sun.net.httpserver}
 * speaking the part of {@code /api/v1/} the upgrade uses, with the shapes of milvus-rest FACTS.md ("milvus-backup
 * REST server", read from the server source): keys in the order {@code requestId}, {@code code}, {@code msg},
 * {@code data}; no {@code code} on success; numeric {@code state_code}; errors as HTTP 200 with a code; HTTP 404
 * {@code 404 page not found} for an unknown path or a wrong method.
 *
 * <ul>
 *   <li>{@code GET /api/v1/hello} and any method on {@code /}: {@code Hello, This is backup service}.</li>
 *   <li>{@code POST /api/v1/create}: a body that does not bind (not JSON, not an object, a wrong type for
 *     {@code backup_name}, {@code collection_names} or {@code async}) is HTTP 400 {@code {"error":"Invalid request body"}};
 *     an empty {@code backup_name} is the server's panic, a bare HTTP 500; a name ValidateName refuses is code 400 with
 *     its text; a collection name that is empty or has more than one dot is code 3; a name the task manager holds in a
 *     state other than FAIL or TIMEOUT is code 3 {@code backup: add backup task to manager: NAME (existing task ID)}.
 *     Otherwise {@code async: true} is accepted ({@code requestId}, {@code msg} {@code create backup is executing
 *     asynchronously}, {@code data: null}) and the backup behaves as {@link #behave} says. A name already in the
 *     backup storage but unknown to the task manager (after {@link #restart()}) is accepted and stays INITIAL, progress
 *     1, for ever. A requested collection that Milvus does not hold ({@link #milvusCollections}) fails the backup with
 *     {@code backup: list db and collection: backup: filter collection DB.C not found in milvus}. The synchronous form
 *     ({@code async} false or absent) is not simulated: code 1 (Not_Support). {@code filter} and {@code db_collections}
 *     are ignored.</li>
 *   <li>{@code GET /api/v1/get_backup?backup_name=} (or {@code &backup_id=}): the task's {@code data} in the server's
 *     field order; {@code size} and {@code meta_size} are 0, and {@code collection_backups}, {@code backup_timestamp},
 *     {@code milvus_version} and {@code database_backups} absent, until the backup succeeded (the server reads them
 *     from the backup's meta); {@code end_time} is Go's zero time until it ends. A name the task manager does not know
 *     gives {@code {"state_code":0,"progress":0,"size":0,"meta_size":0}}; neither parameter is code 400; an unknown id
 *     code 3. {@code requestId} is there only when the request carried a {@code request_id} header (get_backup.go
 *     builds its answer before it makes up an id).</li>
 *   <li>{@code GET /api/v1/list}: {@code {"data":[{"id","name","size","milvus_version"}]}}, no code, no msg, the
 *     successful backups in the backup storage sorted by name; {@code ?collection_name=} is code 400.</li>
 * </ul>
 *
 * <p><b>Behaviours</b> ({@link Behaviour}), chosen per backup when it is created: by name ({@link #behave(String, Behaviour)})
 * or for all ({@link #behave(Behaviour)}; by default {@link Behaviour#succeedAfterPolls(int) succeedAfterPolls(2)}).
 * Counted in get_backup answers for the backup: the first shows INITIAL (progress 1), the following ones EXECUTING
 * (progress 5..99, rising), and the one after the given number of polls the end. Counted in time since the create:
 * INITIAL for the first tenth, then EXECUTING, then the end (a list sees it ended too). A success has a size above 0
 * and {@code collection_backups} for the requested collections, or for all of Milvus's when none were requested; a
 * failure is state 3, progress 0 and the {@code errorMessage}; {@link Behaviour#neverFinish()} stays EXECUTING;
 * {@link Behaviour#neverStart()} stays INITIAL (Milvus or the backup storage unreachable from milvus-backup).
 *
 * <p><b>Availability.</b> {@link #stop()} closes the port (connections are refused) and {@link #start()} opens it again,
 * same port, same task manager, as a network outage would; {@link #restart()} is a restart of the server process: the
 * task manager is lost, the backup storage (the successful backups) stays. {@link #close()} ends it.
 *
 * <p><b>Leftovers of a failed backup</b> (FACTS "create", "Same name again after a FAIL that left objects"): a backup that
 * fails after it started copying ({@link Behaviour#failAfterPolls}, {@link Behaviour#failAfter}) leaves objects under its
 * directory in the backup bucket; a new create under that name is accepted and never starts (v0.5.10 and later: INITIAL,
 * progress 1; {@link Generation#V0_5_9}: EXECUTING), as for a name in the backup storage. {@link #deleteDirectory} is the
 * person deleting that prefix.
 *
 * <p><b>Generations</b> ({@link Generation}): {@link Generation#V0_5_10} (the default) is the server above, v0.5.10
 * through v0.5.16 and HEAD. {@link Generation#V0_5_9} is every release before v0.5.10 (read at tag v0.5.9,
 * core/backup_context.go GetBackup and core/backup_impl_create_backup.go; FACTS "milvus-backup versions"): get_backup of
 * a name neither the task manager nor the backup storage knows is code 404 {@code not found} with {@code data: null}; a
 * name only in the backup storage is answered from it (SUCCESS, with its collections); the async create answers
 * {@code data} (the new task: id, state_code 0, start_time, name); there is no task-manager check, so a name held is
 * accepted again (a new task under it); a name whose directory exists stays EXECUTING for ever; {@code start_time} and
 * {@code end_time} are Unix milliseconds, and {@code end_time} is left out until the end. The progress v0.5.9 shows for
 * a task is not known here: the simulator shows the same as v0.5.10.
 *
 * <p><b>Time</b> is the {@link Clock} given (the system clock by default): start and end times and the backup storage's
 * times read it, so a test's clock can make a backup old; durations of {@link Behaviour#succeedAfter} are real time.
 *
 * <p><b>Observation.</b> {@link #requests()}, {@link #requests(String)}, {@link #created()}, {@link #createBodies()}
 * and {@link #stored()}.
 */
public final class SimulatedMilvusBackup implements AutoCloseable {

    public static final String HELLO = "Hello, This is backup service";
    /** What Milvus holds unless {@link #milvusCollections} says otherwise: the simulated data plane's collections. */
    public static final List<String> DEFAULT_COLLECTIONS = List.of("default.books", "default.archive", "analytics.events");
    /** The version a successful backup records. */
    public static final String MILVUS_VERSION = "v2.5.16";
    /** Go's zero {@code time.Time} in Unix seconds. */
    public static final long GO_ZERO_TIME = -62_135_596_800L;

    /** Which releases the server behaves like (see the class comment). */
    public enum Generation { V0_5_9, V0_5_10 }

    private static final Logger LOG = Logger.getLogger(SimulatedMilvusBackup.class.getName());
    private static final String API = "/api/v1/";
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final String TEXT_TYPE = "text/plain; charset=utf-8";
    private static final AtomicInteger SERVERS = new AtomicInteger();

    /**
     * How a backup goes: it ends ({@link Ending}) after {@code polls} get_backup answers that did not show the end, or
     * once {@code after} has passed since the create when {@code after} is set.
     */
    public record Behaviour(Ending ending, int polls, Optional<Duration> after, String errorMessage) {
        public enum Ending { SUCCESS, FAIL, NEVER, NEVER_STARTS }

        public Behaviour {
            Objects.requireNonNull(ending, "ending");
            Objects.requireNonNull(after, "after");
            Objects.requireNonNull(errorMessage, "errorMessage");
            if (polls < 0) {
                throw new IllegalArgumentException("polls must not be negative, not " + polls);
            }
        }

        /** SUCCESS on the get_backup after {@code polls} that showed it unfinished (0: the first shows it). */
        public static Behaviour succeedAfterPolls(int polls) {
            return new Behaviour(Ending.SUCCESS, polls, Optional.empty(), "");
        }

        /** SUCCESS once {@code duration} has passed since the create. */
        public static Behaviour succeedAfter(Duration duration) {
            return new Behaviour(Ending.SUCCESS, 0, Optional.of(duration), "");
        }

        /** FAIL with {@code errorMessage} on the get_backup after {@code polls} that showed it unfinished. */
        public static Behaviour failAfterPolls(int polls, String errorMessage) {
            return new Behaviour(Ending.FAIL, polls, Optional.empty(), errorMessage);
        }

        /** FAIL with {@code errorMessage} once {@code duration} has passed since the create. */
        public static Behaviour failAfter(Duration duration, String errorMessage) {
            return new Behaviour(Ending.FAIL, 0, Optional.of(duration), errorMessage);
        }

        /** INITIAL on the first get_backup, EXECUTING for ever after. */
        public static Behaviour neverFinish() {
            return new Behaviour(Ending.NEVER, 0, Optional.empty(), "");
        }

        /**
         * INITIAL, progress 1, for ever: what the server shows when its task's Execute returns before the task is marked
         * failed, i.e. when it cannot create its Milvus gRPC client (Milvus unreachable, credentials refused: NewGrpc
         * connects at once) or cannot check the backup storage (task.go Execute: initClients and prepare errors are only logged).
         */
        public static Behaviour neverStart() {
            return new Behaviour(Ending.NEVER_STARTS, 0, Optional.empty(), "");
        }
    }

    /** A task of the server's task manager. */
    private static final class Task {
        final String id;
        final String name;
        final Behaviour behaviour;
        final List<String> collections;
        final String failure;
        final boolean stuck;
        final long createdNanos = System.nanoTime();
        final Instant start;
        int polls;
        int state;
        int progress = 1;
        Instant end;
        String errorMessage = "";

        Task(String id, String name, Behaviour behaviour, List<String> collections, String failure, boolean stuck, Instant start) {
            this.start = start;
            this.id = id;
            this.name = name;
            this.behaviour = behaviour;
            this.collections = collections;
            this.failure = failure;
            this.stuck = stuck;
        }

        boolean ended() {
            return state == 2 || state == 3 || state == 4;
        }
    }

    /** A backup in the backup storage: its meta was written, so it succeeded. */
    private record Stored(String id, String name, List<String> collections, List<Long> sizes, long timestamp, long physicalSeconds,
            Instant start, Instant end) {
        long size() {
            return sizes.stream().mapToLong(Long::longValue).sum();
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final Object lock = new Object();
    private final Map<String, Task> tasksByName = new HashMap<>();
    private final Map<String, Task> tasksById = new HashMap<>();
    private final Map<String, Stored> storage = new TreeMap<>();
    /** Names whose directory in the backup bucket holds objects: every stored backup, and failed ones that left some. */
    private final Set<String> directories = new HashSet<>();
    private final Clock clock;
    private volatile Generation generation = Generation.V0_5_10;
    private final Map<String, Behaviour> behaviourByName = new HashMap<>();
    private final List<String> created = new ArrayList<>();
    private final List<JsonNode> createBodies = new ArrayList<>();
    private final AtomicLong requests = new AtomicLong();
    private final Map<String, AtomicLong> requestsByPath = new ConcurrentHashMap<>();
    private final ExecutorService workers;
    private final int port;
    private volatile Behaviour behaviour = Behaviour.succeedAfterPolls(2);
    private volatile List<String> milvusCollections = DEFAULT_COLLECTIONS;
    private HttpServer server;

    /** Started on a free loopback port, on the system clock. */
    public SimulatedMilvusBackup() {
        this(Clock.systemUTC());
    }

    /** Started on a free loopback port; times are read from {@code clock}. */
    public SimulatedMilvusBackup(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        int n = SERVERS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        workers = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "simulated-milvus-backup-" + n + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server = bind(0);
        port = server.getAddress().getPort();
    }

    private HttpServer bind(int onPort) {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 64);
            s.setExecutor(workers);
            s.createContext("/", this::handle);
            s.start();
            return s;
        } catch (IOException e) {
            workers.shutdownNow();
            throw new UncheckedIOException("cannot start the simulated milvus-backup server on port " + onPort, e);
        }
    }

    /** {@code http://127.0.0.1:<port>}, the same across {@link #stop()}, {@link #start()} and {@link #restart()}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    // ---- behaviours and content

    /** How backups created from now on behave (unless {@link #behave(String, Behaviour)} names them). */
    public void behave(Behaviour b) {
        behaviour = Objects.requireNonNull(b);
    }

    /** How the backups named {@code name} created from now on behave. */
    public void behave(String name, Behaviour b) {
        synchronized (lock) {
            behaviourByName.put(name, Objects.requireNonNull(b));
        }
    }

    /** Behave like the releases of {@code g} from now on (the task manager and the backup storage stay). */
    public void generation(Generation g) {
        generation = Objects.requireNonNull(g);
    }

    /** A person deleting the backup's directory (its prefix) in the backup bucket: the name can be used again. */
    public void deleteDirectory(String name) {
        synchronized (lock) {
            directories.remove(name);
            storage.remove(name);
        }
    }

    /** The collections Milvus holds, as {@code db.collection}; a backup of all of them covers these. */
    public void milvusCollections(List<String> collections) {
        milvusCollections = List.copyOf(collections);
    }

    // ---- availability

    /** Closes the port: connections are refused until {@link #start()}; the task manager keeps its tasks. */
    public void stop() {
        synchronized (lock) {
            if (server != null) {
                server.stop(0);
                server = null;
            }
        }
    }

    /** Opens the port again (no-op while running). */
    public void start() {
        synchronized (lock) {
            if (server == null) {
                server = bind(port);
            }
        }
    }

    /** A restart of the server process: down, the task manager emptied (the backup storage stays), up on the same port. */
    public void restart() {
        synchronized (lock) {
            stop();
            tasksByName.clear();
            tasksById.clear();
            start();
        }
    }

    public boolean running() {
        synchronized (lock) {
            return server != null;
        }
    }

    // ---- observation

    /** Requests received. */
    public long requests() {
        return requests.get();
    }

    /** Requests received for one path below {@code /api/v1/}: {@code hello}, {@code create}, {@code get_backup}, {@code list}. */
    public long requests(String path) {
        return Optional.ofNullable(requestsByPath.get(path)).map(AtomicLong::get).orElse(0L);
    }

    /** The names of the backups the task manager accepted, in order (a name twice when it was created twice). */
    public List<String> created() {
        synchronized (lock) {
            return List.copyOf(created);
        }
    }

    /** The bodies of the create requests received, JSON or not (a body that is not JSON is a text node). */
    public List<JsonNode> createBodies() {
        synchronized (lock) {
            return createBodies.stream().<JsonNode>map(JsonNode::deepCopy).toList();
        }
    }

    /** The names in the backup storage (successful backups), sorted. */
    public List<String> stored() {
        synchronized (lock) {
            return List.copyOf(storage.keySet());
        }
    }

    // ---- the server

    private record Reply(int status, String contentType, byte[] body) {
    }

    private void handle(HttpExchange exchange) throws IOException {
        Reply reply;
        try {
            reply = answer(exchange);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "simulated milvus-backup failed on " + exchange.getRequestURI(), e);
            reply = new Reply(500, TEXT_TYPE, ("simulator error: " + e).getBytes(StandardCharsets.UTF_8));
        }
        try {
            if (reply.contentType() != null) {
                exchange.getResponseHeaders().set("Content-Type", reply.contentType());
            }
            exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
            if (reply.body().length > 0) {
                exchange.getResponseBody().write(reply.body());
            }
        } finally {
            exchange.close();
        }
    }

    private Reply answer(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        String key = path.startsWith(API) ? path.substring(API.length()) : path;
        requests.incrementAndGet();
        requestsByPath.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        Optional<String> requestId = Optional.ofNullable(exchange.getRequestHeaders().getFirst("request_id")).filter(s -> !s.isEmpty());
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        if (path.equals("/") || path.isEmpty() || path.equals(API + "hello") && method.equals("GET")) {
            return new Reply(200, TEXT_TYPE, HELLO.getBytes(StandardCharsets.UTF_8));
        }
        if (path.equals(API + "create") && method.equals("POST")) {
            return create(body, requestId);
        }
        if (path.equals(API + "get_backup") && method.equals("GET")) {
            return getBackup(query, requestId);
        }
        if (path.equals(API + "list") && method.equals("GET")) {
            return list(query, requestId);
        }
        return new Reply(404, "text/plain", "404 page not found".getBytes(StandardCharsets.UTF_8));
    }

    private Reply create(byte[] body, Optional<String> header) throws IOException {
        JsonNode request;
        try {
            request = json.readTree(body);
        } catch (IOException e) {
            request = null;
        }
        synchronized (lock) {
            createBodies.add(request == null ? json.getNodeFactory().textNode(new String(body, StandardCharsets.UTF_8)) : request);
        }
        if (request == null || !request.isObject() || !bindable(request)) {
            return new Reply(400, JSON_TYPE, "{\"error\":\"Invalid request body\"}".getBytes(StandardCharsets.UTF_8));
        }
        String id = header.orElseGet(() -> UUID.randomUUID().toString());
        String name = request.path("backup_name").asText("");
        if (name.isEmpty()) {
            // ValidateName indexes []rune("")[0]: a panic, answered by gin's recovery with a bare 500.
            return new Reply(500, null, new byte[0]);
        }
        Optional<String> invalid = validateName(name);
        if (invalid.isPresent()) {
            return envelope(Optional.of(id), 400, invalid.get(), null);
        }
        List<String> requested = new ArrayList<>();
        for (JsonNode c : request.path("collection_names")) {
            String ns = c.asText();
            String[] parts = ns.split("\\.", -1);
            if (ns.isEmpty() || parts.length > 2) {
                return envelope(Optional.of(id), 3, "server: build option: server: build filter: server: invalid collection name " + ns,
                        null);
            }
            requested.add(parts.length == 2 ? ns : "default." + ns);
        }
        if (!request.path("async").asBoolean(false)) {
            return envelope(Optional.of(id), 1, "simulator: only async:true is simulated", null);
        }
        synchronized (lock) {
            Task held = tasksByName.get(name);
            if (held != null && generation == Generation.V0_5_10) {
                advance(held, false);
                if (held.state != 3 && held.state != 4) {
                    return envelope(Optional.of(id), 3, "backup: add backup task to manager: " + name + " (existing task " + held.id + ")",
                            null);
                }
            }
            List<String> collections = requested.isEmpty() ? milvusCollections : List.copyOf(new LinkedHashSet<>(requested));
            String failure = collections.stream().filter(c -> !milvusCollections.contains(c)).findFirst()
                    .map(c -> "backup: list db and collection: backup: filter collection " + c + " not found in milvus").orElse("");
            Behaviour b = behaviourByName.getOrDefault(name, behaviour);
            Task task = new Task(id, name, b, collections, failure, directories.contains(name), clock.instant());
            if (task.stuck && generation == Generation.V0_5_9) {
                task.state = 1; // executeCreateBackup sets EXECUTING, then returns "already exist" without FAIL
            }
            tasksByName.put(name, task);
            tasksById.put(id, task);
            created.add(name);
            if (generation == Generation.V0_5_9) {
                ObjectNode info = json.createObjectNode();
                info.put("id", id);
                info.put("state_code", 0);
                info.put("start_time", task.start.toEpochMilli());
                info.put("name", name);
                info.put("milvus_version", MILVUS_VERSION);
                return envelope(Optional.of(id), 0, "create backup is executing asynchronously", info);
            }
        }
        return envelope(Optional.of(id), 0, "create backup is executing asynchronously", null);
    }

    /** Whether encoding/json would bind the fields the simulator reads into CreateBackupRequest. */
    private static boolean bindable(JsonNode request) {
        JsonNode name = request.path("backup_name");
        JsonNode names = request.path("collection_names");
        JsonNode async = request.path("async");
        boolean namesOk = names.isMissingNode() || names.isNull() || names.isArray() && StreamSupport.stream(names.spliterator(), false)
                .allMatch(n -> n.isTextual() || n.isNull());
        return (name.isMissingNode() || name.isNull() || name.isTextual()) && namesOk
                && (async.isMissingNode() || async.isNull() || async.isBoolean());
    }

    /** backup.ValidateName, apart from the empty name (a panic, handled before). */
    private static Optional<String> validateName(String name) {
        if (name.codePoints().anyMatch(Character::isWhitespace)) {
            return Optional.of("backup name should not contain whitespace");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > 128) {
            return Optional.of("backup name length should not exceed 128");
        }
        int first = name.codePointAt(0);
        if (first != '_' && !alpha(first)) {
            return Optional.of("backup name should start with an underscore or letter");
        }
        if (name.codePoints().anyMatch(c -> c != '_' && !alpha(c) && !(c >= '0' && c <= '9'))) {
            return Optional.of("backup name should only contain numbers, letters and underscores");
        }
        return Optional.empty();
    }

    private static boolean alpha(int c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
    }

    private Reply getBackup(Map<String, String> query, Optional<String> requestId) throws IOException {
        String name = query.getOrDefault("backup_name", "");
        String id = query.getOrDefault("backup_id", "");
        if (name.isEmpty() && id.isEmpty()) {
            return envelope(requestId, 400, "server: empty backup name and backup id, please set a backup name or id", null);
        }
        ObjectNode data;
        synchronized (lock) {
            Task task = id.isEmpty() ? tasksByName.get(name) : tasksById.get(id);
            if (task == null && !id.isEmpty()) {
                return envelope(requestId, 3, "server: get backup by id server: get backup task task not found", null);
            }
            if (task == null && generation == Generation.V0_5_9) {
                Stored stored = storage.get(name);
                if (stored == null) {
                    return envelope(requestId, 404, "not found", null);
                }
                Task fromStorage = new Task(stored.id(), name, behaviour, stored.collections(), "", true, stored.start());
                fromStorage.state = 2;
                fromStorage.progress = 100;
                fromStorage.end = stored.end();
                data = brief(fromStorage);
            } else if (task == null) {
                data = json.createObjectNode();
                data.put("state_code", 0);
                data.put("progress", 0);
                data.put("size", 0);
                data.put("meta_size", 0);
            } else {
                advance(task, true);
                data = brief(task);
            }
        }
        return envelope(requestId, 0, "success", data);
    }

    private Reply list(Map<String, String> query, Optional<String> requestId) throws IOException {
        if (!query.getOrDefault("collection_name", "").isEmpty()) {
            return envelope(requestId, 400, "collection_name is deprecated", null);
        }
        ArrayNode data = json.createArrayNode();
        synchronized (lock) {
            tasksByName.values().forEach(t -> advance(t, false));
            for (Stored s : storage.values()) {
                ObjectNode summary = data.addObject();
                summary.put("id", s.id());
                summary.put("name", s.name());
                summary.put("size", s.size());
                summary.put("milvus_version", MILVUS_VERSION);
            }
        }
        return envelope(requestId, 0, "", data);
    }

    /** Moves the task on as its behaviour says; {@code poll} counts this as one of its get_backup answers. */
    private void advance(Task task, boolean poll) {
        if (task.ended() || task.stuck) {
            return;
        }
        if (poll) {
            task.polls++;
        }
        if (!task.failure.isEmpty()) {
            end(task, 3, task.failure); // listing the collections fails within moments of the create, before EXECUTING
            return;
        }
        Behaviour b = task.behaviour;
        if (b.ending() == Behaviour.Ending.NEVER_STARTS) {
            return; // INITIAL, progress 1, as created
        }
        boolean due;
        int progress;
        if (b.ending() == Behaviour.Ending.NEVER) {
            due = false;
            progress = task.polls <= 1 ? 1 : 50;
        } else if (b.after().isPresent()) {
            long total = Math.max(1, b.after().get().toNanos());
            long elapsed = System.nanoTime() - task.createdNanos;
            due = elapsed >= total;
            progress = elapsed * 10 < total ? 1 : (int) Math.min(99, 5 + elapsed * 94 / total);
        } else {
            due = task.polls > b.polls();
            progress = task.polls <= 1 ? 1 : (int) Math.min(99, 5 + (long) (task.polls - 1) * 95 / Math.max(1, b.polls()));
        }
        if (due) {
            end(task, b.ending() == Behaviour.Ending.SUCCESS ? 2 : 3, b.errorMessage());
        } else {
            task.progress = progress;
            task.state = progress == 1 ? 0 : 1;
        }
    }

    private void end(Task task, int state, String errorMessage) {
        task.state = state;
        task.end = clock.instant();
        if (state == 2 || task.failure.isEmpty()) {
            directories.add(task.name); // a failure after the copy started leaves its objects (no cleanup, FACTS "create")
        }
        if (state == 2) {
            task.progress = 100;
            List<Long> sizes = new ArrayList<>();
            for (int i = 0; i < task.collections.size(); i++) {
                sizes.add(1_048_576L * (i + 1) + 4_096L * task.collections.get(i).length());
            }
            long now = task.end.toEpochMilli();
            storage.put(task.name, new Stored(task.id, task.name, task.collections, sizes, now << 18, now / 1000, task.start, task.end));
        } else {
            task.progress = 0;
            task.errorMessage = errorMessage;
        }
    }

    /** BackupInfoBrief of a task, in the server's field order (pbconv.NewBackupInfoBrief; omitempty fields left out when empty). */
    private ObjectNode brief(Task task) {
        ObjectNode data = json.createObjectNode();
        data.put("id", task.id);
        data.put("state_code", task.state);
        if (!task.errorMessage.isEmpty()) {
            data.put("errorMessage", task.errorMessage);
        }
        if (generation == Generation.V0_5_9) {
            // Unix milliseconds; EndTime is set only at the end, and a 0 is left out (omitempty).
            data.put("start_time", task.start.toEpochMilli());
            if (task.end != null) {
                data.put("end_time", task.end.toEpochMilli());
            }
        } else {
            data.put("start_time", task.start.getEpochSecond());
            data.put("end_time", task.end == null ? GO_ZERO_TIME : task.end.getEpochSecond());
        }
        data.put("progress", task.progress);
        data.put("name", task.name);
        Stored stored = task.state == 2 ? storage.get(task.name) : null;
        if (stored != null && !stored.id().equals(task.id)) {
            stored = null; // another task's backup under this name
        }
        if (stored == null) {
            data.put("size", 0);
            data.put("meta_size", 0);
            return data;
        }
        data.put("backup_timestamp", stored.timestamp());
        ArrayNode collections = data.putArray("collection_backups");
        Map<String, Integer> dbIds = new LinkedHashMap<>();
        for (int i = 0; i < stored.collections().size(); i++) {
            String ns = stored.collections().get(i);
            String db = ns.substring(0, ns.indexOf('.'));
            String name = ns.substring(ns.indexOf('.') + 1);
            dbIds.putIfAbsent(db, db.equals("default") ? 1 : 450_000_000 + dbIds.size());
            ObjectNode c = collections.addObject();
            c.put("id", stored.id() + "-" + i);
            c.put("collection_id", 450_000_100L + i);
            c.put("db_name", db);
            c.put("collection_name", name);
            ObjectNode schema = c.putObject("schema");
            schema.put("name", name);
            ArrayNode fields = schema.putArray("fields");
            fields.addObject().put("fieldID", 100).put("name", "id").put("is_primary_key", true).put("data_type", 5);
            ObjectNode vector = fields.addObject().put("fieldID", 101).put("name", "vector").put("data_type", 101);
            vector.putArray("type_params").addObject().put("key", "dim").put("value", "8");
            c.put("shards_num", 1);
            c.put("backup_timestamp", stored.timestamp());
            c.put("size", stored.sizes().get(i));
            c.put("has_index", true);
            ObjectNode index = c.putArray("index_infos").addObject();
            index.put("field_name", "vector").put("index_name", "vector").put("index_type", "AUTOINDEX");
            index.putObject("params").put("index_type", "AUTOINDEX").put("metric_type", "COSINE");
            c.put("load_state", "Loaded");
            c.put("backup_physical_timestamp", stored.physicalSeconds());
        }
        data.put("size", stored.size());
        data.put("milvus_version", MILVUS_VERSION);
        ArrayNode databases = data.putArray("database_backups");
        dbIds.forEach((db, dbId) -> databases.addObject().put("db_name", db).put("db_id", dbId));
        data.put("meta_size", 2_048L + 512L * stored.collections().size());
        return data;
    }

    /** {@code {"requestId","code","msg","data"}}: requestId and msg left out when empty, code when 0, data null when absent. */
    private Reply envelope(Optional<String> requestId, int code, String msg, JsonNode data) throws IOException {
        ObjectNode answer = json.createObjectNode();
        requestId.ifPresent(id -> answer.put("requestId", id));
        if (code != 0) {
            answer.put("code", code);
        }
        if (!msg.isEmpty()) {
            answer.put("msg", msg);
        }
        answer.set("data", data == null ? json.getNodeFactory().nullNode() : data);
        return new Reply(200, JSON_TYPE, json.writeValueAsBytes(answer));
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k, v);
        }
        return out;
    }

    @Override
    public void close() {
        stop();
        workers.shutdownNow();
    }
}

package dev.milvusupgrade.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.milvusupgrade.plan.Text;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import javax.net.ssl.SSLException;

/**
 * {@link MilvusBackup} through milvus-backup's REST server, as the server really behaves (milvus-rest FACTS.md of
 * this project's shared reference, section "milvus-backup REST server", read from the server source; its
 * {@code api_demo.md} and swagger differ, FACTS wins).
 *
 * <p><b>Answers.</b> JSON {@code {"requestId","code","msg","data"}} in that order, HTTP 200 whether or not it worked;
 * {@code code} is left out on success, so a missing code and code 0 both mean success. {@code GET /api/v1/hello}
 * answers the text {@code Hello, This is backup service}. A wrong path or method is HTTP 404
 * {@code 404 page not found}: not milvus-backup's REST server (or a version without that path).
 *
 * <p><b>create</b> always sends {@code async: true} (the synchronous form blocks for the whole backup and answers
 * HTTP 500 when the name is held), {@code backup_name}, and {@code collection_names} only when collections are given
 * (none means everything). An empty name is never sent: the server panics on it (a bare HTTP 500). Success is
 * {@link MilvusBackup.Created.Accepted} with the {@code requestId}; code 3 with
 * {@code add backup task to manager: NAME (existing task ID)} is {@link MilvusBackup.Created.AlreadyExists}; any
 * other code is {@link MilvusBackup.Created.Rejected}, and so is the HTTP 400 {@code {"error":"Invalid request body"}}
 * of a body the server could not bind (as code 400).
 *
 * <p><b>get</b> maps {@code data}: {@code state_code} 0..4 to the state, {@code progress}, {@code size},
 * {@code collection_backups[]} to {@code db_name.collection_name}, {@code errorMessage}, and {@code start_time},
 * {@code end_time} (Unix seconds; Go's zero time {@code -62135596800} until the task ends, and absent or 0 when the
 * task is unknown, are all empty). A {@code data} without a {@code name} is the server's answer for a name its task
 * manager does not know ({@code {"state_code":0,"progress":0,"size":0,"meta_size":0}}): {@link MilvusBackup.State#UNKNOWN},
 * not INITIAL. v0.5.9 and older answer such a name with code 404 {@code not found} (core/backup_context.go
 * GetBackup; FACTS "milvus-backup versions"): UNKNOWN too, and their times are Unix milliseconds, read as such.
 * Note that after a restart of a v0.5.10+ server a name it once created successfully is UNKNOWN to {@code get}
 * and only {@link #find} (the list, read from the backup storage) sees it; and a new create under such a
 * name is accepted but stays INITIAL for ever (FACTS "Name already in storage but unknown to the task manager").
 *
 * <p><b>Failures.</b> No connection, no answer within the request timeout, TLS failures, HTTP 404 or 500, a body
 * that is not the expected JSON, an unknown {@code state_code}, and an error code from get_backup (other than 404) or
 * list all throw {@link MilvusBackup.Unreachable} naming the endpoint; an HTTP 200 that is not milvus-backup's
 * answer (not its JSON, no {@code data}, a missing or unknown {@code state_code}) is its subclass
 * {@link MilvusBackup.Unexpected}. For {@code https} the JVM's trusted CAs are used (the server
 * itself speaks plain HTTP; https means something in front of it).
 */
public final class MilvusBackupClient implements MilvusBackup {

    /** The root of the REST API. */
    public static final String API = "/api/v1/";
    /** What {@code /api/v1/hello} answers (the start of it). */
    public static final String HELLO = "Hello, This is backup service";
    /** Go's zero {@code time.Time} as Unix seconds: the server's {@code end_time} until the task ends. */
    public static final long GO_ZERO_TIME = -62_135_596_800L;

    private static final int CODE_FAIL = 3;
    private static final int CODE_PARAMETER_ERROR = 400;
    /** {@code Request_Object_Not_Found}: how v0.5.9 and older answer get_backup of an unknown name ({@code "not found"}). */
    private static final int CODE_NOT_FOUND = 404;
    /** A time above this is in milliseconds (v0.5.9 and older), not seconds: in seconds it would be the year 5138. */
    private static final long MILLIS_FROM = 100_000_000_000L;
    private static final String NAME_HELD = "add backup task to manager: ";
    private static final String EXISTING_TASK = " (existing task ";

    private final URI endpoint;
    private final String base;
    private final Duration timeout;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param endpoint where the REST server is, e.g. {@code http://milvus-backup:8080} (a path prefix is kept)
     * @param requestTimeout the limit of connecting and of each request
     * @throws IllegalArgumentException for a scheme other than http/https, no host, or a non-positive timeout
     */
    public MilvusBackupClient(URI endpoint, Duration requestTimeout) {
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("the request timeout must be positive, not " + requestTimeout);
        }
        String scheme = Optional.ofNullable(endpoint.getScheme()).orElse("");
        if (!scheme.equals("http") && !scheme.equals("https") || endpoint.getHost() == null) {
            throw new IllegalArgumentException("milvus-backup's REST server needs an http or https URI with a host, not " + endpoint);
        }
        this.endpoint = endpoint;
        String text = endpoint.toString();
        int query = text.indexOf('?');
        text = query < 0 ? text : text.substring(0, query);
        this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        this.timeout = requestTimeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(requestTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public void ping() {
        Answer a = send("GET", "hello", null);
        if (a.status != 200 || !a.text.startsWith(HELLO)) {
            throw notMilvusBackup("GET " + API + "hello", a);
        }
    }

    @Override
    public Generation generation() {
        String what = "GET " + API + "get_backup?backup_name=" + PROBE_NAME;
        Answer a = send("GET", "get_backup?backup_name=" + PROBE_NAME, null);
        JsonNode answer = a.json();
        if (a.status == 200 && answer != null && answer.path("code").isIntegralNumber() && answer.path("code").asInt() == CODE_NOT_FOUND) {
            return Generation.BEFORE_0_5_10;
        }
        JsonNode data = success(what, a).path("data");
        if (data.isObject() && data.path("name").asText("").isEmpty() && data.path("state_code").isIntegralNumber()) {
            return Generation.FROM_0_5_10;
        }
        throw new Unexpected("milvus-backup at " + endpoint + " answered " + what + ", a name no backup has, with "
                + abbreviate(a.text) + ": neither code 404 (v0.5.9 and older) nor a brief without a name (v0.5.10 and later)");
    }

    @Override
    public Created create(String backupName, List<String> collections) {
        requireName(backupName);
        Objects.requireNonNull(collections, "collections");
        ObjectNode body = json.createObjectNode();
        body.put("backup_name", backupName);
        if (!collections.isEmpty()) {
            ArrayNode names = body.putArray("collection_names");
            collections.forEach(names::add);
        }
        body.put("async", true);
        Answer a = send("POST", "create", body);
        JsonNode answer = a.json();
        if (a.status == 400 && answer != null && answer.path("error").isTextual()) {
            return new Created.Rejected(CODE_PARAMETER_ERROR, "HTTP 400: " + told(answer.path("error").asText()));
        }
        if (a.status != 200 || answer == null || !answer.path("code").isMissingNode() && !answer.path("code").isIntegralNumber()) {
            throw notMilvusBackup("POST " + API + "create", a);
        }
        int code = answer.path("code").asInt(0);
        String msg = answer.path("msg").asText("");
        if (code == 0) {
            return new Created.Accepted(answer.path("requestId").asText(""));
        }
        if (code == CODE_FAIL && msg.contains(NAME_HELD + backupName + EXISTING_TASK)) {
            return new Created.AlreadyExists(told(msg));
        }
        return new Created.Rejected(code, told(msg));
    }

    @Override
    public Backup get(String backupName) {
        requireName(backupName);
        String what = "GET " + API + "get_backup?backup_name=" + backupName;
        Answer a = send("GET", "get_backup?backup_name=" + URLEncoder.encode(backupName, StandardCharsets.UTF_8), null);
        JsonNode answer = a.json();
        if (a.status == 200 && answer != null && answer.path("code").isIntegralNumber() && answer.path("code").asInt() == CODE_NOT_FOUND) {
            // v0.5.9 and older: a name neither the meta nor the backup storage holds (core/backup_context.go GetBackup).
            return new Backup(backupName, State.UNKNOWN, 0, 0, List.of(), "", Optional.empty(), Optional.empty());
        }
        JsonNode data = success(what, a).path("data");
        if (!data.isObject()) {
            throw new Unexpected("milvus-backup at " + endpoint + " answered " + what + " without data: " + abbreviate(data.toString()));
        }
        String name = text(what, data, "name");
        State state = name.isEmpty() ? State.UNKNOWN : state(what, data.path("state_code"));
        List<String> collections = new ArrayList<>();
        JsonNode held = data.path("collection_backups");
        if (!held.isMissingNode() && !held.isNull() && !held.isArray()) {
            throw wrong(what, "collection_backups", held, "a list");
        }
        for (JsonNode c : held) {
            String db = text(what, c, "db_name");
            collections.add((db.isEmpty() ? "default" : db) + "." + text(what, c, "collection_name"));
        }
        return new Backup(name.isEmpty() ? backupName : name, state, (int) whole(what, data, "progress"), whole(what, data, "size"),
                collections, told(text(what, data, "errorMessage")), time(data.path("start_time")), time(data.path("end_time")));
    }

    @Override
    public Optional<Backup> find(String backupName) {
        requireName(backupName);
        JsonNode data = success("GET " + API + "list", send("GET", "list", null)).path("data");
        for (JsonNode summary : data) {
            if (backupName.equals(summary.path("name").asText())) {
                return Optional.of(new Backup(backupName, State.SUCCESS, 100, whole("GET " + API + "list", summary, "size"), List.of(), "",
                        Optional.empty(), Optional.empty()));
            }
        }
        return Optional.empty();
    }

    private static void requireName(String backupName) {
        if (backupName == null || backupName.isEmpty()) {
            throw new IllegalArgumentException("a backup needs a name (milvus-backup's server panics on an empty one)");
        }
    }

    /** The answer's JSON when it is HTTP 200 with no code or code 0; {@link MilvusBackup.Unreachable} otherwise. */
    private JsonNode success(String what, Answer a) {
        JsonNode answer = a.json();
        if (a.status != 200 || answer == null) {
            throw notMilvusBackup(what, a);
        }
        JsonNode code = answer.path("code");
        if (code.isMissingNode() || code.isIntegralNumber() && code.asInt() == 0) {
            return answer;
        }
        throw new Unreachable("milvus-backup at " + endpoint + " answered " + what + " with code " + abbreviate(code.toString()) + ": "
                + told(answer.path("msg").asText("")), null);
    }

    private State state(String what, JsonNode code) {
        if (!code.isIntegralNumber()) {
            throw new Unexpected("milvus-backup at " + endpoint + " answered " + what + " without a numeric state_code: "
                    + abbreviate(code.toString()));
        }
        return switch (code.asInt()) {
            case 0 -> State.INITIAL;
            case 1 -> State.EXECUTING;
            case 2 -> State.SUCCESS;
            case 3 -> State.FAIL;
            case 4 -> State.TIMEOUT;
            default -> throw new Unexpected("milvus-backup at " + endpoint + " answered " + what + " with an unknown state_code " + code);
        };
    }

    /**
     * Unix seconds (v0.5.10 and later) or milliseconds (v0.5.9 and older, told apart by size); absent, 0, Go's zero
     * time or anything else before 1970 is empty.
     */
    private static Optional<Instant> time(JsonNode seconds) {
        if (!seconds.isIntegralNumber() || seconds.asLong() <= 0) {
            return Optional.empty();
        }
        long t = seconds.asLong();
        return Optional.of(t >= MILLIS_FROM ? Instant.ofEpochMilli(t) : Instant.ofEpochSecond(t));
    }

    private Unreachable notMilvusBackup(String what, Answer a) {
        if (a.status == 404) {
            return new Unreachable("what answers at " + endpoint + " is not milvus-backup's REST server: " + what + " gave HTTP 404 "
                    + abbreviate(a.text), null);
        }
        if (a.status == 200) {
            return new Unexpected("milvus-backup at " + endpoint + " answered " + what + " with HTTP 200 and " + abbreviate(a.text)
                    + ", not milvus-backup's JSON");
        }
        return new Unreachable("milvus-backup at " + endpoint + " answered " + what + " with HTTP " + a.status + " and "
                + abbreviate(a.text), null);
    }

    /** The status and body of one exchange. */
    private final class Answer {
        final int status;
        final String text;

        Answer(int status, String text) {
            this.status = status;
            this.text = text;
        }

        /** The body as a JSON object, or null. */
        JsonNode json() {
            try {
                JsonNode node = json.readTree(text);
                return node != null && node.isObject() ? node : null;
            } catch (IOException e) {
                return null;
            }
        }
    }

    /** One request; {@link MilvusBackup.Unreachable} when no answer came. */
    private Answer send(String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + API + path)).timeout(timeout);
        try {
            if (body == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
            }
            HttpRequest built = request.build();
            // A read that got no answer at all (a pooled connection closed under it, JDK-8338569) is asked again; a create never.
            int attempts = "GET".equals(method) ? MilvusRestClient.READ_ATTEMPTS : 1;
            for (int attempt = 1; ; attempt++) {
                try {
                    HttpResponse<byte[]> response = BoundedHttp.send(http, built, timeout, BoundedHttp.MAX_BODY);
                    return new Answer(response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    if (attempt >= attempts || !MilvusRestClient.noAnswer(e)) {
                        throw e;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while calling milvus-backup at " + endpoint);
        } catch (HttpConnectTimeoutException e) {
            throw new Unreachable("cannot connect to milvus-backup at " + endpoint + ": no connection within " + timeout.toMillis() + " ms",
                    e);
        } catch (HttpTimeoutException e) {
            throw new Unreachable("milvus-backup at " + endpoint + " did not answer " + method + " " + API + path + " within "
                    + timeout.toMillis() + " ms", e);
        } catch (BoundedHttp.TooLarge e) {
            throw new Unreachable("milvus-backup at " + endpoint + " answered " + method + " " + API + path + " with " + e.getMessage(), e);
        } catch (IOException e) {
            throw new Unreachable(connectionFailure(e), e);
        }
    }

    private String connectionFailure(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return "TLS with milvus-backup at " + endpoint + " failed: " + t.getMessage();
            }
            if (t instanceof ConnectException) {
                return "cannot connect to milvus-backup at " + endpoint + ": connection refused";
            }
        }
        return "the connection to milvus-backup at " + endpoint + " failed without an answer: "
                + Optional.ofNullable(e.getMessage()).orElse(e.toString());
    }

    private static String abbreviate(String text) {
        return AnswerFields.shown(text);
    }

    /** What milvus-backup says in words (an error message), bounded and on one line. */
    private static String told(String text) {
        return Text.oneLine(text, Text.MAX_FIELD / 2);
    }

    /** A text field; absent or null is empty, another type is {@link MilvusBackup.Unexpected}. */
    private String text(String what, JsonNode parent, String field) {
        JsonNode n = parent.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return "";
        }
        if (!n.isTextual()) {
            throw wrong(what, field, n, "a text");
        }
        return n.asText();
    }

    /** A whole-number field; absent or null is 0, another type is {@link MilvusBackup.Unexpected}. */
    private long whole(String what, JsonNode parent, String field) {
        JsonNode n = parent.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return 0;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() && "progress".equals(field)) {
            throw wrong(what, field, n, "a whole number");
        }
        return n.asLong();
    }

    private Unexpected wrong(String what, String field, JsonNode got, String expected) {
        return new Unexpected("milvus-backup at " + endpoint + " answered " + what + " with " + field + " = " + abbreviate(got.toString())
                + ", not " + expected);
    }
}

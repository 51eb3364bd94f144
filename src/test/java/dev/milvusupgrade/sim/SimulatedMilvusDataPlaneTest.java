package dev.milvusupgrade.sim;

import static dev.milvusupgrade.sim.SimHarness.NAME;
import static dev.milvusupgrade.sim.SimHarness.NS;
import static dev.milvusupgrade.sim.SimHarness.done;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The simulated data plane as a client sees it on the wire (milvus-rest FACTS.md), and as it follows a
 * simulated cluster: the proxies' availability, milvus#47806 and its remedy by podAnnotations patches,
 * query node restarts.
 */
class SimulatedMilvusDataPlaneTest {

    private static final String V2_5_16 = "milvusdb/milvus:v2.5.16";
    private static final String V2_6_4 = "milvusdb/milvus:v2.6.4";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer as received: status, raw body, and the body parsed when it is JSON. */
    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        int code() {
            return json().path("code").asInt(-1);
        }

        String message() {
            return json().path("message").asText();
        }
    }

    private static Reply post(SimulatedMilvusDataPlane milvus, String path, String body, String... headers) throws IOException,
            InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(milvus.uri() + "/v2/vectordb/" + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r);
    }

    private static boolean loaded(SimulatedMilvusDataPlane milvus, String collection) {
        try {
            return "LoadStateLoaded".equals(post(milvus, "collections/get_load_state", "{\"collectionName\":\"" + collection + "\"}").json()
                    .path("data").path("loadState").asText());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final String INSERT_ONE = "{\"collectionName\":\"probe\",\"data\":[{\"id\":1,\"vector\":[0.1,0.2]}]}";

    @Test
    void success_and_errors_have_the_servers_envelopes() throws Exception {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            Reply dbs = post(milvus, "databases/list", "{}");
            assertThat(dbs.status()).isEqualTo(200);
            assertThat(dbs.body()).isEqualTo("{\"code\":0,\"data\":[\"default\",\"analytics\"]}");

            // An empty body is 1801 even where no field is needed; bad types 1801, missing required fields 1802: all HTTP 200.
            Reply empty = post(milvus, "databases/list", "");
            assertThat(empty.status()).isEqualTo(200);
            assertThat(empty.code()).isEqualTo(1801);
            assertThat(empty.message())
                    .isEqualTo("can only accept json format request, the request body should be nil, however {} is valid");
            Reply wrongType = post(milvus, "collections/describe", "{\"collectionName\":5}");
            assertThat(wrongType.code()).isEqualTo(1801);
            assertThat(wrongType.message())
                    .isEqualTo("can only accept json format request, error: json: cannot unmarshal number into Go struct field "
                    + "CollectionNameReq.collectionName of type string");
            Reply missing = post(milvus, "collections/describe", "{\"collection_name\":\"books\"}");
            assertThat(missing.status()).isEqualTo(200);
            assertThat(missing.code()).isEqualTo(1802);
            assertThat(missing.message())
                    .isEqualTo("missing required parameters, error: Key: 'CollectionNameReq.CollectionName' Error:Field validation "
                    + "for 'CollectionName' failed on the 'required' tag");

            // Keys match case-insensitively; the DB-Name header applies when the body has no dbName.
            assertThat(post(milvus, "collections/get_stats", "{\"COLLECTIONNAME\":\"books\"}").body())
                    .isEqualTo("{\"code\":0,\"data\":{\"rowCount\":12000}}");
            assertThat(post(milvus, "collections/list", "{}", "DB-Name", "analytics").body())
                    .isEqualTo("{\"code\":0,\"data\":[\"events\"]}");
            Reply noDb = post(milvus, "collections/list", "{\"dbName\":\"nope\"}");
            assertThat(noDb.status()).isEqualTo(200);
            assertThat(noDb.body()).isEqualTo("{\"code\":800,\"message\":\"database not found[database=nope]\"}");

            // A missing collection: 100, with get_load_state's own text.
            assertThat(post(milvus, "collections/describe", "{\"collectionName\":\"gone\"}").body())
                    .isEqualTo("{\"code\":100,\"message\":\"can't find collection[database=default][collection=gone]\"}");
            assertThat(post(milvus, "collections/get_load_state", "{\"collectionName\":\"gone\"}").body())
                    .isEqualTo("{\"code\":100,\"message\":\"collection not found[collection=gone]\"}");

            // NotLoad has neither loadProgress nor message; Loaded has both.
            assertThat(post(milvus, "collections/get_load_state", "{\"collectionName\":\"archive\"}").body())
                    .isEqualTo("{\"code\":0,\"data\":{\"loadState\":\"LoadStateNotLoad\"}}");
            assertThat(post(milvus, "collections/get_load_state", "{\"collectionName\":\"books\"}").body())
                    .isEqualTo("{\"code\":0,\"data\":{\"loadProgress\":100,\"loadState\":\"LoadStateLoaded\"},\"message\":\"\"}");

            // Unknown paths and other methods: plain-text 404.
            Reply unknown = post(milvus, "collections/nope", "{}");
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.body()).isEqualTo("404 page not found");
            HttpResponse<String> get = HTTP.send(
                    HttpRequest.newBuilder(URI.create(milvus.uri() + "/v2/vectordb/databases/list")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void describe_stats_indexes_and_queries_answer_as_the_server_does() throws Exception {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            JsonNode describe = post(milvus, "collections/describe", "{\"dbName\":\"analytics\",\"collectionName\":\"events\"}").json();
            assertThat(describe.path("message").asText("absent")).isEmpty();
            JsonNode data = describe.path("data");
            assertThat(data.path("collectionID").isNumber()).isTrue();
            assertThat(data.path("autoId").asBoolean(true)).isFalse();
            assertThat(data.path("load").asText()).isEqualTo("LoadStateLoaded");
            assertThat(data.path("indexes")).hasSize(1); // only the first vector field's
            JsonNode pk = data.path("fields").get(0);
            assertThat(pk.path("name").asText()).isEqualTo("event_id");
            assertThat(pk.path("primaryKey").asBoolean()).isTrue();
            assertThat(pk.path("params").get(0).path("value").isTextual()).isTrue();
            assertThat(data.path("fields").get(2).path("elementType").asText()).isEqualTo("VarChar");
            assertThat(data.path("fields").get(1).has("elementType")).isFalse();

            JsonNode index = post(milvus, "indexes/describe",
                    "{\"dbName\":\"analytics\",\"collectionName\":\"events\",\"indexName\":\"kind_idx\"}").json();
            assertThat(index.path("data").get(0).path("indexState").asText()).isEqualTo("Finished");
            assertThat(post(milvus, "indexes/describe", "{\"collectionName\":\"books\",\"indexName\":\"nope\"}").body())
                    .isEqualTo("{\"code\":700,\"message\":\"index not found[indexName=nope]\"}");

            // Queries need a loaded collection; count(*) counts what get_stats counts plus growing rows.
            assertThat(post(milvus, "entities/query", "{\"collectionName\":\"archive\",\"outputFields\":[\"count(*)\"]}").body())
                    .isEqualTo("{\"code\":101,\"message\":\"collection not loaded[collection=archive]\"}");
            assertThat(post(milvus, "entities/query", "{\"collectionName\":\"books\",\"outputFields\":[\"count(*)\"]}").body())
                    .isEqualTo("{\"code\":0,\"cost\":0,\"data\":[{\"count(*)\":12000}]}");
        }
    }

    @Test
    void quick_mode_creates_a_collection_that_loads_takes_an_insert_answers_a_strong_query_and_drops_idempotently() throws Exception {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            assertThat(post(milvus, "collections/create", "{\"collectionName\":\"probe\",\"dimension\":2}").body())
                    .isEqualTo("{\"code\":0,\"data\":{}}");
            assertThat(post(milvus, "collections/get_load_state", "{\"collectionName\":\"probe\"}").json().path("data").path("loadState")
                    .asText())
                    .isEqualTo("LoadStateLoading");
            assertThat(post(milvus, "collections/get_load_state", "{\"collectionName\":\"probe\"}").json().path("data").path("loadState")
                    .asText())
                    .isEqualTo("LoadStateLoaded");

            // data must be an array; a wrong dimension is 1804.
            assertThat(post(milvus, "entities/insert", "{\"collectionName\":\"probe\",\"data\":{\"id\":1,\"vector\":[0.1,0.2]}}").code())
                    .isEqualTo(1801);
            assertThat(post(milvus, "entities/insert", "{\"collectionName\":\"probe\",\"data\":[{\"id\":1,\"vector\":[0.1]}]}").code())
                    .isEqualTo(1804);
            assertThat(post(milvus, "entities/insert", INSERT_ONE).body())
                    .isEqualTo("{\"code\":0,\"cost\":0,\"data\":{\"insertCount\":1,\"insertIds\":[1]}}");
            assertThat(post(milvus, "entities/query", "{\"collectionName\":\"probe\",\"filter\":\"id == 1\",\"outputFields\":[\"id\"],"
                    + "\"consistencyLevel\":\"Strong\"}").body()).isEqualTo("{\"code\":0,\"cost\":0,\"data\":[{\"id\":1}]}");
            assertThat(post(milvus, "entities/query", "{\"collectionName\":\"probe\",\"filter\":\"id == 2\"}").body())
                    .isEqualTo("{\"code\":0,\"cost\":0,\"data\":[]}");
            // Growing rows are not flushed: get_stats does not count them.
            assertThat(post(milvus, "collections/get_stats", "{\"collectionName\":\"probe\"}").body())
                    .isEqualTo("{\"code\":0,\"data\":{\"rowCount\":0}}");

            assertThat(post(milvus, "collections/drop", "{\"collectionName\":\"probe\"}").code()).isZero();
            assertThat(post(milvus, "collections/drop", "{\"collectionName\":\"probe\"}").code()).isZero();
            assertThat(milvus.collections("default")).containsExactly("books", "archive");
        }
    }

    @Test
    void authentication_applies_to_every_path_and_accepts_the_servers_forms() throws Exception {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            milvus.requireUser("root", "Milvus");
            milvus.requireToken("key-1");
            Reply none = post(milvus, "collections/nope", "{}");
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.body()).isEqualTo("{\"code\":1800,\"message\":\"user hasn't authenticated\"}");
            assertThat(post(milvus, "databases/list", "{}", "Authorization", "Bearer root:Milvus").status()).isEqualTo(200);
            assertThat(post(milvus, "databases/list", "{}", "Authorization", "root:Milvus").status()).isEqualTo(200);
            assertThat(post(milvus, "databases/list", "{}", "Authorization", "Bearer key-1").status()).isEqualTo(200);
            String basic = "Basic " + Base64.getEncoder().encodeToString("root:Milvus".getBytes());
            assertThat(post(milvus, "databases/list", "{}", "Authorization", basic).status()).isEqualTo(200);
            Reply badBasic = post(milvus, "databases/list", "{}", "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString("root:x".getBytes()));
            assertThat(badBasic.status()).isEqualTo(401);
            assertThat(badBasic.raw().headers().firstValue("WWW-Authenticate")).isPresent();
            assertThat(post(milvus, "databases/list", "{}", "Authorization", "Bearer key-2").status()).isEqualTo(401);
        }
    }

    @Test
    void it_answers_only_while_the_proxies_have_ready_replicas() throws Exception {
        try (SimHarness c = new SimHarness(); SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(c.client, NS, NAME)) {
            assertThat(milvus.available()).as("no proxy yet").isFalse();
            assertThatThrownBy(() -> post(milvus, "databases/list", "{}")).isInstanceOf(IOException.class);

            c.seed(V2_5_16, Layout.MIXCOORD);
            Await.until(SimHarness.WAIT, "the proxy ready", milvus::available);
            assertThat(post(milvus, "databases/list", "{}").code()).isZero();

            c.patch("{\"spec\":{\"components\":{\"proxy\":{\"replicas\":0}}}}");
            Await.until(SimHarness.WAIT, "no proxy ready", () -> !milvus.available());
            long before = milvus.requests();
            assertThatThrownBy(() -> post(milvus, "databases/list", "{}")).isInstanceOf(IOException.class);
            assertThat(milvus.requests()).as("received, closed without an answer").isGreaterThan(before);

            c.patch("{\"spec\":{\"components\":{\"proxy\":{\"replicas\":2}}}}");
            Await.until(SimHarness.WAIT, "the proxies ready again", milvus::available);
            assertThat(post(milvus, "databases/list", "{}").code()).isZero();
        }
    }

    @Test
    void milvus_47806_inserts_time_out_after_the_proxies_reach_2_6_until_mixcoord_then_the_streaming_node_restart() throws Exception {
        try (SimHarness c = new SimHarness();
                SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(c.client, NS, NAME).reproduce47806()) {
            c.seed(V2_5_16, Layout.MIXCOORD);
            Await.until(SimHarness.WAIT, "the proxy ready", milvus::available);
            post(milvus, "collections/create", "{\"collectionName\":\"probe\",\"dimension\":2}");
            Await.until(SimHarness.WAIT, "probe loaded", () -> loaded(milvus, "probe"));
            assertThat(post(milvus, "entities/insert", INSERT_ONE).code()).as("2.5 writes").isZero();

            c.patch("{\"spec\":{\"components\":{\"image\":\"" + V2_6_4 + "\"}}}");
            c.await("the upgrade to 2.6.4 done", m -> done(m, V2_6_4));
            Await.until(SimHarness.WAIT, "writes hang", milvus::writesHang);
            Reply hung = post(milvus, "entities/insert", INSERT_ONE, "Request-Timeout", "30");
            assertThat(hung.status()).isEqualTo(408);
            assertThat(hung.body()).isEqualTo("{\"code\":10001,\"message\":\"request timeout\"}");
            assertThat(post(milvus, "entities/query", "{\"collectionName\":\"probe\",\"filter\":\"id == 1\"}").status()).isEqualTo(408);
            // On 2.6 DDL goes through the WAL too (milvus-rest FACTS "milvus#47806"): create, load and drop hang and change nothing.
            assertThat(post(milvus, "collections/create", "{\"collectionName\":\"other\",\"dimension\":4}").status()).isEqualTo(408);
            assertThat(post(milvus, "collections/drop", "{\"collectionName\":\"probe\"}").status()).isEqualTo(408);
            assertThat(post(milvus, "collections/load", "{\"collectionName\":\"probe\"}").status()).isEqualTo(408);
            assertThat(milvus.collections("default")).contains("probe").doesNotContain("other");
            // Describe and stats keep working; a missing collection is still 100, not a timeout.
            assertThat(post(milvus, "collections/describe", "{\"collectionName\":\"books\"}").code()).isZero();
            assertThat(post(milvus, "collections/get_stats", "{\"collectionName\":\"books\"}").code()).isZero();
            assertThat(post(milvus, "entities/insert", "{\"collectionName\":\"gone\",\"data\":[{\"id\":1}]}").code()).isEqualTo(100);

            c.patch("{\"spec\":{\"components\":{\"mixCoord\":{\"podAnnotations\":{\"milvus-upgrade.dev/restart\":\"1\"}}}}}");
            Await.until(SimHarness.WAIT, "mixcoord restarted", milvus::mixcoordRestarted);
            assertThat(milvus.writesHang()).as("mixcoord alone is not the remedy").isTrue();
            assertThat(post(milvus, "entities/insert", INSERT_ONE).status()).isEqualTo(408);

            c.patch("{\"spec\":{\"components\":{\"streamingNode\":{\"podAnnotations\":{\"milvus-upgrade.dev/restart\":\"1\"}}}}}");
            Await.until(SimHarness.WAIT, "writes work again", () -> !milvus.writesHang());
            assertThat(post(milvus, "entities/insert", INSERT_ONE).code()).isZero();
            assertThat(post(milvus, "entities/query", "{\"collectionName\":\"probe\",\"filter\":\"id == 1\"}").code()).isZero();
        }
    }

    @Test
    void milvus_47806_is_not_cleared_by_the_streaming_node_restarting_before_or_with_mixcoord() throws Exception {
        try (SimHarness c = new SimHarness();
                SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(c.client, NS, NAME).reproduce47806()) {
            c.seed(V2_5_16, Layout.MIXCOORD);
            c.patch("{\"spec\":{\"components\":{\"image\":\"" + V2_6_4 + "\"}}}");
            c.await("the upgrade to 2.6.4 done", m -> done(m, V2_6_4));
            Await.until(SimHarness.WAIT, "writes hang", milvus::writesHang);

            c.patch("{\"spec\":{\"components\":{\"streamingNode\":{\"podAnnotations\":{\"milvus-upgrade.dev/restart\":\"1\"}}}}}");
            c.await("the streaming node restarted", m -> SimHarness.completeOn(m, "streamingnode", V2_6_4)
                    && "1".equals(c.component("streamingnode").getSpec().getTemplate().getMetadata().getAnnotations()
                        .get("milvus-upgrade.dev/restart")));
            // Both at once: mixcoord's restart completes with the streaming node's already under way.
            c.patch("{\"spec\":{\"components\":{\"mixCoord\":{\"podAnnotations\":{\"milvus-upgrade.dev/restart\":\"2\"}},"
                    + "\"streamingNode\":{\"podAnnotations\":{\"milvus-upgrade.dev/restart\":\"2\"}}}}}");
            Await.until(SimHarness.WAIT, "mixcoord restarted", milvus::mixcoordRestarted);
            c.await("both rolled out",
                    m -> done(m, V2_6_4) && SimHarness.completeOn(m, "streamingnode", V2_6_4)
                        && SimHarness.completeOn(m, "mixcoord", V2_6_4)
                    && "2".equals(c.component("streamingnode").getSpec().getTemplate().getMetadata().getAnnotations()
                        .get("milvus-upgrade.dev/restart")));
            c.awaitPasses(1);
            assertThat(milvus.writesHang()).isTrue();

            c.patch("{\"spec\":{\"components\":{\"streamingNode\":{\"podAnnotations\":{\"milvus-upgrade.dev/restart\":\"3\"}}}}}");
            Await.until(SimHarness.WAIT, "writes work again", () -> !milvus.writesHang());
        }
    }

    @Test
    void an_instance_seeded_on_2_6_does_not_show_milvus_47806() throws Exception {
        try (SimHarness c = new SimHarness();
                SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(c.client, NS, NAME).reproduce47806()) {
            c.seed(V2_6_4, Layout.MIXCOORD);
            Await.until(SimHarness.WAIT, "the proxy ready", milvus::available);
            post(milvus, "collections/create", "{\"collectionName\":\"probe\",\"dimension\":2}");
            assertThat(post(milvus, "entities/insert", INSERT_ONE).code()).isZero();
            assertThat(milvus.writesHang()).isFalse();
        }
    }

    @Test
    void a_collection_kept_unloaded_loses_its_load_state_when_the_query_nodes_restart() {
        try (SimHarness c = new SimHarness(); SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(c.client, NS, NAME)) {
            c.seed(V2_5_16, Layout.MIXCOORD);
            Await.until(SimHarness.WAIT, "the proxy ready", milvus::available);
            milvus.keepUnloaded("analytics", "events");
            assertThat(milvus.loadState("analytics", "events")).as("until a restart").isEqualTo(SimulatedMilvusDataPlane.LOADED);

            c.patch("{\"spec\":{\"components\":{\"queryNode\":{\"podAnnotations\":{\"milvus-upgrade.dev/restart\":\"1\"}}}}}");
            Await.until(SimHarness.WAIT, "events unloaded",
                    () -> SimulatedMilvusDataPlane.NOT_LOAD.equals(milvus.loadState("analytics", "events")));
            assertThat(milvus.loadState("default", "books")).isEqualTo(SimulatedMilvusDataPlane.LOADED);
        }
    }

    @Test
    void without_a_cluster_it_is_always_available_and_cannot_reproduce_47806() throws Exception {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            assertThat(milvus.available()).isTrue();
            assertThatThrownBy(milvus::reproduce47806).isInstanceOf(IllegalStateException.class);
            milvus.keepUnloaded("default", "books");
            assertThat(milvus.loadState("default", "books")).isEqualTo(SimulatedMilvusDataPlane.NOT_LOAD);
            assertThat(post(milvus, "collections/get_load_state", "{\"collectionName\":\"books\"}").body())
                    .isEqualTo("{\"code\":0,\"data\":{\"loadState\":\"LoadStateNotLoad\"}}");
            assertThat(milvus.requests()).isEqualTo(1);
            assertThat(milvus.requests("collections/get_load_state")).isEqualTo(1);
        }
    }

    @Test
    void count_star_is_what_queries_serve_and_get_stats_the_metadata_they_part_on_loss_deletes_and_compaction() throws Exception {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            String count = "{\"collectionName\":\"books\",\"outputFields\":[\"count(*)\"],\"consistencyLevel\":\"Strong\"}";
            assertThat(post(milvus, "entities/query", count).body()).isEqualTo("{\"code\":0,\"cost\":0,\"data\":[{\"count(*)\":12000}]}");
            assertThat(post(milvus, "entities/query", "{\"collectionName\":\"books\",\"outputFields\":[\"id\"],\"limit\":3}").json()
                    .path("data").toString()).isEqualTo("[{\"id\":1},{\"id\":2},{\"id\":3}]");

            milvus.loseQueryRows("default", "books", 100); // the query path loses rows, the metadata keeps them
            milvus.loseKey("default", "books", "2");
            assertThat(post(milvus, "entities/query", count).json().path("data").get(0).path("count(*)").asLong()).isEqualTo(11_899);
            assertThat(post(milvus, "collections/get_stats", "{\"collectionName\":\"books\"}").json().path("data").path("rowCount")
                    .asLong())
                    .isEqualTo(12_000);
            // entities/get: the id key, a scalar or an array, becomes `pk in [...]`.
            assertThat(post(milvus, "entities/get", "{\"collectionName\":\"books\",\"id\":[1,2,3],\"outputFields\":[\"id\"]}").json()
                    .path("data").toString()).isEqualTo("[{\"id\":1},{\"id\":3}]");
            assertThat(post(milvus, "entities/get", "{\"collectionName\":\"books\",\"id\":11950}").json().path("data")).isEmpty();
            assertThat(post(milvus, "entities/get", "{\"collectionName\":\"archive\",\"id\":1}").code()).isEqualTo(101);

            milvus.deleteRows("default", "archive", 10);
            milvus.compact("default", "archive");
            assertThat(milvus.rowCount("default", "archive")).isEqualTo(49_990);
            milvus.setTtl("default", "books", 60);
            assertThat(post(milvus, "collections/describe", "{\"collectionName\":\"books\"}").json().path("data").path("properties")
                    .toString())
                    .isEqualTo("[{\"key\":\"collection.ttl.seconds\",\"value\":\"60\"}]");
        }
    }

    @Test
    void upsert_delete_and_search_answer_as_the_2_5_handler_does() throws Exception {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            post(milvus, "collections/create", "{\"collectionName\":\"probe\",\"dimension\":2}");
            Await.until(SimHarness.WAIT, "probe loaded", () -> loaded(milvus, "probe"));
            post(milvus, "entities/insert", "{\"collectionName\":\"probe\",\"data\":[{\"id\":1,\"vector\":[0.1,0.2]},{\"id\":2,"
                    + "\"vector\":[0.9,0.9],\"extra\":\"dyn\"}]}");
            assertThat(post(milvus, "entities/upsert", "{\"collectionName\":\"probe\",\"data\":[{\"id\":1,\"vector\":[0.5,0.5]}]}").body())
                    .isEqualTo("{\"code\":0,\"cost\":0,\"data\":{\"upsertCount\":1,\"upsertIds\":[1]}}");
            Reply search = post(milvus, "entities/search", "{\"collectionName\":\"probe\",\"data\":[[0.9,0.9]],\"annsField\":\"vector\","
                    + "\"limit\":2}");
            assertThat(search.json().path("data").get(0).path("id").asInt()).isEqualTo(2);
            assertThat(search.json().path("data").get(0).path("distance").asDouble()).isZero();
            assertThat(post(milvus, "entities/query", "{\"collectionName\":\"probe\",\"filter\":\"id == 2\"}").json().path("data").get(0)
                    .path("extra").asText()).as("a dynamic key beside the fields").isEqualTo("dyn");
            assertThat(post(milvus, "entities/delete", "{\"collectionName\":\"probe\",\"filter\":\"id in [1]\"}").body())
                    .isEqualTo("{\"code\":0,\"data\":{\"deleteCount\":1}}");
            assertThat(post(milvus, "entities/query", "{\"collectionName\":\"probe\",\"filter\":\"id >= 1 and id <= 5\"}").json()
                    .path("data"))
                    .hasSize(1);
        }
    }

    @Test
    void milvus_48930_on_2_6_13_breaks_inserts_without_dynamic_keys_and_upserts_on_2_5_collections_only() throws Exception {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            milvus.proxiesRun("2.5.16");
            post(milvus, "collections/create", "{\"collectionName\":\"old\",\"dimension\":2}");
            milvus.proxiesRun("2.6.13");
            post(milvus, "collections/create", "{\"collectionName\":\"fresh\",\"dimension\":2}");
            Await.until(SimHarness.WAIT, "both loaded", () -> loaded(milvus, "old") && loaded(milvus, "fresh"));

            Reply insert = post(milvus, "entities/insert", "{\"collectionName\":\"old\",\"data\":[{\"id\":1,\"vector\":[0.1,0.2]}]}");
            assertThat(insert.code()).isEqualTo(1100);
            assertThat(insert.message()).startsWith("the length of valid_data of field($meta) is wrong");
            assertThat(post(milvus, "entities/insert", "{\"collectionName\":\"old\",\"data\":[{\"id\":1,\"vector\":[0.1,0.2],\"x\":1}]}")
                    .code()).as("an insert that supplies dynamic keys works").isZero();
            assertThat(post(milvus, "entities/upsert", "{\"collectionName\":\"old\",\"data\":[{\"id\":1,\"vector\":[0.1,0.2],\"x\":1}]}")
                    .code()).isEqualTo(1100);
            assertThat(post(milvus, "entities/insert", "{\"collectionName\":\"fresh\",\"data\":[{\"id\":1,\"vector\":[0.1,0.2]}]}").code())
                    .as("2.6-created collections work").isZero();

            milvus.proxiesRun("2.6.15");
            assertThat(post(milvus, "entities/upsert", "{\"collectionName\":\"old\",\"data\":[{\"id\":1,\"vector\":[0.1,0.2]}]}").code())
                    .as("fixed in 2.6.15").isZero();
        }
    }

    @Test
    void a_denied_endpoint_answers_403_with_the_privilege_code() throws Exception {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            milvus.denyEndpoint("entities/query");
            Reply r = post(milvus, "entities/query", "{\"collectionName\":\"books\",\"outputFields\":[\"count(*)\"]}");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.code()).isEqualTo(1401);
        }
    }
}

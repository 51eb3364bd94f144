package dev.milvusupgrade.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.milvusupgrade.sim.SimulatedMilvusBackup.Behaviour;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulated milvus-backup server as a client sees it on the wire (milvus-rest FACTS.md, "milvus-backup REST server"). */
class SimulatedMilvusBackupTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer as received. */
    record Reply(int status, String body, String contentType) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        List<String> keys() {
            return keysOf(json());
        }
    }

    private static List<String> keysOf(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static Reply send(SimulatedMilvusBackup server, String method, String pathAndQuery, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.uri() + pathAndQuery))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(""));
    }

    private static Reply create(SimulatedMilvusBackup server, String body, String... headers) throws IOException, InterruptedException {
        return send(server, "POST", "/api/v1/create", body, headers);
    }

    private static Reply get(SimulatedMilvusBackup server, String name) throws IOException, InterruptedException {
        return send(server, "GET", "/api/v1/get_backup?backup_name=" + name, null);
    }

    @Test
    void hello_answers_on_its_path_and_on_the_root_and_anything_else_is_gins_404() throws Exception {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            Reply hello = send(server, "GET", "/api/v1/hello", null);
            assertThat(hello.status()).isEqualTo(200);
            assertThat(hello.body()).isEqualTo("Hello, This is backup service");
            assertThat(hello.contentType()).startsWith("text/plain");
            assertThat(send(server, "POST", "/", "{}").body()).isEqualTo("Hello, This is backup service");

            for (String[] wrong : new String[][] {
                {"POST", "/api/v1/hello"}, {"GET", "/api/v1/create"}, {"POST", "/api/v1/get_backup"}, {"GET", "/v2/vectordb/x"}}) {
                Reply r = send(server, wrong[0], wrong[1], wrong[0].equals("POST") ? "{}" : null);
                assertThat(r.status()).as(wrong[0] + " " + wrong[1]).isEqualTo(404);
                assertThat(r.body()).isEqualTo("404 page not found");
            }
            assertThat(server.requests()).isEqualTo(6);
            assertThat(server.requests("hello")).isEqualTo(2);
        }
    }

    @Test
    void an_async_create_is_accepted_without_a_code_and_with_the_request_id() throws Exception {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            Reply generated = create(server, "{\"backup_name\":\"a\",\"async\":true}");
            Reply given = create(server, "{\"backup_name\":\"b\",\"async\":true}", "request_id", "req-1");

            assertThat(generated.status()).isEqualTo(200);
            assertThat(generated.contentType()).startsWith("application/json");
            assertThat(generated.keys()).containsExactly("requestId", "msg", "data");
            assertThat(generated.json().path("requestId").asText()).matches("[0-9a-f-]{36}");
            assertThat(generated.json().path("msg").asText()).isEqualTo("create backup is executing asynchronously");
            assertThat(generated.json().path("data").isNull()).isTrue();
            assertThat(given.json().path("requestId").asText()).isEqualTo("req-1");
            assertThat(server.created()).containsExactly("a", "b");
            // The task id is the request id.
            Reply brief = get(server, "b");
            assertThat(brief.json().path("data").path("id").asText()).isEqualTo("req-1");
        }
    }

    @Test
    void create_refusals_have_the_servers_shapes() throws Exception {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            Reply empty = create(server, "{\"backup_name\":\"\",\"async\":true}");
            assertThat(empty.status()).as("ValidateName panics on an empty name").isEqualTo(500);
            assertThat(empty.body()).isEmpty();
            assertThat(create(server, "{\"async\":true}").status()).as("no name is an empty name").isEqualTo(500);

            for (String bad : List.of("not json", "[]", "{\"backup_name\":7}", "{\"backup_name\":\"a\",\"async\":\"yes\"}",
                    "{\"backup_name\":\"a\",\"collection_names\":\"c\"}")) {
                Reply r = create(server, bad);
                assertThat(r.status()).as(bad).isEqualTo(400);
                assertThat(r.body()).isEqualTo("{\"error\":\"Invalid request body\"}");
            }

            Reply badName = create(server, "{\"backup_name\":\"has space\",\"async\":true}");
            assertThat(badName.status()).isEqualTo(200);
            assertThat(badName.keys()).containsExactly("requestId", "code", "msg", "data");
            assertThat(badName.json().path("code").asInt()).isEqualTo(400);
            assertThat(badName.json().path("msg").asText()).isEqualTo("backup name should not contain whitespace");

            Reply badCollection = create(server, "{\"backup_name\":\"a\",\"collection_names\":[\"\"],\"async\":true}");
            assertThat(badCollection.json().path("code").asInt()).isEqualTo(3);
            assertThat(badCollection.json().path("msg").asText())
                    .isEqualTo("server: build option: server: build filter: server: invalid collection name ");
            assertThat(server.created()).isEmpty();
            assertThat(server.createBodies()).hasSize(9);
        }
    }

    @Test
    void a_held_name_is_code_3_naming_the_existing_task_and_a_failed_one_is_free_again() throws Exception {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.behave("f", Behaviour.failAfterPolls(0, "boom"));
            create(server, "{\"backup_name\":\"h\",\"async\":true}", "request_id", "first");
            create(server, "{\"backup_name\":\"f\",\"async\":true}");

            Reply held = create(server, "{\"backup_name\":\"h\",\"async\":true}", "request_id", "second");

            assertThat(held.keys()).containsExactly("requestId", "code", "msg", "data");
            assertThat(held.json().path("code").asInt()).isEqualTo(3);
            assertThat(held.json().path("msg").asText()).isEqualTo("backup: add backup task to manager: h (existing task first)");
            assertThat(get(server, "f").json().path("data").path("state_code").asInt()).isEqualTo(3);
            assertThat(create(server, "{\"backup_name\":\"f\",\"async\":true}").json().has("code")).isFalse();
            assertThat(server.created()).containsExactly("h", "f", "f");
        }
    }

    @Test
    void get_backup_sends_numeric_states_in_the_servers_field_order_and_the_meta_only_at_the_end() throws Exception {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.behave(Behaviour.succeedAfterPolls(2));
            create(server, "{\"backup_name\":\"ordered\",\"collection_names\":[\"books\",\"analytics.events\"],\"async\":true}");

            Reply initial = get(server, "ordered");
            assertThat(initial.keys()).as("no requestId without a request_id header, no code").containsExactly("msg", "data");
            JsonNode d0 = initial.json().path("data");
            assertThat(keysOf(d0)).containsExactly("id", "state_code", "start_time", "end_time", "progress", "name", "size", "meta_size");
            assertThat(d0.path("state_code").isInt()).isTrue();
            assertThat(d0.path("state_code").asInt()).isZero();
            assertThat(d0.path("progress").asInt()).isEqualTo(1);
            assertThat(d0.path("end_time").asLong()).isEqualTo(SimulatedMilvusBackup.GO_ZERO_TIME);
            assertThat(d0.path("start_time").asLong()).isPositive();

            JsonNode d1 = get(server, "ordered").json().path("data");
            assertThat(d1.path("state_code").asInt()).isEqualTo(1);
            assertThat(d1.path("progress").asInt()).isBetween(5, 99);
            assertThat(d1.path("size").asLong()).isZero();

            JsonNode d2 = get(server, "ordered").json().path("data");
            assertThat(keysOf(d2)).containsExactly("id", "state_code", "start_time", "end_time", "progress", "name", "backup_timestamp",
                    "collection_backups", "size", "milvus_version", "database_backups", "meta_size");
            assertThat(d2.path("state_code").asInt()).isEqualTo(2);
            assertThat(d2.path("progress").asInt()).isEqualTo(100);
            assertThat(d2.path("end_time").asLong()).isGreaterThanOrEqualTo(d2.path("start_time").asLong());
            JsonNode collections = d2.path("collection_backups");
            assertThat(collections.size()).isEqualTo(2);
            assertThat(keysOf(collections.get(0)))
                    .containsExactly("id", "collection_id", "db_name", "collection_name", "schema", "shards_num",
                    "backup_timestamp", "size", "has_index", "index_infos", "load_state", "backup_physical_timestamp");
            assertThat(collections.get(0).path("db_name").asText() + "." + collections.get(0).path("collection_name").asText())
                    .isEqualTo("default.books");
            assertThat(collections.get(1).path("db_name").asText()).isEqualTo("analytics");
            long sum = collections.get(0).path("size").asLong() + collections.get(1).path("size").asLong();
            assertThat(d2.path("size").asLong()).isPositive().isEqualTo(sum);
            assertThat(d2.path("database_backups").findValuesAsText("db_name")).containsExactly("default", "analytics");
        }
    }

    @Test
    void get_backup_of_an_unknown_name_is_initial_looking_data_without_a_name() throws Exception {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            Reply r = send(server, "GET", "/api/v1/get_backup?backup_name=nobody", null, "request_id", "r9");

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(
                    "{\"requestId\":\"r9\",\"msg\":\"success\",\"data\":{\"state_code\":0,\"progress\":0,\"size\":0,\"meta_size\":0}}");
            Reply neither = send(server, "GET", "/api/v1/get_backup", null);
            assertThat(neither.json().path("code").asInt()).isEqualTo(400);
            assertThat(neither.json().path("msg").asText())
                    .isEqualTo("server: empty backup name and backup id, please set a backup name or id");
            Reply unknownId = send(server, "GET", "/api/v1/get_backup?backup_id=nope", null);
            assertThat(unknownId.json().path("code").asInt()).isEqualTo(3);
            assertThat(unknownId.json().path("msg").asText()).isEqualTo("server: get backup by id server: get backup task task not found");
        }
    }

    @Test
    void list_has_no_code_and_no_msg_and_holds_only_successful_backups_sorted_by_name() throws Exception {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            assertThat(send(server, "GET", "/api/v1/list", null).body()).isEqualTo("{\"data\":[]}");
            server.behave(Behaviour.succeedAfterPolls(0));
            server.behave("c_failed", Behaviour.failAfterPolls(0, "boom"));
            server.behave("d_running", Behaviour.neverFinish());
            for (String name : List.of("z_last", "a_first", "c_failed", "d_running")) {
                create(server, "{\"backup_name\":\"" + name + "\",\"async\":true}");
                get(server, name);
            }

            Reply list = send(server, "GET", "/api/v1/list", null);

            assertThat(list.keys()).containsExactly("data");
            assertThat(list.json().path("data").findValuesAsText("name")).containsExactly("a_first", "z_last");
            assertThat(keysOf(list.json().path("data").get(0))).containsExactly("id", "name", "size", "milvus_version");
            assertThat(server.stored()).containsExactly("a_first", "z_last");
            Reply deprecated = send(server, "GET", "/api/v1/list?collection_name=books", null);
            assertThat(deprecated.json().path("code").asInt()).isEqualTo(400);
            assertThat(deprecated.json().path("msg").asText()).isEqualTo("collection_name is deprecated");
        }
    }

    @Test
    void stop_and_start_keep_the_port_and_the_task_manager_and_a_restart_loses_the_task_manager_only() throws Exception {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            URI uri = server.uri();
            server.behave(Behaviour.succeedAfterPolls(0));
            create(server, "{\"backup_name\":\"done\",\"async\":true}");
            get(server, "done");
            server.behave(Behaviour.neverFinish());
            create(server, "{\"backup_name\":\"running\",\"async\":true}");

            server.stop();
            assertThat(server.running()).isFalse();
            server.start();

            assertThat(server.uri()).isEqualTo(uri);
            assertThat(get(server, "running").json().path("data").path("name").asText()).isEqualTo("running");

            server.restart();

            assertThat(server.uri()).isEqualTo(uri);
            assertThat(get(server, "running").json().path("data").has("name")).isFalse();
            assertThat(get(server, "done").json().path("data").has("name")).isFalse();
            assertThat(send(server, "GET", "/api/v1/list", null).json().path("data").findValuesAsText("name")).containsExactly("done");
        }
    }

    @Test
    void the_synchronous_create_is_not_simulated() throws Exception {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            Reply sync = create(server, "{\"backup_name\":\"s\"}");

            assertThat(sync.json().path("code").asInt()).isEqualTo(1);
            assertThat(server.created()).isEmpty();
        }
    }

    @Test
    void before_v0_5_10_an_unknown_name_is_code_404_the_async_create_answers_its_task_and_times_are_milliseconds() throws Exception {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.generation(SimulatedMilvusBackup.Generation.V0_5_9);
            long before = System.currentTimeMillis() - 1_000;

            Reply unknown = get(server, "nope");
            assertThat(unknown.status()).isEqualTo(200);
            assertThat(unknown.json().get("code").asInt()).isEqualTo(404);
            assertThat(unknown.json().get("msg").asText()).isEqualTo("not found");
            assertThat(unknown.json().get("data").isNull()).isTrue();

            Reply created = create(server, "{\"backup_name\":\"old\",\"async\":true}");
            assertThat(created.json().get("msg").asText()).isEqualTo("create backup is executing asynchronously");
            assertThat(keysOf(created.json().get("data"))).containsExactly("id", "state_code", "start_time", "name", "milvus_version");
            assertThat(created.json().get("data").get("start_time").asLong()).isGreaterThan(before);
            Reply again = create(server, "{\"backup_name\":\"old\",\"async\":true}");
            assertThat(again.json().has("code")).as("no task-manager check").isFalse();

            JsonNode first = get(server, "old").json().get("data");
            assertThat(first.has("end_time")).as("EndTime is set only at the end").isFalse();
            JsonNode done = get(server, "old").json().get("data");
            for (int i = 0; i < 5 && done.get("state_code").asInt() != 2; i++) {
                done = get(server, "old").json().get("data");
            }
            assertThat(done.get("state_code").asInt()).isEqualTo(2);
            assertThat(done.get("end_time").asLong()).isGreaterThan(before);
        }
    }

    @Test
    void after_a_failure_that_left_objects_a_new_create_under_that_name_never_starts_until_the_directory_is_deleted() throws Exception {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.behave("b", Behaviour.failAfterPolls(0, "copy: boom"));
            create(server, "{\"backup_name\":\"b\",\"async\":true}");
            assertThat(get(server, "b").json().get("data").get("state_code").asInt()).isEqualTo(3);
            server.behave("b", Behaviour.succeedAfterPolls(0));

            create(server, "{\"backup_name\":\"b\",\"async\":true}");
            JsonNode wedged = get(server, "b").json().get("data");
            assertThat(wedged.get("state_code").asInt()).isZero();
            assertThat(wedged.get("progress").asInt()).isEqualTo(1);

            server.deleteDirectory("b");
            server.restart();
            create(server, "{\"backup_name\":\"b\",\"async\":true}");
            assertThat(get(server, "b").json().get("data").get("state_code").asInt()).isEqualTo(2);
        }
    }
}

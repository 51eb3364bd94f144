package dev.milvusupgrade.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.milvusupgrade.data.MilvusBackup.Backup;
import dev.milvusupgrade.data.MilvusBackup.Created;
import dev.milvusupgrade.data.MilvusBackup.State;
import dev.milvusupgrade.sim.SimulatedMilvusBackup;
import dev.milvusupgrade.sim.SimulatedMilvusBackup.Behaviour;
import dev.milvusupgrade.sim.SimulatedMilvusDataPlane;
import dev.milvusupgrade.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The milvus-backup REST client against the simulated server (milvus-rest FACTS.md, "milvus-backup REST server"). */
class MilvusBackupClientTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static MilvusBackupClient client(SimulatedMilvusBackup server) {
        return new MilvusBackupClient(server.uri(), TIMEOUT);
    }

    private static String accepted(Created created) {
        assertThat(created).isInstanceOf(Created.Accepted.class);
        return ((Created.Accepted) created).requestId();
    }

    @Test
    void ping_succeeds_against_milvus_backup() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            client(server).ping();

            assertThat(server.requests("hello")).isEqualTo(1);
        }
    }

    @Test
    void ping_is_unreachable_while_the_server_is_down_and_works_again_when_it_is_back_on_the_same_port() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            MilvusBackupClient client = client(server);
            server.stop();

            assertThatThrownBy(client::ping).isInstanceOf(MilvusBackup.Unreachable.class)
                    .hasMessageContaining("cannot connect to milvus-backup at " + server.uri());
            assertThatThrownBy(() -> client.get("b")).isInstanceOf(MilvusBackup.Unreachable.class);

            server.start();
            client.ping();
        }
    }

    @Test
    void ping_is_unreachable_when_what_answers_is_not_milvus_backup() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            MilvusBackupClient client = new MilvusBackupClient(milvus.uri(), TIMEOUT);

            assertThatThrownBy(client::ping).isInstanceOf(MilvusBackup.Unreachable.class)
                    .hasMessageContaining("is not milvus-backup's REST server").hasMessageContaining("HTTP 404");
            assertThatThrownBy(() -> client.find("b")).isInstanceOf(MilvusBackup.Unreachable.class);
        }
    }

    @Test
    void no_answer_within_the_request_timeout_is_unreachable() throws IOException {
        // A socket that is listening but never accepts: the kernel completes the connection, nothing ever answers.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            MilvusBackupClient client = new MilvusBackupClient(URI.create("http://127.0.0.1:" + silent.getLocalPort()),
                    Duration.ofMillis(300));

            assertThatThrownBy(() -> client.get("b")).isInstanceOf(MilvusBackup.Unreachable.class).hasMessageContaining("did not answer");
        }
    }

    @Test
    void create_is_asynchronous_and_backs_up_everything_when_no_collection_is_named() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            String requestId = accepted(client(server).create("before_2_6", List.of()));

            assertThat(requestId).isNotEmpty();
            assertThat(server.created()).containsExactly("before_2_6");
            JsonNode body = server.createBodies().get(0);
            assertThat(body.path("backup_name").asText()).isEqualTo("before_2_6");
            assertThat(body.path("async").isBoolean() && body.path("async").asBoolean()).isTrue();
            assertThat(body.has("collection_names")).as("no collection_names: everything").isFalse();
        }
    }

    @Test
    void create_names_the_collections_and_the_backup_lists_them_as_db_dot_collection() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.behave(Behaviour.succeedAfterPolls(0));
            MilvusBackupClient client = client(server);
            accepted(client.create("some", List.of("books", "analytics.events")));

            JsonNode names = server.createBodies().get(0).path("collection_names");
            assertThat(names.isArray()).isTrue();
            assertThat(List.of(names.get(0).asText(), names.get(1).asText())).containsExactly("books", "analytics.events");
            assertThat(names.size()).isEqualTo(2);
            Backup b = client.get("some");
            assertThat(b.state()).isEqualTo(State.SUCCESS);
            assertThat(b.collections()).containsExactly("default.books", "analytics.events");
        }
    }

    @Test
    void create_twice_finds_the_name_held_by_the_task_manager() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            MilvusBackupClient client = client(server);
            String first = accepted(client.create("twice", List.of()));

            Created second = client.create("twice", List.of());

            assertThat(second).isInstanceOf(Created.AlreadyExists.class);
            assertThat(((Created.AlreadyExists) second).message())
                    .isEqualTo("backup: add backup task to manager: twice (existing task " + first + ")");
            assertThat(server.created()).containsExactly("twice");
            // Also once it succeeded (the default behaviour: after 2 polls): the task manager keeps the name.
            while (!client.get("twice").state().ended()) {
                assertThat(server.requests("get_backup")).as("polls of a backup that succeeds after 2").isLessThan(10);
            }
            assertThat(client.create("twice", List.of())).isInstanceOf(Created.AlreadyExists.class);
        }
    }

    @Test
    void a_name_whose_backup_failed_can_be_created_again() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.behave("retry", Behaviour.failAfterPolls(0, "backup: run collection task: boom"));
            MilvusBackupClient client = client(server);
            accepted(client.create("retry", List.of()));
            assertThat(client.get("retry").state()).isEqualTo(State.FAIL);

            accepted(client.create("retry", List.of()));

            assertThat(server.created()).containsExactly("retry", "retry");
        }
    }

    @Test
    void a_name_whose_failed_backup_left_objects_never_starts_again_until_its_directory_is_deleted() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.behave("retry", Behaviour.failAfterPolls(0, "backup: run collection task: boom"));
            MilvusBackupClient client = client(server);
            accepted(client.create("retry", List.of()));
            assertThat(client.get("retry").state()).isEqualTo(State.FAIL);
            server.behave("retry", Behaviour.succeedAfterPolls(0));

            accepted(client.create("retry", List.of()));
            for (int i = 0; i < 3; i++) {
                Backup b = client.get("retry");
                assertThat(b.state()).as("FACTS create: prepare fails before the task is marked failed").isEqualTo(State.INITIAL);
                assertThat(b.progress()).isEqualTo(1);
            }
            assertThat(client.find("retry")).isEmpty();
        }
    }

    @Test
    void the_generation_is_told_by_how_a_name_no_backup_has_is_answered() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            assertThat(client(server).generation()).isEqualTo(MilvusBackup.Generation.FROM_0_5_10);
            server.generation(SimulatedMilvusBackup.Generation.V0_5_9);
            assertThat(client(server).generation()).isEqualTo(MilvusBackup.Generation.BEFORE_0_5_10);
        }
    }

    @Test
    void a_pre_0_5_10_server_is_served_unknown_names_answered_404_times_in_milliseconds_a_name_accepted_twice() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.generation(SimulatedMilvusBackup.Generation.V0_5_9);
            MilvusBackupClient client = client(server);
            Instant before = Instant.now().minusSeconds(1);

            assertThat(client.get("never_created"))
                    .isEqualTo(new Backup("never_created", State.UNKNOWN, 0, 0, List.of(), "", Optional.empty(), Optional.empty()));
            accepted(client.create("old", List.of()));
            Backup first = client.get("old");
            assertThat(first.state()).isEqualTo(State.INITIAL);
            assertThat(first.endTime()).isEmpty();
            assertThat(first.startTime().orElseThrow()).isBetween(before, Instant.now().plusSeconds(1));
            assertThat(client.create("old", List.of())).as("no task-manager check before v0.5.10").isInstanceOf(Created.Accepted.class);
            Await.until(Duration.ofSeconds(10), "the backup to succeed", () -> client.get("old").state() == State.SUCCESS);
            Backup done = client.get("old");
            assertThat(done.endTime().orElseThrow()).isBetween(before, Instant.now().plusSeconds(1));
            assertThat(done.collections()).hasSize(3);
            assertThat(server.createBodies().get(0).get("async").asBoolean()).isTrue();
        }
    }

    @Test
    void a_server_answering_an_unknown_name_neither_way_is_not_milvus_backup_as_known() throws IOException {
        HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        other.createContext("/", exchange -> {
            byte[] body = exchange.getRequestURI().getPath().endsWith("hello") ? MilvusBackupClient.HELLO.getBytes(StandardCharsets.UTF_8)
                    : "{\"code\":0,\"data\":{\"name\":\"milvus_upgrade_probe_no_such_backup\",\"state_code\":2}}"
                        .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        other.start();
        try {
            MilvusBackupClient client = new MilvusBackupClient(URI.create("http://127.0.0.1:" + other.getAddress().getPort()), TIMEOUT);
            client.ping();
            assertThatThrownBy(client::generation).isInstanceOf(MilvusBackup.Unreachable.class)
                    .hasMessageContaining("neither code 404 (v0.5.9 and older) nor a brief without a name (v0.5.10 and later)");
        } finally {
            other.stop(0);
        }
    }

    @Test
    void the_server_refusals_come_back_with_its_code_and_message() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            MilvusBackupClient client = client(server);

            assertThat(client.create("1st", List.of()))
                    .isEqualTo(new Created.Rejected(400, "backup name should start with an underscore or letter"));
            assertThat(client.create("with-dash", List.of()))
                    .isEqualTo(new Created.Rejected(400, "backup name should only contain numbers, letters and underscores"));
            assertThat(client.create("ok", List.of("a.b.c")))
                    .isEqualTo(new Created.Rejected(3,
                        "server: build option: server: build filter: server: invalid collection name a.b.c"));
            assertThat(server.created()).isEmpty();
        }
    }

    @Test
    void get_follows_the_backup_through_initial_and_executing_to_success_with_size_and_collections() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.behave(Behaviour.succeedAfterPolls(3));
            MilvusBackupClient client = client(server);
            accepted(client.create("stage_backup", List.of()));

            Backup initial = client.get("stage_backup");
            assertThat(initial.name()).isEqualTo("stage_backup");
            assertThat(initial.state()).isEqualTo(State.INITIAL);
            assertThat(initial.progress()).isEqualTo(1);
            assertThat(initial.size()).isZero();
            assertThat(initial.collections()).isEmpty();
            assertThat(initial.startTime()).isPresent();
            assertThat(initial.endTime()).as("Go's zero time until it ends").isEmpty();

            Backup executing = client.get("stage_backup");
            Backup later = client.get("stage_backup");
            assertThat(List.of(executing.state(), later.state())).containsOnly(State.EXECUTING);
            assertThat(executing.progress()).isBetween(5, 99);
            assertThat(later.progress()).isBetween(executing.progress() + 1, 99);
            assertThat(later.size()).as("the server reads the size from the meta, written at the end").isZero();

            Backup done = client.get("stage_backup");
            assertThat(done.state()).isEqualTo(State.SUCCESS);
            assertThat(done.state().ended()).isTrue();
            assertThat(done.progress()).isEqualTo(100);
            assertThat(done.size()).isPositive();
            assertThat(done.collections()).containsExactlyElementsOf(SimulatedMilvusBackup.DEFAULT_COLLECTIONS);
            assertThat(done.errorMessage()).isEmpty();
            assertThat(done.endTime()).isPresent();
            assertThat(done.endTime().get()).isAfterOrEqualTo(done.startTime().get());
            assertThat(done.startTime()).isEqualTo(initial.startTime());
            assertThat(server.requests("get_backup")).isEqualTo(4);
        }
    }

    @Test
    void a_backup_that_takes_time_is_seen_ending_by_polling() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.behave(Behaviour.succeedAfter(Duration.ofMillis(200)));
            MilvusBackupClient client = client(server);
            accepted(client.create("timed", List.of("default.books")));
            List<State> seen = new ArrayList<>();

            Await.until(Duration.ofSeconds(20), "the backup to end", () -> {
                State s = client.get("timed").state();
                seen.add(s);
                return s.ended();
            });

            assertThat(seen.get(seen.size() - 1)).isEqualTo(State.SUCCESS);
            assertThat(seen).doesNotContain(State.FAIL, State.TIMEOUT, State.UNKNOWN);
            Backup done = client.get("timed");
            assertThat(done.size()).isPositive();
            assertThat(done.collections()).containsExactly("default.books");
        }
    }

    @Test
    void a_failed_backup_carries_the_servers_error_message_and_is_not_listed() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.behave(Behaviour.failAfterPolls(1, "backup: run collection task: copy binlog: access denied"));
            MilvusBackupClient client = client(server);
            accepted(client.create("doomed", List.of()));

            assertThat(client.get("doomed").state()).isEqualTo(State.INITIAL);
            Backup failed = client.get("doomed");

            assertThat(failed.state()).isEqualTo(State.FAIL);
            assertThat(failed.state().ended()).isTrue();
            assertThat(failed.progress()).isZero();
            assertThat(failed.errorMessage()).isEqualTo("backup: run collection task: copy binlog: access denied");
            assertThat(failed.endTime()).isPresent();
            assertThat(client.find("doomed")).isEmpty();
        }
    }

    @Test
    void a_collection_milvus_does_not_hold_fails_the_backup() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            MilvusBackupClient client = client(server);
            accepted(client.create("missing", List.of("default.nope")));

            Backup b = client.get("missing");

            assertThat(b.state()).isEqualTo(State.FAIL);
            assertThat(b.errorMessage())
                    .isEqualTo("backup: list db and collection: backup: filter collection default.nope not found in milvus");
        }
    }

    @Test
    void a_backup_that_never_finishes_stays_executing() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.behave(Behaviour.neverFinish());
            MilvusBackupClient client = client(server);
            accepted(client.create("stuck", List.of()));
            List<State> states = new ArrayList<>();

            for (int i = 0; i < 20; i++) {
                states.add(client.get("stuck").state());
            }

            assertThat(states.get(0)).isEqualTo(State.INITIAL);
            assertThat(states.subList(1, states.size())).containsOnly(State.EXECUTING);
            assertThat(client.get("stuck").endTime()).isEmpty();
            assertThat(client.find("stuck")).isEmpty();
        }
    }

    @Test
    void a_backup_whose_server_cannot_reach_milvus_stays_initial() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.behave(Behaviour.neverStart());
            MilvusBackupClient client = client(server);
            accepted(client.create("no_milvus", List.of()));

            for (int i = 0; i < 10; i++) {
                Backup b = client.get("no_milvus");
                assertThat(b.state()).isEqualTo(State.INITIAL);
                assertThat(b.progress()).isEqualTo(1);
                assertThat(b.endTime()).isEmpty();
            }
            assertThat(client.create("no_milvus", List.of())).as("an INITIAL task holds its name")
                    .isInstanceOf(Created.AlreadyExists.class);
        }
    }

    @Test
    void a_name_the_task_manager_does_not_know_is_unknown_not_initial() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            Backup b = client(server).get("never_created");

            assertThat(b).isEqualTo(new Backup("never_created", State.UNKNOWN, 0, 0, List.of(), "", Optional.empty(), Optional.empty()));
            assertThat(b.state().ended()).isFalse();
        }
    }

    @Test
    void after_a_restart_of_the_server_the_backup_is_found_through_the_list_only() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            server.behave(Behaviour.succeedAfterPolls(0));
            MilvusBackupClient client = client(server);
            accepted(client.create("kept", List.of()));
            Backup before = client.get("kept");
            assertThat(before.state()).isEqualTo(State.SUCCESS);
            assertThat(client.find("other")).isEmpty();

            server.restart();

            assertThat(client.get("kept").state()).as("the task manager forgot it").isEqualTo(State.UNKNOWN);
            Optional<Backup> found = client.find("kept");
            assertThat(found).isPresent();
            assertThat(found.get().state()).isEqualTo(State.SUCCESS);
            assertThat(found.get().progress()).isEqualTo(100);
            assertThat(found.get().size()).isEqualTo(before.size());
            assertThat(client.find("other")).isEmpty();
            // Creating it again is accepted, and then stays INITIAL for ever (the name is in the backup storage).
            accepted(client.create("kept", List.of()));
            for (int i = 0; i < 5; i++) {
                Backup again = client.get("kept");
                assertThat(again.state()).isEqualTo(State.INITIAL);
                assertThat(again.progress()).isEqualTo(1);
            }
        }
    }

    @Test
    void an_empty_name_is_never_sent() {
        try (SimulatedMilvusBackup server = new SimulatedMilvusBackup()) {
            MilvusBackupClient client = client(server);

            assertThatThrownBy(() -> client.create("", List.of())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("panics");
            assertThatThrownBy(() -> client.create(null, List.of())).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> client.get("")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> client.find("")).isInstanceOf(IllegalArgumentException.class);
            assertThat(server.requests()).isZero();
        }
    }

    @Test
    void the_endpoint_must_be_http_or_https_and_the_timeout_positive() {
        assertThatThrownBy(() -> new MilvusBackupClient(URI.create("grpc://backup:8080"), TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MilvusBackupClient(URI.create("http://backup:8080"), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

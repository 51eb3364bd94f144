package dev.milvusupgrade.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.milvusupgrade.plan.DataSnapshot;
import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.sim.SimulatedMilvusDataPlane;
import dev.milvusupgrade.testing.Tls;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The RESTful API v2 client against the simulated data plane without a cluster (always available). */
class MilvusRestClientTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static MilvusRestClient client(MilvusEndpoint endpoint) {
        return new MilvusRestClient(endpoint, 4, TIMEOUT);
    }

    private static MilvusEndpoint token(URI uri, String token) {
        return new MilvusEndpoint(uri, Optional.of(token), Optional.empty(), Optional.empty(), Optional.empty());
    }

    private static MilvusEndpoint user(URI uri, String user, String password) {
        return new MilvusEndpoint(uri, Optional.empty(), Optional.of(user), Optional.of(password), Optional.empty());
    }

    private static MilvusEndpoint withCa(URI uri, String pemResource) {
        return new MilvusEndpoint(uri, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(Tls.resource(pemResource)));
    }

    private static Map<String, DataSnapshot.Collection> byName(DataSnapshot s, String db) {
        return s.databases().stream().filter(d -> d.name().equals(db)).findFirst().orElseThrow().collections().stream()
                .collect(Collectors.toMap(DataSnapshot.Collection::name, Function.identity()));
    }

    @Test
    void snapshot_reads_every_database_and_collection_with_row_counts_load_states_indexes_and_schemas() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            DataSnapshot s = client(MilvusEndpoint.of(milvus.uri())).snapshot();

            assertThat(s.databases()).extracting(DataSnapshot.Database::name).containsExactly("default", "analytics");
            assertThat(s.databases().get(0).collections()).extracting(DataSnapshot.Collection::name).containsExactly("books", "archive");
            DataSnapshot.Collection books = byName(s, "default").get("books");
            assertThat(books.rowCount()).isEqualTo(12_000);
            assertThat(books.loadState()).isEqualTo("LoadStateLoaded");
            assertThat(books.indexes()).containsExactly(new DataSnapshot.Index("embedding_idx", "Finished"));
            DataSnapshot.Collection archive = byName(s, "default").get("archive");
            assertThat(archive.loadState()).isEqualTo("LoadStateNotLoad");
            assertThat(archive.rowCount()).isEqualTo(50_000);
            DataSnapshot.Collection events = byName(s, "analytics").get("events");
            assertThat(events.indexes())
                    .containsExactly(new DataSnapshot.Index("embedding_idx", "Finished"), new DataSnapshot.Index("kind_idx", "Finished"));
            assertThat(events.rowCount()).isEqualTo(1_000_000);
            assertThat(s.collectionCount()).isEqualTo(3);
            // Different schemas, different fingerprints; a SHA-256 in hex.
            assertThat(List.of(books.schemaFingerprint(), archive.schemaFingerprint(), events.schemaFingerprint())).doesNotHaveDuplicates()
                    .allMatch(f -> f.matches("[0-9a-f]{64}"));
            // databases/list, 2 x collections/list, 3 x (describe, get_load_state, get_stats, indexes/list), 4 x indexes/describe,
            // and for the 2 loaded collections count(*) and a sample of primary keys.
            assertThat(milvus.requests()).isEqualTo(1 + 2 + 3 * 4 + 4 + 2 * 2);
            assertThat(milvus.requests("collections/get_stats")).isEqualTo(3);
            assertThat(milvus.requests("entities/query")).as("count(*) and the sample, on loaded collections only").isEqualTo(4);
            assertThat(books.queryCount()).isEqualTo(12_000);
            assertThat(books.sample()).containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
            assertThat(archive.counted()).isFalse();
            assertThat(events.sample()).startsWith("k1", "k2");
            assertThat(milvus.lastHeader("Request-Timeout")).contains("5");
            assertThat(MilvusRestClient.ROW_COUNT_SOURCE).isEqualTo("collections/get_stats");
        }
    }

    @Test
    void the_schema_fingerprint_follows_the_schema_and_nothing_that_changes_by_itself() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            milvus.addCollection("default", "twin", 5, true);
            MilvusRestClient client = client(MilvusEndpoint.of(milvus.uri()));
            DataSnapshot before = client.snapshot();
            // Same schema as archive (both standard), although load state and row count differ.
            assertThat(byName(before, "default").get("twin").schemaFingerprint())
                    .isEqualTo(byName(before, "default").get("archive").schemaFingerprint());

            milvus.setRowCount("default", "books", 7);
            milvus.setLoadState("default", "books", "LoadStateNotLoad");
            milvus.setIndexState("default", "books", "embedding_idx", "InProgress");
            milvus.addField("analytics", "events", "added_later");
            DataSnapshot after = client.snapshot();

            DataSnapshot.Collection books = byName(after, "default").get("books");
            assertThat(books.schemaFingerprint()).isEqualTo(byName(before, "default").get("books").schemaFingerprint());
            assertThat(books.rowCount()).isEqualTo(7);
            assertThat(books.loadState()).isEqualTo("LoadStateNotLoad");
            assertThat(books.indexes()).containsExactly(new DataSnapshot.Index("embedding_idx", "InProgress"));
            assertThat(byName(after, "analytics").get("events").schemaFingerprint())
                    .isNotEqualTo(byName(before, "analytics").get("events").schemaFingerprint());
        }
    }

    @Test
    void a_lost_collection_is_missing_from_the_snapshot_and_the_probes_scratch_collections_are_left_out() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            milvus.addCollection("default", MilvusRestClient.PROBE_PREFIX + "0badf00d", 1, true);
            milvus.loseCollection("default", "archive");
            DataSnapshot s = client(MilvusEndpoint.of(milvus.uri())).snapshot();
            assertThat(s.databases().get(0).collections()).extracting(DataSnapshot.Collection::name).containsExactly("books");
            assertThat(milvus.requests("collections/describe")).isEqualTo(2);
        }
    }

    @Test
    void a_token_is_sent_as_a_bearer_token_and_a_wrong_one_is_refused_without_showing_it() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            milvus.requireToken("s3cr3t-api-key");
            assertThat(client(token(milvus.uri(), "s3cr3t-api-key")).snapshot().collectionCount()).isEqualTo(3);
            assertThat(milvus.lastHeader("Authorization")).contains("Bearer s3cr3t-api-key");

            assertThatThrownBy(() -> client(token(milvus.uri(), "wrong-key")).snapshot()).isInstanceOf(MilvusData.Unreachable.class)
                    .hasMessageStartingWith("Milvus refused the credentials").hasMessageContaining("code 1800")
                    .hasMessageContaining(milvus.uri().toString())
                    .hasMessageNotContaining("wrong-key");
            assertThatThrownBy(() -> client(MilvusEndpoint.of(milvus.uri())).snapshot()).isInstanceOf(AccessFailure.class)
                    .hasMessageStartingWith("Milvus requires authentication (HTTP 401")
                    .hasMessageEndingWith("and the intent names no credentials");
        }
    }

    @Test
    void a_user_and_password_are_sent_as_bearer_user_colon_password_and_a_wrong_password_is_refused_without_showing_it() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            milvus.requireUser("root", "Milvus:with-colon");
            assertThat(client(user(milvus.uri(), "root", "Milvus:with-colon")).snapshot().collectionCount()).isEqualTo(3);
            assertThat(milvus.lastHeader("Authorization")).contains("Bearer root:Milvus:with-colon");

            assertThatThrownBy(() -> client(user(milvus.uri(), "root", "not-the-password")).snapshot())
                    .isInstanceOf(MilvusData.Unreachable.class)
                    .hasMessageStartingWith("Milvus refused the credentials").hasMessageNotContaining("not-the-password");
            assertThatThrownBy(() -> client(user(milvus.uri(), "root", "x")).probe()).isInstanceOf(MilvusData.Unreachable.class)
                    .hasMessageStartingWith("Milvus refused the credentials");
        }
    }

    @Test
    void a_user_without_a_password_is_a_configuration_error() {
        MilvusEndpoint half = new MilvusEndpoint(URI.create("http://127.0.0.1:1"), Optional.empty(), Optional.of("root"), Optional.empty(),
                Optional.empty());
        assertThatThrownBy(() -> client(half)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client(MilvusEndpoint.of(URI.create("grpc://milvus:19530")))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void https_is_trusted_with_the_extra_ca_and_refused_without_it_or_with_another() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(Tls.serverContext())) {
            assertThat(milvus.uri().getScheme()).isEqualTo("https");
            assertThat(client(withCa(milvus.uri(), "/tls/ca.pem")).snapshot().collectionCount()).isEqualTo(3);
            assertThat(client(withCa(milvus.uri(), "/tls/ca.pem")).probe()).isEqualTo(new MilvusData.Probe.Passed());

            assertThatThrownBy(() -> client(MilvusEndpoint.of(milvus.uri())).snapshot()).isInstanceOf(MilvusData.Unreachable.class)
                    .hasMessageStartingWith("TLS with Milvus at " + milvus.uri());
            assertThatThrownBy(() -> client(withCa(milvus.uri(), "/tls/other-ca.pem")).snapshot())
                    .isInstanceOf(MilvusData.Unreachable.class)
                    .hasMessageStartingWith("TLS with Milvus at " + milvus.uri());
        }
    }

    @Test
    void a_ca_certificate_that_is_not_pem_is_a_configuration_error() {
        MilvusEndpoint bad = new MilvusEndpoint(URI.create("https://127.0.0.1:1"), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of("not a certificate"));
        assertThatThrownBy(() -> client(bad)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void an_endpoint_nobody_listens_on_is_unreachable_with_a_message_naming_it() {
        URI gone;
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            gone = milvus.uri();
        }
        MilvusRestClient client = client(token(gone, "s3cr3t"));
        assertThatThrownBy(client::snapshot).isInstanceOf(MilvusData.Unreachable.class)
                .hasMessage("cannot connect to Milvus at " + gone + " (token): connection refused");
        assertThatThrownBy(client::probe).isInstanceOf(MilvusData.Unreachable.class).hasMessageContaining(gone.toString());
    }

    @Test
    void a_server_that_is_not_the_restful_api_v2_is_named_as_such() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            URI wrong = URI.create(milvus.uri() + "/not-milvus");
            assertThatThrownBy(() -> client(MilvusEndpoint.of(wrong)).snapshot()).isInstanceOf(MilvusData.Unreachable.class)
                    .hasMessageContaining("answered 404").hasMessageContaining("not Milvus's RESTful API v2");
        }
    }

    @Test
    void the_probe_creates_loads_writes_reads_back_and_drops_its_scratch_collection() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            assertThat(client(MilvusEndpoint.of(milvus.uri())).probe()).isEqualTo(new MilvusData.Probe.Passed());
            assertThat(milvus.requests("collections/create")).isEqualTo(1);
            assertThat(milvus.requests("collections/get_load_state")).as("Loading once, then Loaded").isEqualTo(2);
            assertThat(milvus.requests("entities/insert")).isEqualTo(1);
            assertThat(milvus.requests("entities/query")).isEqualTo(1);
            assertThat(milvus.requests("collections/drop")).isEqualTo(1);
            assertThat(milvus.collections("default")).containsExactly("books", "archive");
        }
    }

    @Test
    void an_error_code_other_than_a_vanished_object_ends_the_snapshot_naming_endpoint_path_and_collection() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            milvus.failEndpoint("collections/get_stats", 65535, "PrivilegeGetStatistics: permission deny");
            assertThatThrownBy(() -> client(MilvusEndpoint.of(milvus.uri())).snapshot()).isInstanceOf(MilvusData.Unreachable.class)
                    .hasMessageContaining("Milvus at " + milvus.uri() + " answered collections/get_stats for collection ")
                    .hasMessageContaining("code 65535: PrivilegeGetStatistics: permission deny");

            milvus.clearFailures();
            milvus.failEndpoint("collections/describe", 10001, "request timeout");
            assertThatThrownBy(() -> client(MilvusEndpoint.of(milvus.uri())).snapshot()).isInstanceOf(MilvusData.Unreachable.class)
                    .hasMessageContaining("Milvus at " + milvus.uri() + " did not answer collections/describe for collection ")
                    .hasMessageContaining("request timeout");

            milvus.clearFailures();
            milvus.failEndpoint("databases/list", 65535, "PrivilegeListDatabases: permission deny");
            assertThatThrownBy(() -> client(MilvusEndpoint.of(milvus.uri())).snapshot()).isInstanceOf(MilvusData.Unreachable.class)
                    .hasMessage("Milvus at " + milvus.uri()
                        + " answered databases/list with code 65535: PrivilegeListDatabases: permission deny");
        }
    }

    @Test
    void a_probe_step_milvus_refuses_is_a_failure_of_that_step_and_the_collection_is_dropped_all_the_same() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            milvus.failEndpoint("entities/insert", 1804, "fail to deal the insert data, error: something");
            assertThat(client(MilvusEndpoint.of(milvus.uri())).probe())
                    .isEqualTo(new MilvusData.Probe.Failed("insert", "code 1804: fail to deal the insert data, error: something", false));
            assertThat(milvus.requests("collections/drop")).isEqualTo(1);
            assertThat(milvus.collections("default")).containsExactly("books", "archive");

            milvus.clearFailures();
            milvus.failEndpoint("collections/create", 1100, "invalid parameter");
            assertThat(client(MilvusEndpoint.of(milvus.uri())).probe())
                    .isEqualTo(new MilvusData.Probe.Failed("create", "code 1100: invalid parameter", false));
            assertThat(milvus.requests("collections/drop")).isEqualTo(2);

            milvus.clearFailures();
            milvus.failEndpoint("collections/drop", 65535, "PrivilegeDropCollection: permission deny");
            MilvusData.Probe probe = client(MilvusEndpoint.of(milvus.uri())).probe();
            assertThat(probe).isInstanceOf(MilvusData.Probe.Failed.class);
            assertThat(((MilvusData.Probe.Failed) probe).step()).isEqualTo("drop");
            assertThat(((MilvusData.Probe.Failed) probe).detail())
                    .startsWith("the scratch collection default/" + MilvusRestClient.PROBE_PREFIX)
                    .endsWith("could not be dropped: code 65535: PrivilegeDropCollection: permission deny");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void no_more_requests_are_in_flight_than_the_parallelism(int parallelism) {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            milvus.addCollections("scale", 300);
            assertThat(new MilvusRestClient(MilvusEndpoint.of(milvus.uri()), parallelism, TIMEOUT).snapshot().collectionCount())
                    .isEqualTo(303);
            assertThat(milvus.maxConcurrentRequests()).isBetween(1, parallelism);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {10, 1_000}) // 10 000: BENCHMARKS.md, not the unit suite
    void a_snapshot_of_many_collections_completes_with_five_requests_per_collection_and_two_per_loaded_one(int n) {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            milvus.addCollections("scale", n);
            MilvusRestClient client = new MilvusRestClient(MilvusEndpoint.of(milvus.uri()), 8, TIMEOUT);
            long start = System.nanoTime();
            DataSnapshot s = client.snapshot();
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(s.collectionCount()).isEqualTo(n + 3);
            List<DataSnapshot.Collection> scale = s.databases().get(2).collections();
            assertThat(scale).hasSize(n);
            assertThat(scale.get(n - 1).name()).isEqualTo(String.format("c%05d", n - 1));
            assertThat(scale.get(n - 1).rowCount()).isEqualTo(10L * (n - 1));
            assertThat(scale.get(1).loadState()).isEqualTo("LoadStateNotLoad");
            // 1 databases/list, 3 collections/list, 5 per collection (events has a second index), and count(*) and a sample for
            // each loaded collection (books, events, and every other one of scale).
            assertThat(milvus.requests()).isEqualTo(1 + 3 + 5L * (n + 3) + 1 + 2L * (2 + (n + 1) / 2));
            // Reported, not asserted: how long it took.
            System.out.printf("snapshot of %d collections: %d ms, %d requests%n", n + 3, millis, milvus.requests());
        }
    }

    @Test
    void a_call_without_an_answer_is_sent_again_as_far_as_that_is_safe() {
        IOException noAnswer = new IOException("HTTP/1.1 header parser received no bytes");
        assertThat(MilvusRestClient.noAnswer(noAnswer)).isTrue();
        assertThat(MilvusRestClient.noAnswer(new ConnectException("Connection refused"))).isFalse();
        assertThat(MilvusRestClient.noAnswer(new HttpTimeoutException("timed out"))).isFalse();
        assertThat(MilvusRestClient.attempts("collections/get_stats")).isEqualTo(MilvusRestClient.READ_ATTEMPTS).isGreaterThan(2);
        assertThat(MilvusRestClient.attempts("entities/upsert")).isEqualTo(2);
        assertThat(MilvusRestClient.attempts("collections/create")).as("after checking the lost one was not carried out").isEqualTo(2);
        assertThat(MilvusRestClient.attempts("entities/insert")).isEqualTo(1);
    }

    @Test
    void a_403_is_denied_not_unreachable_and_names_the_path() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            milvus.denyEndpoint("collections/get_stats");
            assertThatThrownBy(() -> client(MilvusEndpoint.of(milvus.uri())).snapshot()).isInstanceOf(MilvusData.Denied.class)
                    .hasMessageContaining("refused collections/get_stats for lack of privileges (HTTP 403, code 1401");
        }
    }

    @Test
    void the_after_stage_snapshot_reads_back_the_sampled_keys_and_a_timed_out_count_is_marked_so() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            MilvusRestClient c = client(MilvusEndpoint.of(milvus.uri()));
            DataSnapshot baseline = c.snapshot();
            milvus.loseKey("default", "books", "4");
            DataSnapshot after = c.snapshot(baseline);
            assertThat(byName(after, "default").get("books").sample()).containsExactly("1", "2", "3", "5", "6", "7", "8", "9", "10");
            assertThat(milvus.requests("entities/get")).isEqualTo(2);

            milvus.failEndpoint("entities/query", 10001, "request timeout");
            DataSnapshot hung = c.snapshot(baseline);
            assertThat(byName(hung, "default").get("books").queryCount()).isEqualTo(DataSnapshot.Collection.TIMED_OUT);
            assertThat(hung.queryTimedOut()).isTrue();
        }
    }

    @Test
    void the_canarys_steps_round_trip_rows_with_dynamic_keys_json_and_exact_vectors() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            MilvusRestClient c = client(MilvusEndpoint.of(milvus.uri()));
            String name = dev.milvusupgrade.plan.Canary.PREFIX + "test";
            assertThat(c.shape("default", name)).isEmpty();
            c.create(dev.milvusupgrade.plan.Canary.createBody(name));
            assertThat(c.shape("default", name)).contains(new MilvusData.Shape(List.of("id:Int64", "vector:FloatVector", "title:VarChar",
                    "meta:JSON"), true));
            c.insert("default", name, dev.milvusupgrade.plan.Canary.rows());
            List<Map<String, Object>> read = c.query("default", name, dev.milvusupgrade.plan.Canary.allRowsFilter(), 300,
                    dev.milvusupgrade.plan.Canary.JSON_FIELDS);
            assertThat(dev.milvusupgrade.plan.Canary.compare(dev.milvusupgrade.plan.Canary.rows(), read)).isEmpty();
            assertThat(c.search("default", name, "vector", dev.milvusupgrade.plan.Canary.vector(97), 3)).startsWith(97L);
            assertThat(client(MilvusEndpoint.of(milvus.uri())).snapshot().databases().get(0).collections())
                    .extracting(DataSnapshot.Collection::name)
                    .doesNotContain(name);
            c.drop("default", name);
            assertThat(milvus.collections("default")).doesNotContain(name);
        }
    }
}

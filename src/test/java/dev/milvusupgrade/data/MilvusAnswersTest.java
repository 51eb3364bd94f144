package dev.milvusupgrade.data;

import dev.milvusupgrade.plan.MilvusEndpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.milvusupgrade.plan.Canary;
import dev.milvusupgrade.sim.SimulatedMilvusDataPlane;
import dev.milvusupgrade.testing.MilvusProxy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Issue 22: whatever Milvus answers, the client ends in a typed outcome; a call without an answer is sent again only where safe. */
class MilvusAnswersTest {

    private static MilvusRestClient client(URI uri) {
        return new MilvusRestClient(new MilvusEndpoint(uri, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()), 2,
                Duration.ofSeconds(5));
    }

    static Stream<Arguments> wrongAnswers() {
        return Stream.of(
                Arguments.of("collections/get_stats",
                        (UnaryOperator<String>) b -> b.replaceFirst("\"rowCount\":\\s*\"?\\d+\"?", "\"rowCount\":\"lots\""),
                        "rowCount = \"lots\", not a whole number"),
                Arguments.of("collections/get_stats", (UnaryOperator<String>) b -> b.replaceFirst(",?\"rowCount\":\\s*\"?\\d+\"?", ""),
                        "rowCount = nothing, not a whole number"),
                Arguments.of("collections/describe", (UnaryOperator<String>) b -> "{\"code\":0,\"data\":\"a string\"}",
                        "data = \"a string\", not an object"),
                Arguments.of("databases/list", (UnaryOperator<String>) b -> "{\"code\":0,\"data\":{\"default\":1}}",
                        "data = {\"default\":1}, not an array"),
                Arguments.of("collections/get_load_state", (UnaryOperator<String>) b -> "{\"code\":0,\"data\":{\"loadState\":7}}",
                        "loadState = 7, not a text"));
    }

    @ParameterizedTest
    @MethodSource("wrongAnswers")
    void a_wrong_typed_or_missing_field_is_malformed_naming_the_request_and_what_came(String path, UnaryOperator<String> change,
            String shown) {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(); MilvusProxy proxy = new MilvusProxy(milvus.uri())) {
            proxy.rewrite(path, change);
            assertThatThrownBy(() -> client(proxy.uri()).snapshot()).isInstanceOf(MilvusData.Malformed.class)
                    .hasMessageContaining("Milvus at " + proxy.uri() + " answered " + path).hasMessageContaining(shown);
        }
    }

    @Test
    void an_answer_that_is_not_json_is_shown_on_one_line_cut_and_with_control_characters_visible() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(); MilvusProxy proxy = new MilvusProxy(milvus.uri())) {
            proxy.rewrite("databases/list", b -> "<html>\n\u001b[2J" + "x".repeat(100_000) + "</html>");
            assertThatThrownBy(() -> client(proxy.uri()).snapshot()).isInstanceOf(MilvusData.Unreachable.class)
                    .satisfies(e -> assertThat(e.getMessage()).contains("<html> \\u001b[2Jxxx").doesNotContain("\n", "\u001b")
                            .hasSizeLessThan(500));
        }
    }

    @Test
    void milvus_error_messages_are_bounded_and_one_line() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane()) {
            milvus.failEndpoint("collections/get_stats", 65535, "line one\nline two\u001b]0;title\u0007" + "y".repeat(1_000_000));
            assertThatThrownBy(() -> client(milvus.uri()).snapshot()).isInstanceOf(MilvusData.Unreachable.class)
                    .satisfies(e -> assertThat(e.getMessage()).contains("line one line two\\u001b]0;title\\u0007yyy")
                            .contains("more characters)").doesNotContain("\n", "\u001b").hasSizeLessThan(600));
        }
    }

    @Test
    void a_read_without_an_answer_is_sent_again_a_bounded_number_of_times() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(); MilvusProxy proxy = new MilvusProxy(milvus.uri())) {
            proxy.drop("databases/list", MilvusRestClient.READ_ATTEMPTS - 1, false);
            assertThat(client(proxy.uri()).snapshot().collectionCount()).isEqualTo(3);
            assertThat(proxy.seen("databases/list")).isEqualTo(MilvusRestClient.READ_ATTEMPTS);

            proxy.drop("databases/list", MilvusRestClient.READ_ATTEMPTS, false);
            assertThatThrownBy(() -> client(proxy.uri()).snapshot()).isInstanceOf(MilvusData.Unreachable.class)
                    .hasMessageContaining("failed without an answer");
            assertThat(proxy.seen("databases/list")).isEqualTo(2 * MilvusRestClient.READ_ATTEMPTS);
        }
    }

    @Test
    void a_create_whose_answer_was_lost_is_not_sent_again_when_describe_finds_the_collection() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(); MilvusProxy proxy = new MilvusProxy(milvus.uri())) {
            String name = Canary.PREFIX + "lost_answer";
            proxy.drop("collections/create", 1, true);

            client(proxy.uri()).create(Canary.createBody(name));

            assertThat(milvus.requests("collections/create")).as("carried out once, never sent again").isEqualTo(1);
            assertThat(proxy.seen("collections/describe")).as("checked before any resend").isEqualTo(1);
            assertThat(milvus.collections("default")).contains(name);
            assertThat(milvus.loadState("default", name)).isEqualTo(SimulatedMilvusDataPlane.LOADED);
        }
    }

    @Test
    void a_create_lost_before_milvus_saw_it_is_sent_again_after_describe_finds_nothing() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(); MilvusProxy proxy = new MilvusProxy(milvus.uri())) {
            String name = Canary.PREFIX + "lost_request";
            proxy.drop("collections/create", 1, false);

            client(proxy.uri()).create(Canary.createBody(name));

            assertThat(proxy.seen("collections/create")).isEqualTo(2);
            assertThat(milvus.requests("collections/create")).isEqualTo(1);
            assertThat(milvus.collections("default")).contains(name);
        }
    }

    @Test
    void an_insert_without_an_answer_is_never_sent_again() {
        try (SimulatedMilvusDataPlane milvus = new SimulatedMilvusDataPlane(); MilvusProxy proxy = new MilvusProxy(milvus.uri())) {
            String name = Canary.PREFIX + "insert";
            MilvusRestClient c = client(proxy.uri());
            c.create(Canary.createBody(name));
            proxy.drop("entities/insert", 1, true);

            assertThatThrownBy(() -> c.insert("default", name, Canary.rows().subList(0, 1))).isInstanceOf(MilvusData.Unreachable.class);

            assertThat(proxy.seen("entities/insert")).isEqualTo(1);
            assertThat(milvus.insertedRows("default", name)).isEqualTo(1);
            assertThat(List.of(milvus.requests("entities/insert"))).containsExactly(1L);
        }
    }
}

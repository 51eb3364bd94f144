package dev.milvusupgrade.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Issue 22: milvus-backup's answers read with their types checked, its words bounded, a lost read asked again. */
class MilvusBackupAnswersTest {

    /** A server whose n-th get_backup (from 1) is answered by {@code answer}; null closes the connection without an answer. */
    private static <T> T with(IntFunction<String> answer, java.util.function.Function<MilvusBackupClient, T> use) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        AtomicInteger n = new AtomicInteger();
        server.createContext("/", exchange -> {
            String body = answer.apply(n.incrementAndGet());
            if (body == null) {
                exchange.close();
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        try {
            return use.apply(new MilvusBackupClient(URI.create("http://127.0.0.1:"
                    + server.getAddress().getPort()), Duration.ofSeconds(5)));
        } finally {
            server.stop(0);
        }
    }

    private static String brief(String fields) {
        return "{\"code\":0,\"data\":{\"name\":\"b1\",\"state_code\":1," + fields + "}}";
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"progress\":\"lots\"|progress = \"lots\", not a whole number",
        "\"size\":{\"bytes\":1}|size = {\"bytes\":1}, not a whole number",
        "\"collection_backups\":\"all\"|collection_backups = \"all\", not a list",
        "\"collection_backups\":[{\"collection_name\":7}]|collection_name = 7, not a text",
        "\"errorMessage\":[]|errorMessage = [], not a text",
    })
    void a_wrong_typed_field_is_unexpected_naming_it_and_what_came(String fields, String shown) throws IOException {
        with(i -> brief(fields), c -> {
            assertThatThrownBy(() -> c.get("b1")).isInstanceOf(MilvusBackup.Unexpected.class).hasMessageContaining(shown);
            return null;
        });
    }

    @Test
    void an_error_message_is_kept_on_one_line_and_bounded() throws IOException {
        String huge = "first\\nsecond\\u001b[31m" + "z".repeat(1_000_000);
        MilvusBackup.Backup b = with(i -> "{\"code\":0,\"data\":{\"name\":\"b1\",\"state_code\":3,\"errorMessage\":\"" + huge + "\"}}",
                c -> c.get("b1"));
        assertThat(b.errorMessage()).startsWith("first second\\u001b[31mzzz").doesNotContain("\n", "\u001b").hasSizeLessThanOrEqualTo(512);
    }

    @Test
    void a_read_without_an_answer_is_asked_again_a_bounded_number_of_times() throws IOException {
        MilvusBackup.Backup b = with(i -> i < MilvusRestClient.READ_ATTEMPTS ? null : brief("\"progress\":40"), c -> c.get("b1"));
        assertThat(b.progress()).isEqualTo(40);

        assertThatThrownBy(() -> with(i -> null, c -> c.get("b1"))).isInstanceOf(MilvusBackup.Unreachable.class)
                .hasMessageContaining("failed without an answer");
    }
}

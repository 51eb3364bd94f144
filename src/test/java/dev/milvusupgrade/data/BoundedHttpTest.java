package dev.milvusupgrade.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.milvusupgrade.plan.MilvusEndpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A hostile server cannot hold the run past its deadline or fill its memory (issue 22 item 4, JDK-8208693). */
class BoundedHttpTest {

    private HttpServer server;
    /** Released when the test ends, so that a handler still trickling stops. */
    private final CountDownLatch done = new CountDownLatch(1);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/ok", x -> {
            byte[] body = "{\"code\":0}".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        });
        // Headers at once, then one byte every 100 ms for a minute: the JDK's request timeout never fires.
        server.createContext("/slow", this::trickle);
        server.createContext("/v2/vectordb/", this::trickle);
        // 20 MiB with no length announced.
        server.createContext("/huge", x -> {
            x.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            try (OutputStream out = x.getResponseBody()) {
                for (int i = 0; i < 320 && done.getCount() > 0; i++) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                // the client went away
            }
        });
        // A length of 300 MB announced: refused before reading.
        server.createContext("/declared", x -> {
            x.sendResponseHeaders(200, 300_000_000L);
            try (OutputStream out = x.getResponseBody()) {
                out.write(new byte[1024]);
                done.await(30, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                // the client went away
            }
        });
        server.start();
    }

    private void trickle(HttpExchange x) throws IOException {
        x.sendResponseHeaders(200, 0);
        try (OutputStream out = x.getResponseBody()) {
            for (int i = 0; i < 600 && !done.await(100, TimeUnit.MILLISECONDS); i++) {
                out.write('{');
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the client went away
        }
    }

    @AfterEach
    void stop() {
        done.countDown();
        server.stop(0);
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path))
                .timeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void a_normal_answer_is_read_whole() throws Exception {
        assertThat(new String(BoundedHttp.send(http, get("/ok"), Duration.ofSeconds(10), 1024).body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"code\":0}");
    }

    @Test
    void a_body_that_trickles_ends_at_the_whole_answer_deadline() {
        long t0 = System.nanoTime();

        assertThatThrownBy(() -> BoundedHttp.send(http, get("/slow"), Duration.ofMillis(800), BoundedHttp.MAX_BODY))
                .isInstanceOf(HttpTimeoutException.class).hasMessage("no whole answer within 800 ms");
        // The trickle lasts a minute and the request timeout is 30 s: ending at all within 20 s is the deadline's doing.
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void a_body_over_the_cap_is_refused_not_buffered() {
        assertThatThrownBy(() -> BoundedHttp.send(http, get("/huge"), Duration.ofSeconds(30), 1024 * 1024))
                .isInstanceOf(BoundedHttp.TooLarge.class).hasMessageContaining("larger than 1 MiB");
    }

    @Test
    void a_declared_length_over_the_cap_is_refused_before_the_body() {
        assertThatThrownBy(() -> BoundedHttp.send(http, get("/declared"), Duration.ofSeconds(30), BoundedHttp.MAX_BODY))
                .isInstanceOf(BoundedHttp.TooLarge.class).hasMessageContaining("larger than 16 MiB");
    }

    @Test
    void milvus_sending_a_slow_body_is_a_timeout_of_the_request_not_a_hang() {
        MilvusRestClient client = new MilvusRestClient(MilvusEndpoint.of(URI.create("http://127.0.0.1:" + server.getAddress().getPort())),
                1, Duration.ofSeconds(1));
        long t0 = System.nanoTime();

        assertThatThrownBy(client::snapshot).isInstanceOf(MilvusData.Unreachable.class)
                .hasMessageContaining("did not answer").hasMessageContaining("client timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    }
}

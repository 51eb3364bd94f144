package dev.milvusupgrade.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CVE-2026-15075 (Vert.x forwarding Authorization across cross-origin redirects) against the client the commands use:
 * fabric8 7.5.2 on Vert.x, built the way ClientProducer builds it. fabric8 asks to follow redirects
 * ({@code HttpClientUtils.applyCommonConfiguration} calls {@code followAllRedirects()}), but its Vert.x builder puts the
 * flag on {@code WebClientOptions}, which the core {@code HttpClient} it creates never reads, and its requests do not set
 * {@code RequestOptions.setFollowRedirects}: a redirect from the API server is an error, never a request elsewhere. This
 * test keeps that true across upgrades of fabric8 or Vert.x.
 */
class ApiServerRedirectTest {

    private static final String TOKEN = "s3cr3t-service-account-token";
    private static final String CONFIGMAP = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
            + "\"metadata\":{\"name\":\"x\",\"namespace\":\"ns\"}}";

    private final List<String> elsewhere = Collections.synchronizedList(new ArrayList<>());
    private HttpServer apiServer;
    private HttpServer other;

    @AfterEach
    void stop() {
        if (apiServer != null) {
            apiServer.stop(0);
        }
        if (other != null) {
            other.stop(0);
        }
    }

    private static void answer(HttpExchange e, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        e.getResponseHeaders().add("Content-Type", "application/json");
        e.sendResponseHeaders(code, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            e.getResponseBody().write(b);
        }
        e.close();
    }

    /** The API server answers every request with {@code status} and a Location on another origin (another port). */
    private KubernetesClient redirectingTo(int status) throws IOException {
        other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        other.createContext("/", e -> {
            elsewhere.add(e.getRequestMethod() + " " + e.getRequestURI() + " Authorization="
                    + e.getRequestHeaders().getFirst("Authorization"));
            answer(e, 200, CONFIGMAP);
        });
        other.start();
        String target = "http://127.0.0.1:" + other.getAddress().getPort();
        apiServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        apiServer.createContext("/", e -> {
            e.getResponseHeaders().add("Location", target + e.getRequestURI());
            answer(e, status, "");
        });
        apiServer.start();
        return RetryAfter.apply(new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:"
                + apiServer.getAddress().getPort()).withOauthToken(TOKEN).withRequestRetryBackoffLimit(0).build())).build();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {301, 302, 307, 308})
    void a_redirect_to_another_origin_is_an_error_and_the_token_goes_nowhere_else(int status) throws IOException {
        try (KubernetesClient client = redirectingTo(status)) {
            assertThat(client.getHttpClient().getClass().getName()).as("the client the commands use").contains("Vertx");

            assertThatThrownBy(() -> client.configMaps().inNamespace("ns").withName("x").get())
                    .isInstanceOf(KubernetesClientException.class);
            assertThatThrownBy(() -> client.configMaps().inNamespace("ns").withName("x").edit(c -> c))
                    .isInstanceOf(KubernetesClientException.class);

            assertThat(elsewhere).as("requests that reached the other origin").isEmpty();
        }
    }

    @Test
    void the_other_origin_would_see_the_token_if_a_request_reached_it() throws IOException {
        // The control: the recording server does record a request sent to it with the token.
        try (KubernetesClient client = redirectingTo(302);
                KubernetesClient direct = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:"
                        + other.getAddress().getPort()).withOauthToken(TOKEN).withRequestRetryBackoffLimit(0).build()).build()) {
            assertThat(direct.configMaps().inNamespace("ns").withName("x").get().getMetadata().getName()).isEqualTo("x");

            assertThat(elsewhere).singleElement().asString().contains("Authorization=Bearer " + TOKEN);
        }
    }
}

package dev.milvusupgrade.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How long a failed answer is held before fabric8 retries it: what the server asked, within the cap. */
class RetryAfterTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    private static String httpDate(Instant at) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(at.atZone(ZoneOffset.UTC));
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("429 with seconds", 429, "1", 10_000, 1_000L),
                Arguments.of("503 with seconds", 503, "2", 10_000, 2_000L),
                Arguments.of("500 with seconds", 500, " 3 ", 10_000, 3_000L),
                Arguments.of("429 with an HTTP date 3 s ahead", 429, httpDate(NOW.plusSeconds(3)), 10_000, 3_000L),
                Arguments.of("429 with an HTTP date in the past", 429, httpDate(NOW.minusSeconds(3)), 10_000, 0L),
                Arguments.of("more than the cap", 429, "120", 10_000, 5_000L),
                Arguments.of("more seconds than a long holds", 429, "99999999999999999999", 10_000, 5_000L),
                Arguments.of("a request timeout below the cap", 429, "4", 2_000, 2_000L),
                Arguments.of("no request timeout", 429, "4", 0, 4_000L),
                Arguments.of("no request timeout known", 429, "4", null, 4_000L),
                Arguments.of("no Retry-After", 429, null, 10_000, 0L),
                Arguments.of("a negative number", 429, "-1", 10_000, 0L),
                Arguments.of("garbage", 429, "soon", 10_000, 0L),
                Arguments.of("409 is not retried by fabric8", 409, "1", 10_000, 0L),
                Arguments.of("404 is not retried by fabric8", 404, "1", 10_000, 0L));
    }

    @ParameterizedTest(name = "{0} -> {4} ms")
    @MethodSource("cases")
    void waits_what_the_server_asked_within_the_cap(String name, int code, String retryAfter, Integer timeout, long millis) {
        assertThat(RetryAfter.waitMillis(code, retryAfter, timeout, NOW)).isEqualTo(millis);
    }

    @Test
    void does_not_hold_an_answer_fabric8_will_not_retry_anyway() {
        RequestConfig noRetries = requestConfig(0);

        CompletableFuture<Boolean> held = new RetryAfter().afterFailure((BasicBuilder) null,
                response(429, "3"), new Tags(noRetries));

        assertThat(held).isCompletedWithValue(false);
    }

    @Test
    void never_asks_for_a_request_of_its_own() {
        RequestConfig retries = requestConfig(10);

        CompletableFuture<Boolean> held = new RetryAfter().afterFailure((BasicBuilder) null,
                response(429, "1"), new Tags(retries));

        assertThat(held.orTimeout(30, TimeUnit.SECONDS).join()).isFalse();
    }

    private static RequestConfig requestConfig(int retries) {
        return new ConfigBuilder(Config.empty()).withRequestRetryBackoffLimit(retries).withRequestTimeout(10_000).build()
                .getRequestConfig();
    }

    private record Tags(RequestConfig config) implements Interceptor.RequestTags {
        @Override
        public <T> T getTag(Class<T> type) {
            return type.isInstance(config) ? type.cast(config) : null;
        }
    }

    private static HttpResponse<Void> response(int code, String retryAfter) {
        return new HttpResponse<>() {
            @Override
            public int code() {
                return code;
            }

            @Override
            public Void body() {
                return null;
            }

            @Override
            public HttpRequest request() {
                return null;
            }

            @Override
            public Optional<HttpResponse<?>> previousResponse() {
                return Optional.empty();
            }

            @Override
            public List<String> headers(String key) {
                return "Retry-After".equalsIgnoreCase(key) ? List.of(retryAfter) : List.of();
            }

            @Override
            public Map<String, List<String>> headers() {
                return Map.of("Retry-After", List.of(retryAfter));
            }
        };
    }
}

package dev.milvusupgrade.k8s;

import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Makes the client wait as long as a throttled answer's {@code Retry-After} asks before fabric8
 * sends the request again.
 *
 * <p>fabric8 7.5.2 retries 429 and 5xx answers and works out the Retry-After wait
 * ({@code StandardHttpClient.shouldRetry}), but {@code AsyncUtils.retryWithExponentialBackoff}
 * then schedules the retry after the plain backoff (100 ms, 200 ms, ...) and drops that value. This
 * interceptor holds such an answer for the Retry-After time before handing it back; fabric8's
 * backoff comes on top, so the retry goes out no sooner than the server asked.
 *
 * <p>The wait is capped at {@link #MAX_WAIT}, and at the request timeout when that is shorter:
 * fabric8 gives each attempt the request timeout plus at most 5 s before it fails the attempt with a
 * TimeoutException that it does not retry, and the wait counts against that attempt.
 */
public final class RetryAfter implements Interceptor {

    /** The longest the client waits on one answer; fabric8's per-attempt allowance beyond the request timeout. */
    public static final Duration MAX_WAIT = Duration.ofSeconds(5);

    static final String NAME = "milvus-upgrade-retry-after";

    /** Registers the interceptor on the HTTP client the builder makes; returns the builder. */
    public static KubernetesClientBuilder apply(KubernetesClientBuilder builder) {
        return builder.withHttpClientBuilderConsumer(http -> http.addOrReplaceInterceptor(NAME, new RetryAfter()));
    }

    @Override
    public CompletableFuture<Boolean> afterFailure(BasicBuilder builder, HttpResponse<?> response, RequestTags tags) {
        if (response == null) {
            return CompletableFuture.completedFuture(false);
        }
        RequestConfig config = tags == null ? null : tags.getTag(RequestConfig.class);
        if (config != null && config.getRequestRetryBackoffLimit() != null && config.getRequestRetryBackoffLimit() == 0) {
            // fabric8 does not retry at all: waiting would only delay the error.
            return CompletableFuture.completedFuture(false);
        }
        Integer timeout = config == null ? null : config.getRequestTimeout();
        long millis = waitMillis(response.code(), response.header("Retry-After"), timeout, Instant.now());
        if (millis <= 0) {
            return CompletableFuture.completedFuture(false);
        }
        // false: no new request from here; fabric8's own retry sends it once this completes.
        return CompletableFuture.supplyAsync(() -> false, CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS));
    }

    /**
     * How long to hold an answer: its Retry-After (seconds or an HTTP date) when fabric8 will retry
     * it (429 or 5xx), capped at {@link #MAX_WAIT} and at a positive request timeout; otherwise 0.
     */
    static long waitMillis(int code, String retryAfter, Integer requestTimeoutMillis, Instant now) {
        if ((code != 429 && code < 500) || retryAfter == null) {
            return 0;
        }
        long asked = parse(retryAfter.trim(), now);
        long cap = MAX_WAIT.toMillis();
        if (requestTimeoutMillis != null && requestTimeoutMillis > 0) {
            cap = Math.min(cap, requestTimeoutMillis);
        }
        return Math.max(0, Math.min(asked, cap));
    }

    private static long parse(String value, Instant now) {
        if (!value.isEmpty() && value.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            try {
                return Math.multiplyExact(Long.parseLong(value), 1000L);
            } catch (NumberFormatException | ArithmeticException e) {
                return Long.MAX_VALUE; // more seconds than a long holds: as long as the cap allows
            }
        }
        try {
            return Duration.between(now, ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()).toMillis();
        } catch (DateTimeParseException | ArithmeticException e) {
            return 0;
        }
    }
}

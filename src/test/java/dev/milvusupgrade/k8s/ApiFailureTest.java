package dev.milvusupgrade.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.ApiFailure.Kind;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The status codes the run layer never sees: each answer as the kind it decides on. */
class ApiFailureTest {

    @ParameterizedTest(name = "{0} -> {1}, temporary {2}")
    @CsvSource({"0, Unavailable, true", "-1, Unavailable, true", "401, Unauthorized, false", "403, Forbidden, false",
        "404, NotFound, false", "409, Conflict, true", "422, Other, false", "400, Other, false", "429, Unavailable, true",
        "500, Unavailable, true", "503, Unavailable, true"})
    void each_answer_is_one_kind(int code, Kind kind, boolean temporary) {
        ApiFailure f = ApiFailure.of(new KubernetesClientException("x", code, null)).orElseThrow();
        assertThat(f.kind()).isEqualTo(kind);
        assertThat(f.temporary()).isEqualTo(temporary);
    }

    @Test
    void the_api_failure_is_found_among_the_causes_and_kept_to_rethrow() {
        RuntimeException wrapped = new IllegalStateException(new KubernetesClientException("forbidden", 403, null));
        ApiFailure f = ApiFailure.of(wrapped).orElseThrow();
        assertThat(f.kind()).isEqualTo(Kind.Forbidden);
        assertThat(f.status()).isEqualTo("403 Forbidden");
        assertThat(f.cause()).isSameAs(wrapped);
        assertThat(ApiFailure.of(new IllegalStateException(new IOException("reset")))).isEqualTo(Optional.empty());
    }
}

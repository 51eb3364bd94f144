package dev.milvusupgrade.k8s;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;

/**
 * What the API server answered when it refused a request, as a value: the HTTP code (0 when no answer came) and what
 * it said. The run loop decides on it without knowing the client library's exceptions.
 */
public record ApiError(int code, String said) {

    /** The API server's refusal that {@code e} carries; empty when {@code e} is not one. */
    public static Optional<ApiError> of(Throwable e) {
        if (!(e instanceof KubernetesClientException k)) {
            return Optional.empty();
        }
        String said = Optional.ofNullable(k.getStatus()).map(st -> st.getMessage()).filter(m -> m != null && !m.isBlank())
                .orElse(k.getMessage());
        return Optional.of(new ApiError(k.getCode(), said == null ? "" : said));
    }

    public boolean forbidden() {
        return code == 403;
    }
}

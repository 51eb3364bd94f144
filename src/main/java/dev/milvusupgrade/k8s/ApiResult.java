package dev.milvusupgrade.k8s;

import java.util.function.Supplier;

/** The answer to one request through {@link Kube}: the value, or the API failure that stands in its place. */
public sealed interface ApiResult<T> {

    record Done<T>(T value) implements ApiResult<T> {
    }

    record Refused<T>(ApiFailure failure) implements ApiResult<T> {
    }

    /** Runs {@code request}; an API failure becomes {@link Refused}, anything else passes through. */
    static <T> ApiResult<T> of(Supplier<T> request) {
        try {
            return new Done<>(request.get());
        } catch (RuntimeException e) {
            return new Refused<>(ApiFailure.of(e).orElseThrow(() -> e));
        }
    }
}

package dev.milvusupgrade.k8s;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;

/**
 * What the API server answered to a request that failed, as a kind the run layer decides on: the HTTP status codes
 * are read here and nowhere above {@code k8s/}.
 *
 * @param kind what the answer means for the run
 * @param code the HTTP status, for messages only (0 when no answer came)
 * @param cause the failure as the client raised it, to rethrow where the caller has no rule for the kind
 */
public record ApiFailure(Kind kind, int code, RuntimeException cause) {

    /** The answers a run tells apart. */
    public enum Kind {
        /** 409: someone else wrote first (a resourceVersion guard, a Lease taken at the same moment). */
        Conflict,
        /** 404. */
        NotFound,
        /** 403: RBAC does not allow the request. */
        Forbidden,
        /** 401: the credentials are not accepted. */
        Unauthorized,
        /** No answer, 429 or 5xx: a later attempt may succeed. */
        Unavailable,
        /** Any other answer (400, 422: an admission webhook's refusal, a request the server finds invalid). */
        Other
    }

    /** The API failure in {@code t} or its causes (the first one), if there is one. */
    public static Optional<ApiFailure> of(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof KubernetesClientException k) {
                return Optional.of(new ApiFailure(kind(k.getCode()), Math.max(0, k.getCode()), t instanceof RuntimeException r ? r : k));
            }
        }
        return Optional.empty();
    }

    static Kind kind(int code) {
        if (code <= 0 || code == 429 || code >= 500) {
            return Kind.Unavailable; // no code: the request never got an answer (a connection the HTTP client closed, say)
        }
        return switch (code) {
            case 409 -> Kind.Conflict;
            case 404 -> Kind.NotFound;
            case 403 -> Kind.Forbidden;
            case 401 -> Kind.Unauthorized;
            default -> Kind.Other;
        };
    }

    /** Whether a retry may succeed where this failed: a conflict, or no answer, 429 or 5xx. */
    public boolean temporary() {
        return kind == Kind.Conflict || kind == Kind.Unavailable;
    }

    public boolean is(Kind k) {
        return kind == k;
    }

    /** For a message: {@code 403 Forbidden}, or {@code no answer}. */
    public String status() {
        return code == 0 ? "no answer" : code + " " + kind;
    }
}

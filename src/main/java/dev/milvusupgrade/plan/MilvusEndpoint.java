package dev.milvusupgrade.plan;

import java.net.URI;
import java.util.Optional;

/**
 * Where and how to reach Milvus's RESTful API.
 *
 * @param uri scheme, host and port, e.g. {@code http://my-release-milvus.milvus:19530}
 * @param token a token or API key ({@code Authorization: Bearer <token>}), when authentication is on
 * @param username with {@code password}, the alternative to a token
 * @param password the user's password
 * @param caCertificate a PEM CA certificate to trust for {@code https}, in addition to the JVM's
 */
public record MilvusEndpoint(URI uri, Optional<String> token, Optional<String> username, Optional<String> password,
        Optional<String> caCertificate) {

    public static MilvusEndpoint of(URI uri) {
        return new MilvusEndpoint(uri, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    @Override
    public String toString() {
        // Never the credentials, nor the user's name: this ends up in logs, records and Events.
        return uri + (token.isPresent() ? " (token)" : username.isPresent() ? " (user and password)" : "");
    }
}

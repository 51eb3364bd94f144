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
 * @param caCertificate a PEM CA certificate to trust for {@code https}: the only one, unless {@code trustPublicCas}
 * @param trustPublicCas with {@code caCertificate}, trust the JVM's CAs beside it
 * @param secret the Secret the credentials came from ({@code namespace/name}), for messages that say what to fix
 */
public record MilvusEndpoint(URI uri, Optional<String> token, Optional<String> username, Optional<String> password,
        Optional<String> caCertificate, boolean trustPublicCas, Optional<String> secret) {

    /** A given CA pinned; no Secret named. */
    public MilvusEndpoint(URI uri, Optional<String> token, Optional<String> username, Optional<String> password,
            Optional<String> caCertificate) {
        this(uri, token, username, password, caCertificate, false, Optional.empty());
    }

    public static MilvusEndpoint of(URI uri) {
        return new MilvusEndpoint(uri, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Whether requests carry a token or a user and password. */
    public boolean hasCredentials() {
        return token.isPresent() || username.isPresent();
    }

    @Override
    public String toString() {
        // Never the credentials, nor the user's name: this ends up in logs, records and Events.
        return uri + (token.isPresent() ? " (token)" : username.isPresent() ? " (user and password)" : "");
    }
}

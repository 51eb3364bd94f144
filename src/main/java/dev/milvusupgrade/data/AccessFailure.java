package dev.milvusupgrade.data;

import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.plan.CredentialRule;
import dev.milvusupgrade.plan.Intent;

/**
 * Milvus was reached, but this tool's access to it is wrong: the credentials were refused (HTTP 401) or TLS could not be
 * trusted (no trusted CA signed the certificate, or it does not name the host). Waiting or a network path does not help;
 * {@link #fix()} says what to change, in the Secret, the intent or the Job's settings. Never names the user.
 */
public final class AccessFailure extends MilvusData.Unreachable {
    private static final long serialVersionUID = 1L;

    private final String fix;

    private AccessFailure(String message, String fix, Throwable cause) {
        super(message, cause);
        this.fix = fix;
    }

    /** What to change. */
    public String fix() {
        return fix;
    }

    /** HTTP 401 from Milvus; {@code answer} is what it said (code and message), already bounded. */
    static AccessFailure credentialsRefused(MilvusEndpoint endpoint, String answer) {
        if (!endpoint.hasCredentials()) {
            return new AccessFailure("Milvus requires authentication (HTTP 401" + answer + ") at " + endpoint + " and the intent names no"
                    + " credentials", "create a Secret with key token, or username and password, in the Milvus namespace and name it in"
                    + " intent key " + Intent.MILVUS_AUTH_SECRET, null);
        }
        String secret = endpoint.secret().map(s -> " of Secret " + s).orElse("");
        String where = endpoint.secret().map(s -> "Secret " + s).orElse("the Secret");
        return new AccessFailure("Milvus refused the credentials" + secret + " (HTTP 401" + answer + ") at " + endpoint
                + ": authentication failed", "put a valid token, or the username and password of an existing Milvus user, in " + where
                + " (intent key " + Intent.MILVUS_AUTH_SECRET + ")", null);
    }

    /** A certificate no trusted CA signed. */
    static AccessFailure untrusted(MilvusEndpoint endpoint, PinnedTrust.Untrusted e) {
        String where = endpoint.secret().map(s -> "ca.crt of Secret " + s).orElse("ca.crt of a Secret named by intent key "
                + Intent.MILVUS_AUTH_SECRET);
        String fix = "put the CA that signed Milvus's certificate in " + where;
        if (endpoint.caCertificate().isPresent() && !endpoint.trustPublicCas()) {
            fix += ", or, if a public CA signed it, set the Job's setting " + CredentialRule.PUBLIC_CAS_SETTING + " to true";
        }
        return new AccessFailure("TLS with Milvus at " + endpoint + " failed, an untrusted CA: " + e.getMessage(), fix, e);
    }

    /** A trusted certificate that names other hosts than the one connected to. */
    static AccessFailure hostMismatch(MilvusEndpoint endpoint, PinnedTrust.HostMismatch e) {
        return new AccessFailure("TLS with Milvus at " + endpoint + " failed: " + e.getMessage(), "write intent key "
                + Intent.MILVUS_ENDPOINT + " with a host the certificate names, or reissue Milvus's certificate for this host", e);
    }
}

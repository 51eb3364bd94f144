package dev.milvusupgrade.k8s;

import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.plan.CredentialRule;
import dev.milvusupgrade.plan.Rejection;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach Milvus's RESTful API: the address, and the credentials of the intent's
 * {@code milvusAuthSecret} (keys {@code token}, or {@code username} and {@code password}, and
 * optionally {@code ca.crt}). The default install may not read Secrets; the optional overlay
 * {@code k8s/optional/milvus-auth-secret-reader} grants {@code get} on that one Secret by name. Where the
 * credentials may go is the Job's {@link CredentialRule}.
 */
public final class MilvusAccess {

    public static final String TOKEN = "token";
    public static final String USERNAME = "username";
    public static final String PASSWORD = "password";
    public static final String CA = "ca.crt";

    private MilvusAccess() {
    }

    /**
     * The endpoint of Milvus {@code milvus} in {@code namespace} at {@code uri} with the Secret's credentials, or why they may
     * not be used there ({@link CredentialRule}): decided before any request carries them.
     */
    public static Checked<MilvusEndpoint> endpoint(KubernetesClient client, URI uri, String namespace, String milvus,
            Optional<String> secretName, CredentialRule rule) {
        if (secretName.isEmpty()) {
            return Checked.ok(MilvusEndpoint.of(uri));
        }
        String name = secretName.get();
        Secret secret;
        try {
            secret = client.secrets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                return Checked.refused("this tool may not read Secret " + namespace + "/" + name + " (403 Forbidden)",
                        "apply k8s/optional/milvus-auth-secret-reader with that Secret's name, or set dataCheck: off");
            }
            throw e;
        }
        if (secret == null) {
            return Checked.refused("Secret " + namespace + "/" + name + " (milvusAuthSecret) not found",
                    "create it with key token, or username and password, in the Milvus namespace");
        }
        Map<String, String> data = Optional.ofNullable(secret.getData()).orElse(Map.of());
        Optional<String> token = value(data, TOKEN);
        Optional<String> user = value(data, USERNAME);
        Optional<String> password = value(data, PASSWORD);
        if (token.isEmpty() && (user.isEmpty() || password.isEmpty())) {
            return Checked.refused("Secret " + namespace + "/" + name + " has neither a key token nor both username and password",
                    "add token, or username and password, to the Secret");
        }
        Optional<String> ca = value(data, CA);
        Optional<Rejection> refused = rule.check(uri, milvus, namespace, namespace + "/" + name, true, ca.isPresent());
        if (refused.isPresent()) {
            return new Checked.Refused<>(refused.get());
        }
        return Checked.ok(new MilvusEndpoint(uri, token, token.isPresent() ? Optional.empty() : user,
                token.isPresent() ? Optional.empty() : password, ca, rule.trustPublicCas(), Optional.of(namespace + "/" + name)));
    }

    private static Optional<String> value(Map<String, String> data, String key) {
        return Optional.ofNullable(data.get(key)).map(v -> new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8).strip())
                .filter(v -> !v.isEmpty());
    }
}

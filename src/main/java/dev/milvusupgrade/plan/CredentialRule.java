package dev.milvusupgrade.plan;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where the Job may send the credentials of an intent's {@code milvusAuthSecret}, and which CAs it trusts for {@code https}:
 * the Job's own settings decide, not whoever may edit the intent. Over plain {@code http} credentials go only to the
 * Milvus instance's own Service ({@code <milvus>-milvus.<namespace>}, also with {@code .svc} and {@code .svc.cluster.local}),
 * where the Job already trusts the cluster network, or to a host the setting {@link #PLAIN_HTTP_SETTING} lists; to any
 * other host only over {@code https}. A {@code ca.crt} with an {@code http} endpoint would be silently unused: refused.
 *
 * @param plainHttpHosts host names (as in the endpoint's URI, compared without case) credentials may reach over plain http
 *     besides the Service
 * @param trustPublicCas with a {@code ca.crt}, trust the JVM's public CAs beside it; false: the given CA only (pinned)
 */
public record CredentialRule(List<String> plainHttpHosts, boolean trustPublicCas) {

    /** The setting and its environment variable, as a refusal names them. */
    public static final String PLAIN_HTTP_SETTING = "milvus-upgrade.plain-http-hosts (env MILVUS_UPGRADE_PLAIN_HTTP_HOSTS)";

    /** The setting and its environment variable for trusting public CAs beside a private one. */
    public static final String PUBLIC_CAS_SETTING = "milvus-upgrade.trust-public-cas (env MILVUS_UPGRADE_TRUST_PUBLIC_CAS)";

    private static final int MAX_SHOWN = 253;

    public CredentialRule {
        plainHttpHosts = plainHttpHosts.stream().map(h -> stripDot(h.strip().toLowerCase(Locale.ROOT))).filter(h -> !h.isEmpty()).toList();
    }

    /** Plain http only to the Service; a given CA pinned. */
    public static CredentialRule defaults() {
        return new CredentialRule(List.of(), false);
    }

    /** From the setting's text: a comma-separated list; blanks and spaces ignored. */
    public static CredentialRule parse(String plainHttpHosts, boolean trustPublicCas) {
        return new CredentialRule(Arrays.asList(plainHttpHosts == null ? new String[0] : plainHttpHosts.split(",")), trustPublicCas);
    }

    /** The host names of the Service of Milvus {@code milvus} in {@code namespace}, as the cluster's DNS answers them. */
    public static List<String> serviceHosts(String milvus, String namespace) {
        String base = (milvus + "-milvus." + namespace).toLowerCase(Locale.ROOT);
        return List.of(base, base + ".svc", base + ".svc.cluster.local");
    }

    /**
     * Why the Job may not use {@code endpoint} with what the Secret holds, if it may not; decided before any request.
     *
     * @param endpoint where Milvus's RESTful API is (the intent's milvusEndpoint, or the Service)
     * @param milvus the Milvus resource's name
     * @param namespace its namespace
     * @param secret the Secret the credentials come from, as {@code namespace/name}
     * @param credentials whether the Secret holds a token or a user and password
     * @param ca whether the Secret holds a {@code ca.crt}
     */
    public Optional<Rejection> check(URI endpoint, String milvus, String namespace, String secret, boolean credentials, boolean ca) {
        boolean plain = "http".equalsIgnoreCase(endpoint.getScheme());
        String host = Optional.ofNullable(endpoint.getHost()).orElse("").toLowerCase(Locale.ROOT);
        String shown = Text.visibleControls(host.length() > MAX_SHOWN ? host.substring(0, MAX_SHOWN) + "…" : host);
        if (plain && ca) {
            return Optional.of(Rejection.of("Secret " + secret + " holds a ca.crt, but the Milvus endpoint " + shown + " is plain http:"
                    + " the CA would not be used", "write intent key " + Intent.MILVUS_ENDPOINT + " with https:// if Milvus serves TLS,"
                    + " or remove ca.crt from the Secret"));
        }
        if (!plain || !credentials || serviceHosts(milvus, namespace).contains(stripDot(host)) || plainHttpHosts.contains(stripDot(host))) {
            return Optional.empty();
        }
        return Optional.of(Rejection.of("the credentials of Secret " + secret + " would go over plain http to " + shown
                + ", which is neither the Service of Milvus " + namespace + "/" + milvus + " nor a host this Job allows",
                "write intent key " + Intent.MILVUS_ENDPOINT + " with https://, or add " + shown + " to the Job's setting "
                + PLAIN_HTTP_SETTING + " in its manifest"));
    }

    private static String stripDot(String host) {
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }
}

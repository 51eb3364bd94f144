package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Where Milvus credentials may go: plain http only to the instance's Service or a host the Job's setting lists. */
class CredentialRuleTest {

    private static final CredentialRule DEFAULTS = CredentialRule.defaults();
    private static final CredentialRule LAB = CredentialRule.parse(" Milvus.Lab.Internal , ,10.0.0.7.", false);

    private static Optional<Rejection> check(CredentialRule rule, String uri, boolean credentials, boolean ca) {
        return rule.check(URI.create(uri), "my-release", "milvus", "milvus/milvus-auth", credentials, ca);
    }

    @ParameterizedTest(name = "{0} with credentials={1}, ca.crt={2}: allowed")
    @CsvSource({
        "http://my-release-milvus.milvus:19530, true, false",
        "http://my-release-milvus.milvus.svc:19530, true, false",
        "http://my-release-milvus.milvus.svc.cluster.local:19530, true, false",
        "http://My-Release-Milvus.MILVUS.svc.cluster.local.:19530, true, false",
        "http://my-release-milvus.milvus:8080, true, false",
        "https://milvus.example.com:19530, true, false",
        "https://milvus.example.com:19530, true, true",
        "https://my-release-milvus.milvus:19530, true, true",
        "http://milvus.example.com:19530, false, false",
    })
    void allowed_by_default(String uri, boolean credentials, boolean ca) {
        assertThat(check(DEFAULTS, uri, credentials, ca)).isEmpty();
    }

    @ParameterizedTest(name = "{0}: refused")
    @CsvSource({
        "http://milvus.example.com:19530",
        "http://other-milvus.milvus:19530",
        "http://my-release-milvus.other:19530",
        "http://my-release-milvus:19530",
        "http://my-release-milvus.milvus.svc.evil.example:19530",
        "http://10.0.0.8:19530",
        "HTTP://milvus.lab.internal.evil:19530",
    })
    void credentials_over_plain_http_elsewhere_are_refused_naming_the_setting(String uri) {
        assertThat(check(DEFAULTS, uri, true, false)).get().extracting(Rejection::message).asString()
                .contains("would go over plain http to").contains("MILVUS_UPGRADE_PLAIN_HTTP_HOSTS");
        assertThat(check(LAB, uri, true, false)).isPresent();
    }

    @ParameterizedTest(name = "{0}: allowed by the setting")
    @CsvSource({"http://milvus.lab.internal:19530", "http://MILVUS.LAB.INTERNAL.:19530", "http://10.0.0.7:19530"})
    void hosts_the_setting_lists_may_get_credentials_over_plain_http(String uri) {
        assertThat(check(LAB, uri, true, false)).isEmpty();
        assertThat(check(DEFAULTS, uri, true, false)).isPresent();
    }

    @Test
    void the_refusal_is_one_line_with_the_host_the_secret_and_the_fix() {
        assertThat(check(DEFAULTS, "http://milvus.example.com:19530", true, false)).contains(new Rejection("the credentials of"
                + " Secret milvus/milvus-auth would go over plain http to milvus.example.com, which is neither the Service of Milvus"
                + " milvus/my-release nor a host this Job allows; fix: write intent key milvusEndpoint with https://, or add"
                + " milvus.example.com to the Job's setting milvus-upgrade.plain-http-hosts (env MILVUS_UPGRADE_PLAIN_HTTP_HOSTS) in its"
                + " manifest"));
    }

    @ParameterizedTest(name = "{0}: ca.crt refused")
    @CsvSource({"http://my-release-milvus.milvus:19530", "http://milvus.lab.internal:19530"})
    void a_ca_certificate_with_plain_http_is_refused_even_where_credentials_may_go(String uri) {
        assertThat(check(LAB, uri, true, true)).get().extracting(Rejection::message).asString()
                .startsWith("Secret milvus/milvus-auth holds a ca.crt, but the Milvus endpoint ")
                .endsWith("is plain http: the CA would not be used; fix: write intent key milvusEndpoint with https:// if Milvus"
                        + " serves TLS, or remove ca.crt from the Secret");
    }

    @Test
    void a_hostile_host_is_shown_bounded_and_without_control_characters() {
        String host = "a".repeat(300) + ".example.com";
        Rejection r = check(DEFAULTS, "http://" + host + ":19530", true, false).orElseThrow();
        assertThat(r.message()).doesNotContain(host).contains("a".repeat(253) + "…");
    }

    @Test
    void the_setting_is_read_as_a_comma_separated_list_without_blanks_case_or_trailing_dots() {
        assertThat(LAB.plainHttpHosts()).containsExactly("milvus.lab.internal", "10.0.0.7");
        assertThat(CredentialRule.parse(null, true)).isEqualTo(new CredentialRule(List.of(), true));
        assertThat(CredentialRule.serviceHosts("My-Release", "milvus")).containsExactly("my-release-milvus.milvus",
                "my-release-milvus.milvus.svc", "my-release-milvus.milvus.svc.cluster.local");
    }
}

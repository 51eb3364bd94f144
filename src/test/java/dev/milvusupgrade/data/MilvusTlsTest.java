package dev.milvusupgrade.data;

import dev.milvusupgrade.plan.MilvusEndpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.milvusupgrade.testing.TestCa;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * TLS with Milvus against a local HTTPS server whose certificates the test makes: the CA in ca.crt is the only one trusted
 * (pinned) unless the Job's setting asks for the public ones beside it, and a failure says whether the CA or the host name
 * was wrong.
 */
class MilvusTlsTest {

    private static final TestCa CA = new TestCa("milvus-upgrade test CA");
    private static final TestCa OTHER = new TestCa("some other CA");

    private static MilvusEndpoint withCa(URI uri, String pem) {
        return new MilvusEndpoint(uri, Optional.of("t0ken"), Optional.empty(), Optional.empty(), Optional.of(pem), false,
                Optional.of("milvus/milvus-auth"));
    }

    private static MilvusRestClient client(MilvusEndpoint e) {
        return new MilvusRestClient(e, 1, Duration.ofSeconds(10));
    }

    @Test
    void a_certificate_the_pinned_ca_signed_for_the_host_is_trusted() {
        try (TestCa.Server server = new TestCa.Server(CA.serverContext("ip:127.0.0.1"))) {
            assertThat(client(withCa(server.uri(), CA.pem())).snapshot().databases()).isEmpty();
            assertThat(server.requests()).isEqualTo(1);
        }
    }

    @Test
    void a_certificate_for_another_host_is_reported_as_a_host_mismatch_not_a_ca_problem() {
        try (TestCa.Server server = new TestCa.Server(CA.serverContext("dns:milvus.example.com", "ip:10.0.0.7"))) {
            assertThatThrownBy(() -> client(withCa(server.uri(), CA.pem())).snapshot()).isInstanceOf(AccessFailure.class)
                    .hasMessage("TLS with Milvus at " + server.uri() + " (token) failed: the certificate does not name host 127.0.0.1"
                            + " (it names milvus.example.com, 10.0.0.7)")
                    .hasMessageNotContaining("CA")
                    .satisfies(e -> assertThat(((AccessFailure) e).fix()).contains("milvusEndpoint with a host the certificate names"));
            assertThat(server.requests()).as("nothing was sent over a connection to the wrong host").isZero();
        }
    }

    @Test
    void a_certificate_another_ca_signed_is_reported_as_an_untrusted_ca() {
        try (TestCa.Server server = new TestCa.Server(OTHER.serverContext("ip:127.0.0.1"))) {
            assertThatThrownBy(() -> client(withCa(server.uri(), CA.pem())).snapshot()).isInstanceOf(AccessFailure.class)
                    .hasMessage("TLS with Milvus at " + server.uri() + " (token) failed, an untrusted CA: its certificate"
                            + " (CN=simulated-milvus) is signed by neither the CA in ca.crt (the only one trusted)")
                    .hasMessageNotContaining("does not name host")
                    .satisfies(e -> assertThat(((AccessFailure) e).fix()).isEqualTo("put the CA that signed Milvus's certificate in"
                            + " ca.crt of Secret milvus/milvus-auth, or, if a public CA signed it, set the Job's setting"
                            + " milvus-upgrade.trust-public-cas (env MILVUS_UPGRADE_TRUST_PUBLIC_CAS) to true"));
            assertThat(server.requests()).isZero();
        }
    }

    @Test
    void without_a_ca_certificate_a_private_ca_is_untrusted_and_the_fix_names_ca_crt() {
        try (TestCa.Server server = new TestCa.Server(CA.serverContext("ip:127.0.0.1"))) {
            assertThatThrownBy(() -> client(MilvusEndpoint.of(server.uri())).snapshot()).isInstanceOf(AccessFailure.class)
                    .hasMessageContaining("an untrusted CA").hasMessageContaining("a CA this tool trusts")
                    .satisfies(e -> assertThat(((AccessFailure) e).fix())
                            .contains("ca.crt of a Secret named by intent key milvusAuthSecret"));
        }
    }

    /** The JVM's public CAs stand in as a store holding {@code CA}: a server it signed is refused when ca.crt names another. */
    @Test
    void a_given_ca_pins_public_cas_are_trusted_beside_it_only_when_asked() throws Exception {
        try (TestCa.Server server = new TestCa.Server(CA.serverContext("ip:127.0.0.1"))) {
            SSLContext pinned = PinnedTrust.sslContext(Optional.of(OTHER.pem()), false, CA.asTrustStore());
            assertThatThrownBy(() -> get(pinned, server.uri())).isInstanceOf(javax.net.ssl.SSLHandshakeException.class)
                    .hasStackTraceContaining("signed by neither the CA in ca.crt (the only one trusted)");
            assertThat(server.requests()).isZero();

            SSLContext both = PinnedTrust.sslContext(Optional.of(OTHER.pem()), true, CA.asTrustStore());
            assertThat(get(both, server.uri())).isEqualTo(200);
            assertThat(server.requests()).isEqualTo(1);

            SSLContext publicOnly = PinnedTrust.sslContext(Optional.empty(), false, CA.asTrustStore());
            assertThat(get(publicOnly, server.uri())).isEqualTo(200);
        }
    }

    private static int get(SSLContext context, URI uri) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}

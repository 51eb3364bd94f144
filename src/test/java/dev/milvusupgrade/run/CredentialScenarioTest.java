package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.CredentialRule;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.sim.SimulatedMilvusDataPlane;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 22 item 3: the credentials of milvusAuthSecret reach only where the Job's settings allow, and a refusal says what to fix. */
class CredentialScenarioTest {

    /** Runs and checks the run was refused with nothing changed, one line naming {@code fragment}; returns the message. */
    private static String rejectedUntouched(ScenarioCluster c) {
        String before = c.resourceVersion();
        Runner.Report report = c.run();
        assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(2);
        assertThat(report.record().phase()).isEqualTo(Phase.Rejected);
        assertThat(c.result().message()).contains("; fix: ").doesNotContain("\n");
        assertThat(c.resourceVersion()).isEqualTo(before);
        assertThat(c.ourMilvusPatches()).isEmpty();
        return c.result().message();
    }

    @Test
    void credentials_for_a_foreign_plain_http_host_are_refused_before_any_request_carries_them() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusDataPlane foreign = new SimulatedMilvusDataPlane()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.authSecret(Map.of("token", "s3cret-token"));
            c.intent(ScenarioCluster.intentWith("milvusEndpoint", foreign.uri().toString(), "milvusAuthSecret", "milvus-auth"));

            String message = rejectedUntouched(c);

            assertThat(message).contains("the credentials of Secret " + ScenarioCluster.NS + "/milvus-auth would go over plain http to"
                    + " 127.0.0.1")
                    .contains("MILVUS_UPGRADE_PLAIN_HTTP_HOSTS").doesNotContain("s3cret-token");
            assertThat(foreign.requests()).as("no request reached the foreign host").isZero();
            assertThat(foreign.lastHeader("Authorization")).isEmpty();
            assertThat(c.data.requests()).isZero();
        }
    }

    @Test
    void a_host_the_jobs_setting_lists_gets_the_credentials_over_plain_http() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusDataPlane lab = new SimulatedMilvusDataPlane()) {
            c.settings = c.settings.withPolicy(c.settings.policy().withCredentials(CredentialRule.parse("127.0.0.1", false)));
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            lab.requireToken("s3cret-token");
            c.authSecret(Map.of("token", "s3cret-token"));
            c.intent(ScenarioCluster.intentWith("milvusEndpoint", lab.uri().toString(), "milvusAuthSecret", "milvus-auth"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).as(report.record().message()).isZero();
            assertThat(lab.lastHeader("Authorization")).contains("Bearer s3cret-token");
        }
    }

    @Test
    void a_ca_certificate_with_the_plain_http_service_is_refused_instead_of_ignored() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.authSecret(Map.of("token", "t", "ca.crt", "-----BEGIN CERTIFICATE-----"));
            c.intent(ScenarioCluster.intentWith("milvusAuthSecret", "milvus-auth"));

            assertThat(rejectedUntouched(c)).startsWith("Secret " + ScenarioCluster.NS + "/milvus-auth holds a ca.crt, but the Milvus"
                    + " endpoint " + ScenarioCluster.RELEASE + "-milvus." + ScenarioCluster.NS + " is plain http");
            assertThat(c.data.requests()).isZero();
        }
    }

    @Test
    void refused_credentials_are_an_authentication_failure_naming_the_secret_not_a_network_problem() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.data.requireUser("upgrader", "pa:ss");
            c.authSecret(Map.of("username", "upgrader", "password", "wrong"));
            c.intent(ScenarioCluster.intentWith("milvusAuthSecret", "milvus-auth"));

            String message = rejectedUntouched(c);

            assertThat(message).contains("Milvus refused the credentials of Secret " + ScenarioCluster.NS + "/milvus-auth (HTTP 401")
                    .contains("authentication failed").contains("fix: put a valid token, or the username and password of an existing"
                            + " Milvus user, in Secret " + ScenarioCluster.NS + "/milvus-auth")
                    .doesNotContain("NetworkPolicy").doesNotContain("cannot be reached").doesNotContain("upgrader");
        }
    }
}

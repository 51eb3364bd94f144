package dev.milvusupgrade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainIntegrationTest;
import org.junit.jupiter.api.Test;

/**
 * The packaged application, as a user starts it: the runnable jar in {@code verify}. The native binary has no
 * {@code demo} and the native profile compiles no tests (README "Build the native binary").
 */
@QuarkusMainIntegrationTest
class PackagedDemoIT {

    @Test
    @Launch("demo")
    void the_packaged_demo_plans_two_stages_and_ends_in_succeeded(LaunchResult result) {
        assertThat(result.exitCode()).isZero();
        assertThat(result.getOutput())
                .contains("1. mixcoord-2.5.16  image milvusdb/milvus:v2.5.16")
                .contains("2. 2.6.4  image milvusdb/milvus:v2.6.4")
                .contains("annotation milvus-upgrade.dev/phase=Succeeded");
    }
}

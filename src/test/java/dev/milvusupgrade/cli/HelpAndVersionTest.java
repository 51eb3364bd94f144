package dev.milvusupgrade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every subcommand answers --help with its usage and --version with the tool's version, exit 0, no cluster needed. */
@QuarkusMainTest
class HelpAndVersionTest {

    @ParameterizedTest(name = "{0} --help names {1}")
    @CsvSource({"run, --intent", "plan, --intent", "status, --output", "demo, --target"})
    void help_prints_the_usage_and_exits_0(String subcommand, String option, QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch(subcommand, "--help");

        assertThat(result.exitCode()).as(result.getErrorOutput()).isZero();
        assertThat(result.getOutput()).contains("Usage: milvus-upgrade " + subcommand).contains(option).contains("--help")
                .contains("--version");
        assertThat(result.getErrorOutput()).doesNotContain("Unknown option");
    }

    @ParameterizedTest(name = "{0} --version")
    @CsvSource({"run", "plan", "status", "demo"})
    void version_prints_the_version_and_exits_0(String subcommand, QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch(subcommand, "--version");

        assertThat(result.exitCode()).as(result.getErrorOutput()).isZero();
        // The project's version from the build (quarkus.application.version), not VersionProvider's "dev" fallback.
        assertThat(result.getOutput().strip()).matches("milvus-upgrade \\d+\\.\\d+\\.\\d+\\S*");
    }
}

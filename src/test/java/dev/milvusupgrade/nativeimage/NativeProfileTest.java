package dev.milvusupgrade.nativeimage;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import dev.milvusupgrade.cli.DemoCommand;
import dev.milvusupgrade.cli.MilvusUpgradeCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/**
 * The native profile (pom.xml) compiles the product without the demo, the simulator and the mock server; this repository's
 * CI builds only the jar, so these checks keep that reduced set compilable from the normal suite.
 */
class NativeProfileTest {

    private static final JavaClasses MAIN = ProductClasses.MAIN;

    private static final Path NATIVE_TOP = Path.of("src/native/java/dev/milvusupgrade/cli/NativeUpgradeCommand.java");

    /** What the native binary must not contain, by package prefix. */
    private static final List<String> DEMO_ONLY = List.of("dev.milvusupgrade.sim.", "io.fabric8.mockwebserver.",
            "io.fabric8.kubernetes.client.server.mock.",
            "io.fabric8.kubernetes.api.model.gatewayapi.", "org.bouncycastle.");

    @Test
    void the_native_profile_leaves_out_the_simulator_the_demo_and_the_jars_top_command() {
        assertThat(NativeProfile.excludes()).containsExactlyInAnyOrder("dev/milvusupgrade/sim/**", "dev/milvusupgrade/cli/DemoCommand.java",
                "dev/milvusupgrade/cli/MilvusUpgradeCommand.java");
        assertThat(NativeProfile.sourceRoots()).containsExactly("${project.basedir}/src/main/java", "${project.basedir}/src/native/java");
        assertThat(MAIN.stream().filter(c -> c.getPackageName().equals("dev.milvusupgrade.sim")).map(JavaClass::getName))
                .as("the simulator's classes, which the native profile must leave out").isNotEmpty().allMatch(NativeProfile::excludes);
    }

    @Test
    void no_class_compiled_into_the_native_binary_depends_on_the_demo_the_simulator_or_the_mock_server() {
        Map<String, String> found = new TreeMap<>();
        MAIN.stream().filter(c -> !NativeProfile.excludes(c.getName())).forEach(c -> c.getDirectDependenciesFromSelf().forEach(d -> {
            String target = d.getTargetClass().getName();
            boolean demoOnly = DEMO_ONLY.stream().anyMatch(target::startsWith) || NativeProfile.excludes(target)
                    && target.startsWith("dev.milvusupgrade.");
            if (demoOnly) {
                found.put(c.getName() + " -> " + target, d.getDescription());
            }
        }));
        assertThat(found)
                .as("the native profile would not compile (or would pull the demo back in): keep these uses in sim/ or DemoCommand")
                .isEmpty();
    }

    @Test
    void the_native_top_command_has_the_jars_commands_except_demo() throws IOException {
        List<String> jar = Arrays.stream(MilvusUpgradeCommand.class.getAnnotation(Command.class).subcommands()).map(Class::getSimpleName)
                .filter(n -> !n.equals(DemoCommand.class.getSimpleName())).toList();
        String source = Files.readString(NATIVE_TOP);
        Matcher subcommands = Pattern.compile("subcommands\\s*=\\s*\\{([^}]*)}").matcher(source);
        assertThat(subcommands.find()).as("a subcommands list in " + NATIVE_TOP).isTrue();
        List<String> nativeCommands = Arrays.stream(subcommands.group(1).split(",")).map(s -> s.trim().replace(".class", "")).toList();
        assertThat(nativeCommands).as("subcommands of " + NATIVE_TOP).containsExactlyElementsOf(jar);
        assertThat(source).contains("@TopCommand", "name = TopCommandText.NAME", "description = TopCommandText.DESCRIPTION",
                "versionProvider = VersionProvider.class", "mixinStandardHelpOptions = true");
    }
}

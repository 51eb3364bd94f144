package dev.milvusupgrade.nativeimage;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The native binary must build: Quarkus initializes the application's classes at build time, so no product class may
 * keep in static state what the builder would freeze (see {@link BuildTimeState}). Issue 24: a
 * {@code static final SecureRandom} in MilvusRestClient stopped GraalVM's builder.
 */
class BuildTimeStateTest {

    private static final JavaClasses MAIN = ProductClasses.MAIN;

    /**
     * Product classes allowed findings because they are registered for run-time initialization (listed in
     * {@code --initialize-at-run-time} of {@code quarkus.native.additional-build-args} in application.properties), each
     * with why. None today: draw such state at call time or keep it in an instance field instead.
     */
    static final Map<String, String> RUN_TIME_INITIALIZED = Map.of();

    /**
     * Also exempt: the classes the native profile of pom.xml does not compile (the simulator and DemoCommand), which
     * are not in the binary; NativeProfileTest checks that nothing compiled into it depends on them. Today their
     * findings are the simulator's HTTP servers setting sun.net.httpserver.nodelay in a static initializer
     * (SimulatedMilvusBackup, SimulatedMilvusDataPlane).
     */
    private static boolean exempt(BuildTimeState.Finding f) {
        return RUN_TIME_INITIALIZED.containsKey(f.className()) || NativeProfile.excludes(f.className());
    }

    @Test
    void no_product_class_keeps_threads_randomness_handles_clock_or_environment_in_static_state() {
        List<BuildTimeState.Finding> found = BuildTimeState.findings(MAIN).stream().filter(f -> !exempt(f)).toList();
        assertThat(found)
                .as("static state a build-time initialization would freeze into the native image: draw it at call time or keep it in an"
                        + " instance field (or register the class for run-time initialization and add it, with why,"
                        + " to RUN_TIME_INITIALIZED)")
                .isEmpty();
    }

    @Test
    void every_run_time_initialized_class_is_registered_so_and_still_needs_it() throws IOException {
        Set<String> withFindings = BuildTimeState.findings(MAIN).stream().map(BuildTimeState.Finding::className)
                .collect(Collectors.toCollection(TreeSet::new));
        String properties = Files.readString(Path.of("src/main/resources/application.properties"));
        assertThat(RUN_TIME_INITIALIZED.keySet()).as("registered for run-time initialization in application.properties")
                .allMatch(properties::contains);
        assertThat(RUN_TIME_INITIALIZED.keySet()).as("RUN_TIME_INITIALIZED classes with no finding any more: drop them")
                .allMatch(withFindings::contains);
    }

    @Test
    void a_static_secure_random_is_reported() {
        assertThat(findings(BuildTimeFixtures.StaticSecureRandom.class)).containsExactly(
                "StaticSecureRandom static field RANDOM: of type java.security.SecureRandom, a java.util.Random",
                "StaticSecureRandom static initializer: constructs java.security.SecureRandom, a java.util.Random");
    }

    @Test
    void the_clock_and_the_environment_read_into_constants_are_reported() {
        assertThat(findings(BuildTimeFixtures.ClockAndEnvironment.class)).containsExactly(
                "ClockAndEnvironment static initializer: calls java.lang.System.currentTimeMillis (the builder's clock, environment or machine)",
                "ClockAndEnvironment static initializer: calls java.lang.System.getenv (the builder's clock, environment or machine)");
    }

    @Test
    void a_pool_made_by_a_factory_behind_an_object_field_is_reported() {
        assertThat(findings(BuildTimeFixtures.HiddenPool.class)).containsExactly(
                "HiddenPool static initializer: calls java.util.concurrent.Executors.newSingleThreadExecutor,"
                        + " which returns a java.util.concurrent.Executor");
    }

    @Test
    void immutable_values_counters_and_loggers_are_not_reported() {
        assertThat(findings(BuildTimeFixtures.Clean.class)).isEmpty();
    }

    private static List<String> findings(Class<?> fixture) {
        String prefix = BuildTimeFixtures.class.getName() + "$";
        return BuildTimeState.findings(new ClassFileImporter().importClasses(fixture)).stream()
                .map(f -> f.toString().replace(prefix, "").replaceAll(", line \\d+", "")).toList();
    }
}

package dev.milvusupgrade.nativeimage;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
     * The only classes allowed findings, each with why. A class belongs here only if it never reaches the native image:
     * the native profile of pom.xml leaves it out of compilation (checked below). A product class that needs such state
     * draws it at call time instead, or is registered for run-time initialization and listed here with that reason.
     */
    static final Map<String, String> ALLOWED = Map.of(
            "dev.milvusupgrade.sim.SimulatedMilvusBackup",
            "simulator (demo and tests only): sets sun.net.httpserver.nodelay in its static initializer; not compiled under -Pnative",
            "dev.milvusupgrade.sim.SimulatedMilvusDataPlane",
            "simulator (demo and tests only): sets sun.net.httpserver.nodelay in its static initializer; not compiled under -Pnative");

    @Test
    void no_product_class_keeps_threads_randomness_handles_clock_or_environment_in_static_state() {
        List<BuildTimeState.Finding> found = BuildTimeState.findings(MAIN).stream().filter(f -> !ALLOWED.containsKey(f.className())).toList();
        assertThat(found)
                .as("static state a build-time initialization would freeze into the native image: draw it at call time or keep it in an"
                        + " instance field (or register the class for run-time initialization and add it, with why, to ALLOWED)")
                .isEmpty();
    }

    @Test
    void every_allowed_class_still_needs_its_exemption_and_is_left_out_of_the_native_build() {
        Set<String> withFindings = BuildTimeState.findings(MAIN).stream().map(BuildTimeState.Finding::className).collect(Collectors.toSet());
        assertThat(new TreeSet<>(ALLOWED.keySet())).as("allowed classes without a finding any more: drop them from ALLOWED").allMatch(withFindings::contains);
        Map<String, Boolean> excluded = new TreeMap<>();
        ALLOWED.keySet().forEach(c -> excluded.put(c, NativeProfile.excludes(c)));
        assertThat(excluded).as("every allowed class is left out of compilation by the native profile of pom.xml").doesNotContainValue(false);
    }

    @Test
    void a_static_secure_random_is_reported() {
        assertThat(findings(BuildTimeFixtures.StaticSecureRandom.class)).containsExactly(
                "StaticSecureRandom static field RANDOM: of type java.security.SecureRandom, a java.util.Random",
                "StaticSecureRandom static initializer, line 22: constructs java.security.SecureRandom, a java.util.Random");
    }

    @Test
    void the_clock_and_the_environment_read_into_constants_are_reported() {
        assertThat(findings(BuildTimeFixtures.ClockAndEnvironment.class)).containsExactly(
                "ClockAndEnvironment static initializer, line 27: calls java.lang.System.currentTimeMillis (the builder's clock, environment or machine)",
                "ClockAndEnvironment static initializer, line 28: calls java.lang.System.getenv (the builder's clock, environment or machine)");
    }

    @Test
    void a_pool_made_by_a_factory_behind_an_object_field_is_reported() {
        assertThat(findings(BuildTimeFixtures.HiddenPool.class)).containsExactly(
                "HiddenPool static initializer, line 33: calls java.util.concurrent.Executors.newSingleThreadExecutor,"
                        + " which returns a java.util.concurrent.Executor");
    }

    @Test
    void immutable_values_counters_and_loggers_are_not_reported() {
        assertThat(findings(BuildTimeFixtures.Clean.class)).isEmpty();
    }

    private static List<String> findings(Class<?> fixture) {
        String prefix = BuildTimeFixtures.class.getName() + "$";
        return BuildTimeState.findings(new ClassFileImporter().importClasses(fixture)).stream()
                .map(f -> f.toString().replace(prefix, "")).toList();
    }
}

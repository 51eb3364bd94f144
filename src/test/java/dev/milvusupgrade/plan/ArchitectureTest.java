package dev.milvusupgrade.plan;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The plan is pure: it may not reach the cluster, the framework or the command line. */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.milvusupgrade");

    @Test
    void plan_depends_on_no_client_framework_or_other_layer() {
        noClasses().that().resideInAPackage("dev.milvusupgrade.plan..")
                .should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "io.quarkus..", "picocli..", "jakarta..",
                        "com.fasterxml..", "org.jboss..", "dev.milvusupgrade.k8s..", "dev.milvusupgrade.run..", "dev.milvusupgrade.cli..", "dev.milvusupgrade.data..",
                        "dev.milvusupgrade.sim..")
                .check(MAIN);
    }

    @Test
    void only_the_command_line_uses_picocli_and_quarkus() {
        noClasses().that().resideOutsideOfPackage("dev.milvusupgrade.cli..")
                .should().dependOnClassesThat().resideInAnyPackage("picocli..", "io.quarkus..", "jakarta..")
                .check(MAIN);
    }
}

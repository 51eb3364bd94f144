package dev.milvusupgrade;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The rooms of the house and the only doors between them: cli wires run, run drives the Kubernetes and Milvus adapters,
 * and everything rests on the pure plan. The simulator is a fake operator and cluster for the demo and the tests: only
 * the demo command may reach it, and it states the operator's facts itself, so it reaches none of the product.
 */
class LayersTest {

    private static final String DEMO = "dev.milvusupgrade.cli.DemoCommand";
    private static final JavaClasses MAIN = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.milvusupgrade");

    @Test
    void each_layer_reaches_only_the_layers_below_it_and_the_simulator_none() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("dev.milvusupgrade.cli..")
                .layer("run").definedBy("dev.milvusupgrade.run..")
                .layer("k8s").definedBy("dev.milvusupgrade.k8s..")
                .layer("data").definedBy("dev.milvusupgrade.data..")
                .layer("plan").definedBy("dev.milvusupgrade.plan..")
                .layer("sim").definedBy("dev.milvusupgrade.sim..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("run").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("k8s").mayOnlyBeAccessedByLayers("cli", "run")
                .whereLayer("data").mayOnlyBeAccessedByLayers("cli", "run")
                .whereLayer("plan").mayOnlyBeAccessedByLayers("cli", "run", "k8s", "data")
                .whereLayer("sim").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("sim").mayNotAccessAnyLayer()
                .whereLayer("plan").mayNotAccessAnyLayer()
                .check(MAIN);
    }

    @Test
    void only_the_demo_command_reaches_the_simulator() {
        noClasses().that().resideOutsideOfPackage("dev.milvusupgrade.sim..")
                .and().doNotHaveFullyQualifiedName(DEMO).and().haveNameNotMatching(java.util.regex.Pattern.quote(DEMO) + "\\$.*")
                .should().dependOnClassesThat().resideInAPackage("dev.milvusupgrade.sim..")
                .check(MAIN);
    }
}

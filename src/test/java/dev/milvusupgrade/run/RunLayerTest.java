package dev.milvusupgrade.run;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The run layer decides; Kubernetes sits behind the {@code k8s} façade ({@code Kube}, {@code ApiFailure}): no fabric8
 * type and no HTTP status code in {@code run/}.
 */
class RunLayerTest {

    private static final JavaClasses MAIN = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.milvusupgrade");

    /** A status code compared: {@code getCode()}, {@code code() == }, {@code == 403}, {@code >= 500}, {@code case 409}. */
    private static final Pattern STATUS_COMPARED = Pattern.compile(
            "getCode\\(\\)|\\bcode\\(\\)\\s*[=!<>]|[=!<>]=?\\s*[45]\\d\\d\\b(?!\\s*[*/+-])|\\bcase\\s+[45]\\d\\d\\b");

    @Test
    void no_class_of_the_run_layer_depends_on_fabric8() {
        noClasses().that().resideInAPackage("dev.milvusupgrade.run..")
                .should().dependOnClassesThat().resideInAPackage("io.fabric8..")
                .check(MAIN);
    }

    @Test
    void the_run_layer_compares_no_http_status_code() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("src/main/java/dev/milvusupgrade/run"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String code = withoutStrings(lines.get(i)).replaceFirst("//.*", "");
                    if (!code.strip().startsWith("*") && STATUS_COMPARED.matcher(code).find()) {
                        found.add(f.getFileName() + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        assertThat(found).as("HTTP status codes belong in k8s/ (ApiFailure.Kind)").isEmpty();
    }

    @Test
    void the_status_scan_sees_each_way_a_code_is_compared() {
        List<String> compared = List.of("if (e.getCode() != 403) {", "return f.code() == 409;", "case 404 -> x;", "k >= 500 || k == 429");
        List<String> notCompared = List.of("\"(403 Forbidden)\"", "throw f.cause();", "int n = 8;", "if (attempt >= 5) {",
                "return text.length() <= 160 ? text : cut;");
        compared.forEach(c -> assertThat(STATUS_COMPARED.matcher(c).find()).as(c).isTrue());
        notCompared.forEach(c -> assertThat(STATUS_COMPARED.matcher(withoutStrings(c)).find()).as(c).isFalse());
    }

    /** The line with every string literal emptied: a message may name a status ("(403 Forbidden)"). */
    private static String withoutStrings(String line) {
        return line.replaceAll("\"([^\"\\\\]|\\\\.)*\"", "\"\"");
    }
}

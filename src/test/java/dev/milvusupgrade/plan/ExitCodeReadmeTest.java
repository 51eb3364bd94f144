package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The README's exit-code tables (the contract a person reads) list exactly the codes of {@link ExitCode}, and say which are retried. */
class ExitCodeReadmeTest {

    /** The rows {@code | code | meaning |} of the README table whose header is {@code | header | meaning |}. */
    static Map<Integer, String> table(String header) throws Exception {
        List<String> lines = Files.readAllLines(Path.of("README.md"), StandardCharsets.UTF_8);
        int start = lines.indexOf("| " + header + " | meaning |");
        assertThat(start).as("README has a table headed '| " + header + " | meaning |'").isNotNegative();
        Map<Integer, String> rows = new LinkedHashMap<>();
        for (String line : lines.subList(start + 2, lines.size())) {
            if (!line.startsWith("|")) {
                break;
            }
            String[] cells = line.split("\\|", -1);
            assertThat(rows.put(Integer.parseInt(cells[1].strip()), cells[2].strip())).as("twice: " + line).isNull();
        }
        return rows;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"exit code", "fleet exit code"})
    void the_readme_table_lists_the_codes_of_the_enum_and_says_which_are_retried(String header) throws Exception {
        Map<Integer, String> rows = table(header);

        assertThat(rows.keySet()).containsExactlyElementsOf(Stream.of(ExitCode.values()).map(ExitCode::code).toList());
        for (ExitCode c : ExitCode.values()) {
            assertThat(rows.get(c.code()).toLowerCase(Locale.ROOT).contains("retr"))
                    .as("row %d says it is retried: %s", c.code(), rows.get(c.code())).isEqualTo(c.retried());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Rejected", "Failed", "Interrupted", "Succeeded"})
    void a_phase_exits_with_the_code_its_readme_row_names(String phase) throws Exception {
        ExitCode exit = Phase.valueOf(phase).exit();

        assertThat(table("exit code").get(exit.code())).contains(phase);
    }
}

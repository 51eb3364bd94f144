package dev.milvusupgrade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The packaged application with QUARKUS_LOG_CONSOLE_JSON_ENABLED=true, as a Job sets it for a log
 * aggregator: every log line is one JSON object, the plain result lines stay plain.
 */
class JsonLogsIT {

    /** The native binary under -Pnative, else the runnable jar. */
    private static List<String> application() {
        Optional<Path> nativeBinary = Optional.ofNullable(System.getProperty("native.image.path")).map(Path::of)
                .filter(Files::isExecutable);
        if (nativeBinary.isPresent()) {
            return List.of(nativeBinary.get().toString());
        }
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", "target/quarkus-app/quarkus-run.jar");
    }

    @Test
    void the_switch_turns_every_log_line_into_json() throws Exception {
        List<String> command = new ArrayList<>(application());
        command.add("demo");
        Path output = Files.createTempFile("json-logs", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        String out = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(p.isAlive()).as("the demo did not end within 120 s: " + out).isFalse();

        assertThat(p.exitValue()).as(out).isZero();
        List<String> logLines = out.lines().filter(l -> l.contains("\"loggerName\":\"milvus-upgrade\"")).toList();
        assertThat(logLines).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("{").endsWith("}")
                .containsAnyOf("\"level\":\"INFO\"", "\"level\":\"WARN\""));
        // A warning is logged at WARN, everything else at INFO.
        assertThat(logLines).filteredOn(l -> l.contains("\"message\":\"warning: ")).isNotEmpty()
                .allSatisfy(l -> assertThat(l).contains("\"level\":\"WARN\""));
        assertThat(logLines).filteredOn(l -> !l.contains("\"message\":\"warning: "))
                .allSatisfy(l -> assertThat(l).contains("\"level\":\"INFO\""));
        assertThat(logLines).anySatisfy(l -> assertThat(l).contains("\"message\":\"stage 1/2 mixcoord-2.5.16 succeeded in "));
        assertThat(out.lines()).noneMatch(l -> l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO .*"));
        assertThat(out).contains("annotation milvus-upgrade.dev/phase=Succeeded");
    }
}

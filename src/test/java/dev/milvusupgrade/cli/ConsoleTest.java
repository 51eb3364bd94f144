package dev.milvusupgrade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.DataCheck;
import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.RunRecord.StagePhase;
import dev.milvusupgrade.plan.RunRecord.StageRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The status table, without a cluster. */
class ConsoleTest {

    @Test
    void the_status_table_keeps_every_column_aligned_whatever_the_widths() {
        Instant t0 = Instant.parse("2026-11-25T02:00:00.123Z");
        RunRecord r = new RunRecord(Phase.Succeeded, "milvus/my-release", "v2.5.4", "v2.6.4", List.of(
                new StageRecord("mixcoord-2.5.16", "registry.example.internal:5000/platform/mirror/milvusdb/milvus:v2.5.16",
                        StagePhase.Succeeded, Optional.of(t0), Optional.of(t0.plusSeconds(312))),
                new StageRecord("2.6.4", "registry.example.internal:5000/platform/mirror/milvusdb/milvus:v2.6.4",
                        StagePhase.Running, Optional.of(t0.plusSeconds(320)), Optional.empty())),
                "stage 2.6.4 running", t0, Optional.empty(), "abc12345");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Console.printTable(new PrintStream(buf, true, StandardCharsets.UTF_8), r);

        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        String header = lines.stream().filter(l -> l.startsWith("STAGE")).findFirst().orElseThrow();
        String first = lines.get(lines.indexOf(header) + 1);
        String second = lines.get(lines.indexOf(header) + 2);
        for (String column : List.of("IMAGE", "PHASE", "STARTED", "TOOK")) {
            int at = header.indexOf(column);
            assertThat(first.charAt(at - 1)).as(column + " in " + first).isEqualTo(' ');
            assertThat(first.charAt(at)).as(column + " in " + first).isNotEqualTo(' ');
            assertThat(second.charAt(at)).as(column + " in " + second).isNotEqualTo(' ');
        }
        assertThat(first).contains("Succeeded").endsWith("5m12s");
        assertThat(second).contains("Running").endsWith("-");
    }

    @Test
    void the_status_table_shows_the_data_check_with_its_differences() {
        DataCheckRecord d = DataCheckRecord.start(DataCheck.Mode.WRITE,
                        new DataCheckRecord.Totals(2, 3, 62_000, DataCheckRecord.Probe.PASSED))
                .withStage(new DataCheckRecord.StageCheck("2.6.4", DataCheckRecord.Outcome.DIFFERENCES,
                        new DataCheckRecord.Totals(2, 2, 12_000, DataCheckRecord.Probe.NONE)),
                        List.of(new DataCheck.Difference("default", "archive", "collection missing (50000 rows before)", false)));
        RunRecord r = new RunRecord(Phase.Failed, "milvus/my-release", "v2.5.16", "v2.6.4", List.of(),
                "the data check found 1 difference(s)",
                Instant.parse("2026-11-25T02:00:00Z"), Optional.empty(), "abc12345").withDataCheck(d);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Console.printTable(new PrintStream(buf, true, StandardCharsets.UTF_8), r);

        assertThat(buf.toString(StandardCharsets.UTF_8).lines()).contains(
                "data check (write): before 3 collections, 62000 rows, probe passed; after 2.6.4 differences, 2 collections, 12000 rows",
                "  difference: default.archive: collection missing (50000 rows before)");
    }

    @Test
    void status_shows_recorded_terminal_escapes_as_text() {
        RunRecord r = new RunRecord(Phase.Failed, "milvus/my-release", "v2.5.16", "v2.6.4", List.of(),
                "Milvus said: \u001b]0;pwned\u0007\u001b[2Jdone", Instant.parse("2026-11-25T02:00:00Z"), Optional.empty(), "abc12345");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Console.printTable(Console.terminalSafe(new PrintStream(buf, true, StandardCharsets.UTF_8)), r);

        String printed = buf.toString(StandardCharsets.UTF_8);
        assertThat(printed).doesNotContain("\u001b").doesNotContain("\u0007");
        assertThat(printed.lines()).contains("Milvus said: \\u001b]0;pwned\\u0007\\u001b[2Jdone");
    }
}

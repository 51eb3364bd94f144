package dev.milvusupgrade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code demo --fleet} through the real command line: the canary first and alone, then every cluster Succeeded. */
@QuarkusMainTest
class DemoFleetTest {

    /** A row of the fleet table: "1  team-c/milvus-6 (canary)  Succeeded  v2.5.4  v2.6.4  2026-...Z". */
    private static final Pattern ROW = Pattern.compile("^(\\d+)\\s+(\\S+/\\S+)( \\(canary\\))?\\s+(\\w+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)$");

    record Row(int index, String milvus, boolean canary, String state, String from, String to, String finished) {
    }

    @Test
    void demo_fleet_upgrades_the_canary_first_then_every_cluster(QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch("demo", "--fleet", "--clusters", "4", "--max-concurrent", "3", "--step-delay", "30ms");

        String out = result.getOutput();
        assertThat(result.exitCode()).as(out + result.getErrorOutput()).isZero();
        // The plan: the canary-labelled cluster first, though its name sorts last.
        assertThat(out).contains("Fleet plan, in order").contains("  1. team-a/milvus-4 (canary): v2.5.4 -> v2.6.4 in 2 stage(s)");
        List<Row> rows = out.lines().map(ROW::matcher).filter(Matcher::matches).map(m -> new Row(Integer.parseInt(m.group(1)), m.group(2),
                m.group(3) != null, m.group(4), m.group(5), m.group(6), m.group(7))).toList();
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0).milvus()).isEqualTo("team-a/milvus-4");
        assertThat(rows).filteredOn(Row::canary).extracting(Row::milvus).containsExactly("team-a/milvus-4");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.state()).as(r.milvus()).isEqualTo("Succeeded");
            assertThat(r.from()).isEqualTo("v2.5.4");
            assertThat(r.to()).isEqualTo("v2.6.4");
        });
        assertThat(rows).extracting(Row::milvus).containsExactlyInAnyOrder("team-a/milvus-1", "team-b/milvus-2", "team-c/milvus-3",
                "team-a/milvus-4");
        // The canary finished before any other cluster did (the fleet starts none of them before it has).
        Instant canaryDone = Instant.parse(rows.get(0).finished());
        rows.stream().skip(1).forEach(r -> assertThat(Instant.parse(r.finished())).as(r.milvus()).isAfter(canaryDone));
        assertThat(out).contains("totals: 4 Succeeded").contains("annotation milvus-upgrade.dev/phase=Succeeded")
                .contains("fleet Succeeded: all 4 cluster(s) on v2.6.4");
    }
}

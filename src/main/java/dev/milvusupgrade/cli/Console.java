package dev.milvusupgrade.cli;

import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.FleetRecord;
import dev.milvusupgrade.plan.Plan;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.Stage;
import dev.milvusupgrade.plan.Text;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/** How results look on a terminal. */
final class Console {

    private Console() {
    }

    private static final Logger LOG = Logger.getLogger("milvus-upgrade");

    /**
     * One log line per decision or observed change; JSON when the JSON console format is on. A warning (a line that
     * starts {@code warning: }, or a fleet member's {@code <ns/name>: warning: }) logs at WARN.
     */
    static void log(String line) {
        // One line whatever it quotes: Milvus, milvus-backup and the operator cannot forge log lines or drive a terminal.
        String bounded = Text.oneLine(line, MAX_LOG_LINE);
        if (line.startsWith("warning: ") || line.matches("[^ ]+: warning: (?s).*")) {
            LOG.warn(bounded);
        } else {
            LOG.info(bounded);
        }
    }

    /** The longest log line written. */
    static final int MAX_LOG_LINE = 8192;

    /**
     * A stream for printing recorded text (records hold what Milvus, milvus-backup and the operator said):
     * control characters come out visible, so a recorded answer cannot drive the terminal that shows it.
     */
    static PrintStream terminalSafe(PrintStream out) {
        return new PrintStream(out, true, StandardCharsets.UTF_8) {
            @Override
            public void print(String s) {
                super.print(Text.visibleControls(s));
            }
        };
    }

    static void printPlan(PrintStream out, Plan plan) {
        out.println("Plan for Milvus " + plan.milvus() + ": " + plan.from() + " -> " + plan.target()
                + " (message queue " + plan.msgStreamType() + ", unchanged)");
        int i = 1;
        for (Stage s : plan.stages()) {
            out.println("  " + i++ + ". " + s.name() + "  image " + s.image());
            out.println("     merge patch " + s.patch());
        }
        plan.warnings().forEach(w -> out.println("  warning: " + w));
        if (!plan.recommendation().isEmpty()) {
            out.println("  " + plan.recommendation());
        }
    }

    static void printTable(PrintStream out, RunRecord r) {
        out.println("Milvus " + r.milvus() + ": " + r.phase()
                + (r.fromVersion().isEmpty() ? "" : " (" + r.fromVersion() + " -> " + r.targetVersion() + ")"));
        out.println(r.message());
        if (!r.stages().isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("STAGE", "IMAGE", "PHASE", "STARTED", "TOOK"));
            for (RunRecord.StageRecord s : r.stages()) {
                rows.add(List.of(s.name(), s.image(), s.phase().name(), s.startedAt().map(Instant::toString).orElse("-"),
                        took(s.startedAt(), s.finishedAt())));
            }
            printRows(out, rows);
        }
        r.backup().ifPresent(b -> out.println("backup " + b.name() + ": " + b.size() + " bytes, " + b.collections() + " collection(s)"
                + (b.firstCollections().isEmpty() ? "" : " (" + String.join(", ", b.firstCollections())
                + (b.collections() > b.firstCollections().size() ? ", ..." : "") + ")") + ", took " + b.seconds() + "s"
                + b.endedAt().map(t -> ", ended " + t).orElse("")));
        r.dataCheck().ifPresent(d -> {
            out.println("data check (" + d.mode().key() + "): before " + totals(d.baseline()) + d.stages().stream()
                    .map(st -> "; after " + st.stage() + " " + st.outcome() + ", " + totals(st.after())
                            + (st.millis() > 0 ? " (checked in " + st.millis() + " ms)" : "")).reduce("", String::concat)
                    + (d.remedy47806() ? "; milvus#47806 remedy ran" : "") + (d.canary().isEmpty() ? "" : "; canary " + d.canary()));
            d.differences().forEach(x -> out.println("  difference: " + x));
            d.warnings().forEach(x -> out.println("  warning: " + x));
            if (d.differencesTotal() > d.differences().size()) {
                out.println("  and " + (d.differencesTotal() - d.differences().size()) + " more (the full table is in the Job's log)");
            }
        });
        r.warnings().forEach(w -> out.println("warning: " + w));
        out.println("run " + r.runId() + " started " + r.startedAt() + r.finishedAt().map(f -> ", finished " + f).orElse(""));
    }

    /** The fleet record: a line per cluster in the fleet's order, then the totals. */
    static void printFleet(PrintStream out, FleetRecord r) {
        out.println("fleet " + r.selector() + " -> " + r.targetVersion() + ": " + r.phase());
        out.println(r.message());
        if (!r.clusters().isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("#", "MILVUS", "STATE", "FROM", "TO", "FINISHED"));
            int i = 1;
            for (FleetRecord.Line l : r.clusters()) {
                rows.add(List.of(String.valueOf(i++), l.milvus() + (l.canary() ? " (canary)" : ""), l.state().name(),
                        l.from().isEmpty() ? "-" : l.from(),
                        l.to(), l.finishedAt().map(Instant::toString).orElse("-")));
            }
            printRows(out, rows);
            out.println("totals: " + r.totalsLine());
        }
        out.println("run " + r.runId() + " started " + r.startedAt() + r.finishedAt().map(f -> ", finished " + f).orElse(""));
    }

    private static void printRows(PrintStream out, List<List<String>> rows) {
        int[] width = new int[rows.get(0).size()];
        rows.forEach(row -> {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        });
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < width.length; i++) {
                line.append(i == width.length - 1 ? row.get(i) : String.format("%-" + (width[i] + 2) + "s", row.get(i)));
            }
            out.println(line);
        }
    }

    private static String totals(DataCheckRecord.Totals t) {
        return t.collections() + " collections, " + t.rows() + " rows" + (t.counted() > 0 ? " (" + t.counted() + " by count(*))" : "")
                + (t.sampled() > 0 ? ", " + t.sampled() + " sampled keys" : "")
                + (t.probe() == DataCheckRecord.Probe.NONE ? "" : ", probe " + t.probe().key());
    }

    static String took(Optional<Instant> start, Optional<Instant> end) {
        if (start.isEmpty() || end.isEmpty()) {
            return "-";
        }
        Duration d = Duration.between(start.get(), end.get());
        return d.toSeconds() >= 60 ? d.toMinutes() + "m" + (d.toSecondsPart()) + "s" : String.format("%.1fs", d.toMillis() / 1000.0);
    }
}

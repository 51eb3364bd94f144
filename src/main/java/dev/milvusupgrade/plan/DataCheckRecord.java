package dev.milvusupgrade.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The data checks of a run as the result annotation keeps them: compact and bounded whatever the
 * number of collections (totals, one line per stage, at most {@link #MAX_DIFFERENCES} differences).
 * The full table goes into the log.
 *
 * @param mode {@code read} or {@code write} (the record writes {@link DataCheck.Mode#key()})
 * @param baseline totals before the first stage (or when a resumed run began)
 * @param stages one outcome per stage checked
 * @param differences the first differences found, each {@code db.collection: what}
 * @param differencesTotal how many differences there were in all
 * @param remedy47806 whether the milvus#47806 remedy ran (mixcoord, then the streaming nodes restarted)
 * @param canary the canary collection of {@code write} mode ({@code default.milvus_upgrade_canary_<hash>}), empty without one
 * @param warnings the first warnings (lower metadata counts with an innocent likely cause), each {@code db.collection: what}
 * @param warningsTotal how many warnings there were in all
 * @param kept where the full per-collection baseline is kept and its digest ({@code Lease <name> sha256:<16 hex>} or
 *     {@code ConfigMap <name> sha256:<16 hex>}); empty when none was kept (read mode off, or a record from before issue 21)
 */
public record DataCheckRecord(DataCheck.Mode mode, Totals baseline, List<StageCheck> stages, List<String> differences, int differencesTotal,
        boolean remedy47806, String canary, List<String> warnings, int warningsTotal, String kept) {

    /** At most this many differences are kept in the record; the log has them all. */
    public static final int MAX_DIFFERENCES = 20;
    /** A difference line is cut at this length. */
    static final int MAX_LINE = 200;

    public DataCheckRecord {
        stages = List.copyOf(stages);
        differences = List.copyOf(differences);
        warnings = List.copyOf(warnings);
    }

    /** Without a kept baseline. */
    public DataCheckRecord(DataCheck.Mode mode, Totals baseline, List<StageCheck> stages, List<String> differences, int differencesTotal,
            boolean remedy47806, String canary, List<String> warnings, int warningsTotal) {
        this(mode, baseline, stages, differences, differencesTotal, remedy47806, canary, warnings, warningsTotal, "");
    }

    /** Without a canary or warnings (records written before issue 20). */
    public DataCheckRecord(DataCheck.Mode mode, Totals baseline, List<StageCheck> stages, List<String> differences, int differencesTotal,
            boolean remedy47806) {
        this(mode, baseline, stages, differences, differencesTotal, remedy47806, "", List.of(), 0);
    }

    /** How the write probe (and the canary) went; {@link #key()} is what the record writes ({@code ""} for none). */
    public enum Probe {
        /** Not run (read mode). */
        NONE(""),
        PASSED("passed"),
        FAILED("failed");

        private final String key;

        Probe(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        /** The probe of a recorded key; an unknown one is an {@link IllegalArgumentException} (the record is unreadable). */
        public static Probe of(String key) {
            return Arrays.stream(values()).filter(p -> p.key.equals(key)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("probe " + Text.cut(key, 40)));
        }

        @Override
        public String toString() {
            return key;
        }
    }

    /** How one stage's data check ended; {@link #key()} is what the record writes. */
    public enum Outcome {
        OK("ok"),
        /** Data lost or broken. */
        DIFFERENCES("differences"),
        /** The write probe or the canary failed. */
        PROBE_FAILED("probe failed");

        private final String key;

        Outcome(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        /** The outcome of a recorded key; an unknown one is an {@link IllegalArgumentException} (the record is unreadable). */
        public static Outcome of(String key) {
            return Arrays.stream(values()).filter(o -> o.key.equals(key)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("outcome " + Text.cut(key, 40)));
        }

        @Override
        public String toString() {
            return key;
        }
    }

    /** The mode of a recorded key ({@code read}, {@code write}); an unknown one is an {@link IllegalArgumentException}. */
    public static DataCheck.Mode mode(String key) {
        return Arrays.stream(DataCheck.Mode.values()).filter(m -> m.key().equals(key)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("data check mode " + Text.cut(key, 40)));
    }

    /**
     * Totals of one snapshot: databases, collections, rows by get_stats; how the probe (and canary) went;
     * {@code counted} the sum of count(*) over loaded collections without TTL, and {@code sampled} the sampled
     * primary keys that came back.
     */
    public record Totals(int databases, int collections, long rows, Probe probe, long counted, int sampled) {
        public Totals(int databases, int collections, long rows, Probe probe) {
            this(databases, collections, rows, probe, 0, 0);
        }

        public static Totals of(DataSnapshot s, Probe probe) {
            return new Totals(s.databases().size(), s.collectionCount(), s.rowCount(), probe, s.countedRows(), s.sampledKeys());
        }

        /** These totals with {@code p} as the probe's result. */
        public Totals withProbe(Probe p) {
            return new Totals(databases, collections, rows, p, counted, sampled);
        }
    }

    /** How one stage's check ended, with the totals after it and how long the checks took. */
    public record StageCheck(String stage, Outcome outcome, Totals after, long millis) {
        public StageCheck(String stage, Outcome outcome, Totals after) {
            this(stage, outcome, after, 0);
        }
    }

    public static DataCheckRecord start(DataCheck.Mode mode, Totals baseline) {
        return new DataCheckRecord(mode, baseline, List.of(), List.of(), 0, false);
    }

    public DataCheckRecord withCanary(String name) {
        return new DataCheckRecord(mode, baseline, stages, differences, differencesTotal, remedy47806, name, warnings, warningsTotal, kept);
    }

    /** Adds warnings (kept up to {@link #MAX_DIFFERENCES}, counted all). */
    public DataCheckRecord withWarnings(List<DataCheck.Difference> found) {
        List<String> kept = new ArrayList<>(warnings);
        found.stream().limit(Math.max(0, MAX_DIFFERENCES - kept.size())).map(d -> cut(d.describe())).forEach(kept::add);
        return new DataCheckRecord(mode, baseline, stages, differences, differencesTotal, remedy47806, canary, kept,
                warningsTotal + found.size(), this.kept);
    }

    public DataCheckRecord withStage(StageCheck check, List<DataCheck.Difference> found) {
        List<StageCheck> all = new ArrayList<>(stages);
        all.removeIf(s -> s.stage().equals(check.stage()));
        all.add(check);
        List<String> kept = new ArrayList<>(differences);
        found.stream().limit(Math.max(0, MAX_DIFFERENCES - kept.size())).map(d -> cut(d.describe())).forEach(kept::add);
        return new DataCheckRecord(mode, baseline, all, kept, differencesTotal + found.size(), remedy47806, canary, warnings, warningsTotal,
                this.kept);
    }

    /** The record with where its full baseline is kept (see {@link #kept}). */
    public DataCheckRecord withKept(String where) {
        return new DataCheckRecord(mode, baseline, stages, differences, differencesTotal, remedy47806, canary, warnings, warningsTotal,
                where);
    }

    public DataCheckRecord withRemedy() {
        return new DataCheckRecord(mode, baseline, stages, differences, differencesTotal, true, canary, warnings, warningsTotal, kept);
    }

    private static String cut(String line) {
        return Text.oneLine(line, MAX_LINE);
    }
}

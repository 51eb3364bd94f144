package dev.milvusupgrade.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * The data checks of a run as the result annotation keeps them: compact and bounded whatever the
 * number of collections (totals, one line per stage, at most {@link #MAX_DIFFERENCES} differences).
 * The full table goes into the log.
 *
 * @param mode {@code read} or {@code write}
 * @param baseline totals before the first stage (or when a resumed run began)
 * @param stages one outcome per stage checked
 * @param differences the first differences found, each {@code db.collection: what}
 * @param differencesTotal how many differences there were in all
 * @param remedy47806 whether the milvus#47806 remedy ran (mixcoord, then the streaming nodes restarted)
 */
public record DataCheckRecord(String mode, Totals baseline, List<StageCheck> stages, List<String> differences, int differencesTotal,
        boolean remedy47806) {

    /** At most this many differences are kept in the record; the log has them all. */
    public static final int MAX_DIFFERENCES = 20;
    /** A difference line is cut at this length. */
    static final int MAX_LINE = 200;

    public DataCheckRecord {
        stages = List.copyOf(stages);
        differences = List.copyOf(differences);
    }

    /** Databases, collections and rows counted in one snapshot; probe is {@code passed}, {@code failed} or empty. */
    public record Totals(int databases, int collections, long rows, String probe) {
        public static Totals of(DataSnapshot s, String probe) {
            return new Totals(s.databases().size(), s.collectionCount(), s.rowCount(), probe);
        }
    }

    /** How one stage's check ended: {@code ok} or {@code differences}, with the totals after it. */
    public record StageCheck(String stage, String outcome, Totals after) {
    }

    public static DataCheckRecord start(DataCheck.Mode mode, Totals baseline) {
        return new DataCheckRecord(mode.key(), baseline, List.of(), List.of(), 0, false);
    }

    public DataCheckRecord withStage(StageCheck check, List<DataCheck.Difference> found) {
        List<StageCheck> all = new ArrayList<>(stages);
        all.removeIf(s -> s.stage().equals(check.stage()));
        all.add(check);
        List<String> kept = new ArrayList<>(differences);
        found.stream().limit(Math.max(0, MAX_DIFFERENCES - kept.size())).map(d -> cut(d.describe())).forEach(kept::add);
        return new DataCheckRecord(mode, baseline, all, kept, differencesTotal + found.size(), remedy47806);
    }

    public DataCheckRecord withRemedy() {
        return new DataCheckRecord(mode, baseline, stages, differences, differencesTotal, true);
    }

    private static String cut(String line) {
        return line.length() <= MAX_LINE ? line : line.substring(0, MAX_LINE - 1) + "…";
    }
}

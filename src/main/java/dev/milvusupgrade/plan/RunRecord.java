package dev.milvusupgrade.plan;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The result of a run as recorded on the intent: also the checkpoint a rerun resumes from.
 *
 * @param phase where the run is or ended
 * @param milvus namespace/name of the Milvus resource
 * @param fromVersion the version the run started from, empty if not known (an invalid intent)
 * @param targetVersion the version asked for, empty if not known
 * @param stages each stage with its phase and times
 * @param message one line for a person, with the fix where there is one
 * @param startedAt when the run (or the run it resumed) started
 * @param finishedAt when it ended; empty while Running
 * @param runId identifies the run that wrote this record
 * @param warnings what the plan noticed that did not stop the run (an opt-in such as
 *     allowUnorderedRollout, a single streaming node), so that the record keeps them
 * @param dataCheck the data checks of the run, when it made any
 * @param backup the backup taken before the point of no return, once taken
 */
public record RunRecord(Phase phase, String milvus, String fromVersion, String targetVersion, List<StageRecord> stages,
        String message, Instant startedAt, Optional<Instant> finishedAt, String runId, List<String> warnings,
        Optional<DataCheckRecord> dataCheck, Optional<BackupRecord> backup) {

    /**
     * The backup milvus-backup took before the first 2.6 stage.
     *
     * @param name its name in milvus-backup
     * @param size its size in bytes, as milvus-backup reports it
     * @param collections how many collections it holds
     * @param firstCollections the first of them ({@code db.collection}), at most ten
     * @param seconds how long it took
     * @param endedAt when it ended, as milvus-backup's get_backup said when it reached SUCCESS; empty when it did not say
     *     (a record of an earlier version): such a backup counts as too old
     */
    public record BackupRecord(String name, long size, int collections, List<String> firstCollections, long seconds,
            Optional<Instant> endedAt) {
        public BackupRecord {
            firstCollections = Text.lines(firstCollections, MAX_WARNINGS, Text.MAX_FIELD / 4);
        }

        public BackupRecord(String name, long size, int collections, List<String> firstCollections, long seconds) {
            this(name, size, collections, firstCollections, seconds, Optional.empty());
        }
    }

    /** The longest message a record keeps, on one line (Kubernetes allows 256 KiB for all annotations of an object). */
    public static final int MAX_MESSAGE = 4096;
    /** At most this many warnings (each at most {@link Text#MAX_FIELD} characters) are kept. */
    public static final int MAX_WARNINGS = 20;

    public RunRecord {
        stages = List.copyOf(stages);
        // Text from outside (Milvus, milvus-backup, the operator, the API server) ends up here: bounded, one line, no controls.
        message = Text.oneLine(message, MAX_MESSAGE);
        warnings = Text.lines(warnings, MAX_WARNINGS, Text.MAX_FIELD);
    }

    /** A record without warnings. */
    public RunRecord(Phase phase, String milvus, String fromVersion, String targetVersion, List<StageRecord> stages,
            String message, Instant startedAt, Optional<Instant> finishedAt, String runId) {
        this(phase, milvus, fromVersion, targetVersion, stages, message, startedAt, finishedAt, runId, List.of(), Optional.empty(),
                Optional.empty());
    }

    public RunRecord withWarnings(List<String> w) {
        return new RunRecord(phase, milvus, fromVersion, targetVersion, stages, message, startedAt, finishedAt, runId, w, dataCheck,
                backup);
    }

    public RunRecord withRunId(String id) {
        return new RunRecord(phase, milvus, fromVersion, targetVersion, stages, message, startedAt, finishedAt, id, warnings, dataCheck,
                backup);
    }

    public RunRecord withBackup(BackupRecord b) {
        return new RunRecord(phase, milvus, fromVersion, targetVersion, stages, message, startedAt, finishedAt, runId, warnings, dataCheck,
                Optional.of(b));
    }

    public RunRecord withDataCheck(DataCheckRecord d) {
        return new RunRecord(phase, milvus, fromVersion, targetVersion, stages, message, startedAt, finishedAt, runId, warnings,
                Optional.of(d), backup);
    }

    /** The phase of one stage. */
    public enum StagePhase {
        Pending, Running, Succeeded, Failed
    }

    /** One stage in the record. */
    public record StageRecord(String name, String image, StagePhase phase, Optional<Instant> startedAt,
            Optional<Instant> finishedAt) {
    }

    public RunRecord withPhase(Phase p, String msg, Optional<Instant> finished) {
        return new RunRecord(p, milvus, fromVersion, targetVersion, stages, msg, startedAt, finished, runId, warnings, dataCheck, backup);
    }

    public Optional<StageRecord> stage(String name) {
        return stages.stream().filter(st -> st.name().equals(name)).findFirst();
    }

    public RunRecord withStage(StageRecord updated) {
        List<StageRecord> list = new ArrayList<>(stages);
        list.replaceAll(st -> st.name().equals(updated.name()) ? updated : st);
        return new RunRecord(phase, milvus, fromVersion, targetVersion, list, message, startedAt, finishedAt, runId, warnings, dataCheck,
                backup);
    }
}

package dev.milvusupgrade.run;

import dev.milvusupgrade.data.MilvusData;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.DataCheck;
import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.DataSnapshot;
import dev.milvusupgrade.plan.Intent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The data checks around the stages (issue 9): a baseline before the first stage, then after every
 * stage a snapshot compared with it and, in write mode, the probe, with the milvus#47806 remedy when
 * the probe fails the way that issue does.
 */
final class DataGate {

    /** How a stage's data check ended. */
    sealed interface Verdict {
        record Passed(DataCheckRecord record) implements Verdict {
        }

        record Failed(DataCheckRecord record, String message) implements Verdict {
        }
    }

    private final MilvusData data;
    private final DataCheck.Mode mode;
    private final Clock clock;
    private final Duration retryEvery;
    private final Consumer<String> log;
    private DataSnapshot baseline;

    DataGate(MilvusData data, DataCheck.Mode mode, Clock clock, Duration retryEvery, Consumer<String> log) {
        this.data = data;
        this.mode = mode;
        this.clock = clock;
        this.retryEvery = retryEvery;
        this.log = log;
    }

    /**
     * The snapshot every stage is compared with, and in write mode a probe that proves the probe
     * itself works. Milvus unreachable, or a failing probe, is a refusal with the fix.
     */
    Checked<DataCheckRecord> baseline(String endpoint, Optional<Instant> retryUntil, Optional<DataCheckRecord> previous) {
        while (baseline == null) {
            try {
                baseline = data.snapshot();
            } catch (MilvusData.Unreachable e) {
                if (retryUntil.isPresent() && clock.instant().isBefore(retryUntil.get())) {
                    log.accept("data: Milvus not reachable yet (" + e.getMessage() + "); checking again");
                    pause(retryUntil.get());
                    continue;
                }
                return refusedUnreachable(endpoint, e);
            }
        }
        if (previous.isPresent()) {
            // A resumed upgrade: the first run's per-collection snapshot is gone, its totals are not.
            Optional<String> fewer = fewer(previous.get().baseline(), baseline);
            if (fewer.isPresent()) {
                table("at the rerun", baseline);
                return Checked.refused(fewer.get(), "restore the missing data (milvus-backup), or set " + Intent.DATA_CHECK
                        + ": off to accept the cluster as it is, then rerun");
            }
        }
        Checked<DataCheckRecord> fresh = probeFirst();
        return previous.isPresent() && fresh instanceof Checked.Ok<DataCheckRecord> ? Checked.ok(previous.get()) : fresh;
    }

    private static Optional<String> fewer(DataCheckRecord.Totals before, DataSnapshot now) {
        if (now.collectionCount() >= before.collections() && now.rowCount() >= before.rows()) {
            return Optional.empty();
        }
        return Optional.of("the data check finds " + now.collectionCount() + " collection(s) and " + now.rowCount()
                + " row(s), fewer than the " + before.collections() + " and " + before.rows() + " before the upgrade");
    }

    private static Checked<DataCheckRecord> refusedUnreachable(String endpoint, MilvusData.Unreachable e) {
        return Checked.refused("Milvus at " + endpoint + " cannot be reached for the data check (" + e.getMessage() + ")",
                "allow egress from this Job to port 19530 (NetworkPolicy), set " + Intent.MILVUS_ENDPOINT + " (and "
                + Intent.MILVUS_AUTH_SECRET + " if authentication is on), or set " + Intent.DATA_CHECK + ": off");
    }

    private Checked<DataCheckRecord> probeFirst() {
        table("before", baseline);
        String probe = "";
        if (mode == DataCheck.Mode.WRITE) {
            MilvusData.Probe p = probe();
            if (p instanceof MilvusData.Probe.Failed f) {
                return Checked.refused("the write probe failed before any change, at " + f.step() + ": " + f.detail(),
                        "check that this tool's Milvus user may create and drop collections in database default, or set "
                        + Intent.DATA_CHECK + ": read");
            }
            probe = "passed";
            log.accept("data: write probe passed");
        }
        return Checked.ok(DataCheckRecord.start(mode, DataCheckRecord.Totals.of(baseline, probe)));
    }

    /**
     * After {@code stage}: snapshots until nothing is lost or {@code deadline} passes (Milvus may be
     * unreachable and collections still loading while proxies and query nodes roll), then the probe.
     * {@code remedy} restarts mixcoord and the streaming nodes; it is tried once, when the probe fails
     * with the milvus#47806 signature after a 2.6 stage, and returns why it could not finish, if so.
     */
    Verdict afterStage(String stage, boolean streamingEra, Instant deadline, DataCheckRecord record, Supplier<Optional<String>> remedy) {
        DataSnapshot now = null;
        List<DataCheck.Difference> found = List.of();
        String unreachable = "";
        while (true) {
            try {
                now = data.snapshot();
                found = DataCheck.compare(baseline, now);
                unreachable = "";
                if (found.stream().noneMatch(DataCheck.Difference::mayResolve)) {
                    break;
                }
            } catch (MilvusData.Unreachable e) {
                unreachable = e.getMessage();
            }
            if (!clock.instant().isBefore(deadline)) {
                break;
            }
            log.accept("data after " + stage + ": " + (unreachable.isEmpty() ? found.size() + " collection(s) not loaded again yet: "
                    + names(found) : "Milvus not reachable yet (" + unreachable + ")") + "; checking again");
            pause(deadline);
        }
        if (now == null) {
            return new Verdict.Failed(record, "after stage " + stage + " Milvus could not be reached for the data check until the stage"
                    + " timeout (" + unreachable + "); fix: check the proxies ('kubectl get pods -l app.kubernetes.io/component=proxy'),"
                    + " then rerun to check again");
        }
        table("after " + stage, now);
        found.forEach(d -> log.accept("data difference after " + stage + ": " + d.describe()));
        if (!found.isEmpty()) {
            DataCheckRecord r = record.withStage(new DataCheckRecord.StageCheck(stage, "differences", DataCheckRecord.Totals.of(now, "")), found);
            return new Verdict.Failed(r, "the data check after stage " + stage + " found " + found.size() + " difference(s): " + names(found)
                    + "; the cluster is left as it is; fix: investigate these collections (the full table is in this Job's log), then"
                    + " rerun to check again");
        }
        if (mode != DataCheck.Mode.WRITE) {
            return new Verdict.Passed(record.withStage(new DataCheckRecord.StageCheck(stage, "ok", DataCheckRecord.Totals.of(now, "")), found));
        }
        MilvusData.Probe probe = probe();
        DataCheckRecord r = record;
        if (probe instanceof MilvusData.Probe.Failed f && f.writeTimedOut() && streamingEra && !r.remedy47806()) {
            log.accept("data after " + stage + ": the write probe timed out at " + f.step() + " (milvus#47806): restarting mixcoord, then"
                    + " the streaming nodes");
            r = r.withRemedy();
            Optional<String> stuck = remedy.get();
            if (stuck.isPresent()) {
                return new Verdict.Failed(r.withStage(new DataCheckRecord.StageCheck(stage, "probe failed", DataCheckRecord.Totals.of(now,
                        "failed")), List.of()), "the write probe timed out after stage " + stage + " (milvus#47806) and the remedy could not"
                        + " finish: " + stuck.get());
            }
            probe = probe();
        }
        if (probe instanceof MilvusData.Probe.Failed f) {
            return new Verdict.Failed(r.withStage(new DataCheckRecord.StageCheck(stage, "probe failed", DataCheckRecord.Totals.of(now, "failed")),
                    List.of()), "the write probe failed after stage " + stage + " at " + f.step() + ": " + f.detail()
                    + (r.remedy47806() ? " (also after restarting mixcoord, then the streaming nodes, the milvus#47806 remedy)" : "")
                    + "; the cluster is left as it is; fix: check the proxies' and mixcoord's logs, then rerun to check again");
        }
        log.accept("data after " + stage + ": write probe passed" + (r.remedy47806() ? " after the milvus#47806 remedy" : ""));
        return new Verdict.Passed(r.withStage(new DataCheckRecord.StageCheck(stage, "ok", DataCheckRecord.Totals.of(now, "passed")), List.of()));
    }

    /**
     * A rerun after a failed data check, on a cluster already upgraded: the per-collection baseline
     * is gone with the run that took it, so what is compared is the recorded totals (no fewer
     * collections, no fewer rows) and, in write mode, the probe.
     */
    Checked<DataCheckRecord> recheck(String endpoint, DataCheckRecord previous) {
        DataSnapshot now;
        try {
            now = data.snapshot();
        } catch (MilvusData.Unreachable e) {
            return refusedUnreachable(endpoint, e);
        }
        table("at the rerun", now);
        Optional<String> fewer = fewer(previous.baseline(), now);
        if (fewer.isPresent()) {
            return Checked.refused(fewer.get(), "restore the missing data (milvus-backup), or set " + Intent.DATA_CHECK
                    + ": off to accept the cluster as it is, then rerun");
        }
        String probe = "";
        if (mode == DataCheck.Mode.WRITE) {
            if (probe() instanceof MilvusData.Probe.Failed f) {
                return Checked.refused("the write probe repeated by this rerun failed at " + f.step() + ": " + f.detail(),
                        "check the proxies' and mixcoord's logs, then rerun");
            }
            probe = "passed";
        }
        return Checked.ok(previous.withStage(new DataCheckRecord.StageCheck("rerun", "ok", DataCheckRecord.Totals.of(now, probe)), List.of()));
    }

    /** The probe; Milvus unreachable while it runs is a failed probe, not an error of the run. */
    private MilvusData.Probe probe() {
        try {
            return data.probe();
        } catch (MilvusData.Unreachable e) {
            return new MilvusData.Probe.Failed("connect", e.getMessage(), false);
        }
    }

    /** The full table goes into the log: one line per collection. */
    private void table(String when, DataSnapshot s) {
        log.accept("data " + when + ": " + s.databases().size() + " database(s), " + s.collectionCount() + " collection(s), " + s.rowCount() + " row(s)");
        for (DataSnapshot.Database db : s.databases()) {
            for (DataSnapshot.Collection c : db.collections()) {
                log.accept("  " + db.name() + "." + c.name() + " rows=" + c.rowCount() + " load=" + c.loadState().replace("LoadState", "")
                        + " indexes=" + c.indexes().stream().map(i -> i.name() + ":" + i.state()).collect(Collectors.joining(",")));
            }
        }
    }

    private static String names(List<DataCheck.Difference> found) {
        String shown = found.stream().limit(5).map(DataCheck.Difference::describe).collect(Collectors.joining("; "));
        return found.size() > 5 ? shown + "; and " + (found.size() - 5) + " more" : shown;
    }

    private void pause(Instant deadline) {
        RetryLater.pause(clock, deadline, retryEvery);
    }

    /** Every collection of this run's baseline as {@code db.collection} (what the backup must cover); empty before {@link #baseline}. */
    List<String> baselineCollections() {
        return baseline == null ? List.of() : baseline.databases().stream()
                .flatMap(d -> d.collections().stream().map(c -> d.name() + "." + c.name())).toList();
    }
}

package dev.milvusupgrade.run;

import dev.milvusupgrade.data.AccessFailure;
import dev.milvusupgrade.data.MilvusData;
import dev.milvusupgrade.plan.Canary;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.DataCheck;
import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.DataSnapshot;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.Rejection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
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
    private final Optional<CanaryCheck> canary;
    private final boolean clientsWrite;
    private DataSnapshot baseline;

    DataGate(MilvusData data, DataCheck.Mode mode, Clock clock, Duration retryEvery, Consumer<String> log) {
        this(data, mode, clock, retryEvery, log, "", false);
    }

    /**
     * @param canaryName the canary's name ({@link dev.milvusupgrade.plan.Canary#name}); used in write mode only
     * @param clientsWrite whether clients write during the upgrade (a lower count(*) is then a warning)
     */
    DataGate(MilvusData data, DataCheck.Mode mode, Clock clock, Duration retryEvery, Consumer<String> log, String canaryName,
            boolean clientsWrite) {
        this.data = data;
        this.mode = mode;
        this.clock = clock;
        this.retryEvery = retryEvery;
        this.log = log;
        this.canary = mode == DataCheck.Mode.WRITE
                && !canaryName.isEmpty() ? Optional.of(new CanaryCheck(data, canaryName)) : Optional.empty();
        this.clientsWrite = clientsWrite;
    }

    /**
     * The snapshot every stage is compared with, and in write mode a probe that proves the probe
     * itself works. Milvus unreachable, or a failing probe, is a refusal with the fix.
     */
    Checked<DataCheckRecord> baseline(String endpoint, Optional<Instant> retryUntil, Optional<DataCheckRecord> previous) {
        return baseline(endpoint, retryUntil, previous, Optional.empty(), b -> Optional.empty());
    }

    /**
     * As {@link #baseline(String, Optional, Optional)}; with {@code kept} (the baseline the first run took, issue 21) a
     * rerun compares the cluster with it, collection by collection under the same rules as after a stage, and goes on
     * comparing with it; without, a fresh baseline is taken and {@code admit} may refuse it (too large to keep).
     */
    Checked<DataCheckRecord> baseline(String endpoint, Optional<Instant> retryUntil, Optional<DataCheckRecord> previous,
            Optional<DataSnapshot> kept,
            Function<DataSnapshot, Optional<Rejection>> admit) {
        DataSnapshot now = null;
        while (now == null) {
            try {
                now = kept.isPresent() ? data.snapshot(kept.get()) : data.snapshot();
            } catch (MilvusData.Denied | MilvusData.Malformed | AccessFailure e) {
                // waiting grants no privilege, fixes no credentials or certificate and changes nothing Milvus answers
                return refusedUnreachable(endpoint, e);
            } catch (MilvusData.Unreachable e) {
                if (retryUntil.isPresent() && clock.instant().isBefore(retryUntil.get())) {
                    log.accept("data: Milvus not reachable yet (" + e.getMessage() + "); checking again");
                    pause(retryUntil.get());
                    continue;
                }
                return refusedUnreachable(endpoint, e);
            }
        }
        List<DataCheck.Difference> warned = List.of();
        if (kept.isPresent()) {
            baseline = kept.get();
            List<DataCheck.Difference> found = DataCheck.compare(baseline, now, clientsWrite);
            Optional<String> lost = lostSinceBaseline(found, now);
            if (lost.isPresent()) {
                return Checked.refused(lost.get(), "restore the missing data (milvus-backup), or set " + Intent.DATA_CHECK
                        + ": off to accept the cluster as it is, then rerun");
            }
            warned = warnings(found);
            warned.forEach(d -> log.accept("data warning at the rerun: " + d.describe()));
            log.accept("data at the rerun: compared with the baseline kept since before the first stage (" + baseline.collectionCount()
                    + " collection(s), " + baseline.sampledKeys() + " sampled key(s)): nothing lost");
        } else {
            baseline = now;
            Optional<Rejection> no = admit.apply(baseline);
            if (no.isPresent()) {
                return new Checked.Refused<>(no.get());
            }
            if (previous.isPresent()) {
                // A record from before the baseline was kept: only its totals are left.
                Optional<String> fewer = fewer(previous.get().baseline(), baseline);
                if (fewer.isPresent()) {
                    table("at the rerun", baseline);
                    return Checked.refused(fewer.get(), "restore the missing data (milvus-backup), or set " + Intent.DATA_CHECK
                            + ": off to accept the cluster as it is, then rerun");
                }
            }
        }
        Checked<DataCheckRecord> fresh = probeFirst();
        if (previous.isPresent() && fresh instanceof Checked.Ok<DataCheckRecord> ok) {
            DataCheckRecord p = previous.get().withWarnings(warned);
            return Checked.ok(ok.value().canary().isEmpty() ? p : p.withCanary(ok.value().canary()));
        }
        return fresh;
    }

    /** The losses (not pending, not warnings) a rerun finds against the kept baseline, as one line, if any. */
    private Optional<String> lostSinceBaseline(List<DataCheck.Difference> found, DataSnapshot now) {
        List<DataCheck.Difference> losses = found.stream().filter(d -> !d.isWarning() && !d.mayResolve()).toList();
        if (losses.isEmpty()) {
            return Optional.empty();
        }
        table("at the rerun", now);
        losses.forEach(d -> log.accept("data difference at the rerun: " + d.describe()));
        return Optional.of("the data check at the rerun, against the baseline taken before the first stage, found " + losses.size()
                + " difference(s): " + names(losses));
    }

    /** The baseline every stage is compared with; empty before {@link #baseline}. */
    Optional<DataSnapshot> baselineSnapshot() {
        return Optional.ofNullable(baseline);
    }

    /**
     * The totals rule of a rerun, classified as the per-stage check is: fewer collections, or fewer rows by
     * count(*) (over loaded collections without TTL, unless clients write), is a loss; fewer rows by
     * get_stats alone is logged as a warning (compaction of deletes lowers it without loss).
     */
    private Optional<String> fewer(DataCheckRecord.Totals before, DataSnapshot now) {
        if (now.collectionCount() < before.collections()) {
            return Optional.of("the data check finds " + now.collectionCount() + " collection(s) and " + now.rowCount()
                    + " row(s), fewer than the " + before.collections() + " and " + before.rows() + " before the upgrade");
        }
        if (!clientsWrite && before.counted() > 0 && now.countedRows() < before.counted()) {
            return Optional.of("the data check counts " + now.countedRows() + " row(s) by count(*), fewer than the " + before.counted()
                    + " before the upgrade");
        }
        if (now.rowCount() < before.rows()) {
            log.accept("data warning: get_stats totals " + now.rowCount() + " row(s), fewer than the " + before.rows()
                    + " before the upgrade,"
                    + " while count(*) is not lower: likely compaction applying deletes or upserts, TTL expiry or a failed import");
        }
        return Optional.empty();
    }

    private static Checked<DataCheckRecord> refusedUnreachable(String endpoint, MilvusData.Unreachable e) {
        if (e instanceof MilvusData.Denied) {
            return Checked.refused("Milvus's user may not do what the data check needs: " + e.getMessage(), PRIVILEGES);
        }
        if (e instanceof AccessFailure a) {
            return Checked.refused(a.getMessage(), a.fix() + ", or set " + Intent.DATA_CHECK + ": off");
        }
        if (e instanceof MilvusData.Malformed) {
            return Checked.refused("the data check cannot read what Milvus at " + endpoint + " answers (" + e.getMessage() + ")",
                    "point " + Intent.MILVUS_ENDPOINT + " at Milvus's RESTful API v2 (Milvus 2.5 or later, proxy port 19530), or set "
                    + Intent.DATA_CHECK + ": off");
        }
        return Checked.refused("Milvus at " + endpoint + " cannot be reached for the data check (" + e.getMessage() + ")",
                "allow egress from this Job to port 19530 (NetworkPolicy), set " + Intent.MILVUS_ENDPOINT + " (and "
                + Intent.MILVUS_AUTH_SECRET + " if authentication is on), or set " + Intent.DATA_CHECK + ": off");
    }

    private Checked<DataCheckRecord> probeFirst() {
        table("before", baseline);
        DataCheckRecord.Probe probe = DataCheckRecord.Probe.NONE;
        DataCheckRecord start = DataCheckRecord.start(mode, DataCheckRecord.Totals.of(baseline, probe));
        if (mode == DataCheck.Mode.WRITE) {
            MilvusData.Probe p;
            try {
                p = data.probe();
            } catch (MilvusData.Denied e) {
                return Checked.refused("Milvus's user may not run the write probe: " + e.getMessage(), PRIVILEGES);
            } catch (MilvusData.Unreachable e) {
                p = new MilvusData.Probe.Failed("connect", e.getMessage(), false);
            }
            if (p instanceof MilvusData.Probe.Failed f) {
                return Checked.refused("the write probe failed before any change, at " + f.step() + ": " + f.detail(),
                        "check that this tool's Milvus user may create and drop collections in database default, or set "
                        + Intent.DATA_CHECK + ": read");
            }
            log.accept("data: write probe passed");
            if (canary.isPresent()) {
                CanaryCheck c = canary.get();
                try {
                    Optional<CanaryCheck.Foreign> foreign = c.owner();
                    if (foreign.isPresent()) {
                        return Checked.refused("the canary's name is taken: " + foreign.get().description(),
                                "rename or drop that collection"
                                + " (the tool never writes to a collection it did not create), or set " + Intent.DATA_CHECK + ": read");
                    }
                    long t0 = System.nanoTime();
                    Optional<CanaryCheck.Failure> broken = c.ensure();
                    if (broken.isPresent()) {
                        return Checked.refused("the canary check failed before any change: " + broken.get().property(),
                                "check that this tool's"
                                + " Milvus user may create, write and drop collections in database default; drop the collection " + c.name()
                                + " if an earlier run left it broken; or set " + Intent.DATA_CHECK + ": read");
                    }
                    log.accept("data: canary " + Canary.DATABASE + "." + c.name() + " ready: " + Canary.ROWS
                            + " rows, search and writes checked in "
                            + millisSince(t0) + " ms");
                } catch (MilvusData.Denied e) {
                    return Checked.refused("Milvus's user may not keep the canary: " + e.getMessage(), PRIVILEGES);
                } catch (MilvusData.Unreachable e) {
                    return Checked.refused("the canary check could not reach Milvus before any change: " + e.getMessage(),
                            "check the proxies, then rerun, or set " + Intent.DATA_CHECK + ": read");
                }
                start = start.withCanary(c.name());
            }
            probe = DataCheckRecord.Probe.PASSED;
        }
        return Checked.ok(new DataCheckRecord(start.mode(), DataCheckRecord.Totals.of(baseline, probe), start.stages(), start.differences(),
                start.differencesTotal(), start.remedy47806(), start.canary(), start.warnings(), start.warningsTotal()));
    }

    /** What the Milvus user needs, for a refusal's fix (README "Minimal Milvus role"). */
    static final String PRIVILEGES = "grant this tool's Milvus user the role in the README's \"Minimal Milvus role\": for "
            + Intent.DATA_CHECK
            + ": read ListDatabases, ShowCollections, DescribeCollection, GetStatistics, GetLoadState, DescribeIndex and Query on every "
            + "database;"
            + " for write also CreateCollection, DropCollection, Load, Insert, Upsert, Delete and Search on database default; or set "
            + Intent.DATA_CHECK + ": off";

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /**
     * After {@code stage}: snapshots until nothing is lost or {@code deadline} passes (Milvus may be
     * unreachable and collections still loading while proxies and query nodes roll), then in write mode
     * the probe and the canary. {@code remedy} restarts mixcoord and the streaming nodes; it is tried
     * once, when after a 2.6 stage a write step (create, load, insert, upsert, delete, drop) or a query
     * hangs until its timeout, the milvus#47806 signature, and returns why it could not finish, if so.
     */
    Verdict afterStage(String stage, boolean streamingEra, Instant deadline, DataCheckRecord record, Supplier<Optional<String>> remedy) {
        long t0 = System.nanoTime();
        DataCheckRecord r = record;
        while (true) {
            boolean mayRemedy = mode == DataCheck.Mode.WRITE && streamingEra && !r.remedy47806();
            Settled s = settle(stage, deadline, mayRemedy);
            if (s.now == null) {
                return new Verdict.Failed(r, notRead(stage, s));
            }
            List<DataCheck.Difference> losses = s.found.stream().filter(d -> !d.isWarning()).toList();
            boolean hung = s.now.queryTimedOut();
            if (!losses.isEmpty() && !(hung && mayRemedy)) {
                return lost(stage, s, r, losses, t0);
            }
            WriteCheck w = mode == DataCheck.Mode.WRITE ? writeCheck(stage) : WriteCheck.PASSED;
            if (mayRemedy && (w.hung() || hung)) {
                log.accept("data after " + stage + ": " + (w.hung() ? w.hungAt() : "count(*) queries timed out")
                        + " (milvus#47806): restarting"
                        + " mixcoord, then the streaming nodes");
                r = r.withRemedy();
                Optional<String> stuck = remedy.get();
                if (stuck.isPresent()) {
                    return new Verdict.Failed(r.withStage(check(stage, DataCheckRecord.Outcome.PROBE_FAILED, s.now, t0), List.of()),
                            "the data plane hung after stage " + stage + " (milvus#47806) and the remedy could not finish: " + stuck.get());
                }
                continue; // everything again, once
            }
            return conclude(stage, s.now, s.found, r, w, t0);
        }
    }

    /** Why no snapshot could be read after {@code stage}, as the failure's message. */
    private static String notRead(String stage, Settled s) {
        return switch (s.problem) {
            case DENIED -> "after stage " + stage + " Milvus's user may not do what the data check needs: " + s.unreachable + "; fix: "
                    + PRIVILEGES.replace("; or set " + Intent.DATA_CHECK + ": off", "") + ", then rerun to check again";
            case MALFORMED -> "after stage " + stage + " the data check could not read Milvus's answer: " + s.unreachable
                    + "; the cluster is"
                    + " left as it is; fix: check that the proxies serve Milvus's RESTful API v2 (and nothing in between rewrites it), then"
                    + " rerun to check again";
            case ACCESS -> "after stage " + stage + " " + s.unreachable + ", then rerun to check again";
            case UNREACHABLE, NONE -> "after stage " + stage + " Milvus could not be reached for the data check until the stage timeout ("
                    + s.unreachable + "); fix: check the proxies ('kubectl get pods -l app.kubernetes.io/component=proxy'), then rerun to"
                    + " check again";
        };
    }

    /** The data check after {@code stage} found data lost or broken. */
    private Verdict lost(String stage, Settled s, DataCheckRecord r, List<DataCheck.Difference> losses, long t0) {
        table("after " + stage, s.now);
        s.found.forEach(d -> log.accept("data " + (d.isWarning() ? "warning" : "difference") + " after " + stage + ": " + d.describe()));
        DataCheckRecord f = r.withWarnings(warnings(s.found))
                .withStage(check(stage, DataCheckRecord.Outcome.DIFFERENCES, s.now, t0), losses);
        return new Verdict.Failed(f, "the data check after stage " + stage + " found " + losses.size() + " difference(s): " + names(losses)
                + "; the cluster is left as it is; fix: investigate these collections (the full table is in this Job's log), then"
                + " rerun to check again");
    }

    /** The stage's line in the record: its outcome and the totals after it (the probe failed unless the outcome is OK). */
    private DataCheckRecord.StageCheck check(String stage, DataCheckRecord.Outcome outcome, DataSnapshot now, long t0) {
        DataCheckRecord.Probe probe = outcome != DataCheckRecord.Outcome.OK ? (outcome == DataCheckRecord.Outcome.PROBE_FAILED
                ? DataCheckRecord.Probe.FAILED : DataCheckRecord.Probe.NONE) : mode == DataCheck.Mode.WRITE ? DataCheckRecord.Probe.PASSED
                : DataCheckRecord.Probe.NONE;
        return new DataCheckRecord.StageCheck(stage, outcome, DataCheckRecord.Totals.of(now, probe), millisSince(t0));
    }

    /**
     * What the write probe and the canary found after a stage.
     *
     * @param failure why writes failed, if they did
     * @param hung whether the failing step hung until its timeout (milvus#47806)
     * @param hungAt which step hung, for the log
     */
    private record WriteCheck(Optional<String> failure, boolean hung, String hungAt) {
        static final WriteCheck PASSED = new WriteCheck(Optional.empty(), false, "");
    }

    /** The write probe, then the canary. */
    private WriteCheck writeCheck(String stage) {
        MilvusData.Probe probe = probe();
        if (probe instanceof MilvusData.Probe.Failed f) {
            return new WriteCheck(Optional.of("the write probe failed after stage " + stage + " at " + f.step() + ": " + f.detail()),
                    f.writeTimedOut(), "the write probe timed out at " + f.step());
        }
        if (canary.isPresent()) {
            Optional<CanaryCheck.Failure> broken = canaryVerify();
            if (broken.isPresent()) {
                return new WriteCheck(Optional.of("the canary check after stage " + stage + " failed: " + broken.get().property()),
                        broken.get().timedOut(), "the canary check timed out (" + cut(broken.get().property()) + ")");
            }
        }
        return WriteCheck.PASSED;
    }

    /** Nothing lost after {@code stage}: warnings recorded, then the write check's failure or a pass. */
    private Verdict conclude(String stage, DataSnapshot now, List<DataCheck.Difference> found, DataCheckRecord record, WriteCheck w,
            long t0) {
        table("after " + stage, now);
        List<DataCheck.Difference> warned = warnings(found);
        warned.forEach(d -> log.accept("data warning after " + stage + ": " + d.describe()));
        DataCheckRecord r = record.withWarnings(warned);
        if (w.failure().isPresent()) {
            return new Verdict.Failed(r.withStage(check(stage, DataCheckRecord.Outcome.PROBE_FAILED, now, t0), List.of()), w.failure().get()
                    + (r.remedy47806() ? " (also after restarting mixcoord, then the streaming nodes, the milvus#47806 remedy)" : "")
                    + "; the cluster is left as it is" + (canary.isPresent() ? " and so is the canary " + canary.get().name() : "")
                    + "; fix: check the proxies' and mixcoord's logs, then rerun to check again");
        }
        DataCheckRecord.StageCheck passed = check(stage, DataCheckRecord.Outcome.OK, now, t0);
        log.accept("data after " + stage + ": " + summary(now) + (mode == DataCheck.Mode.WRITE ? "; write probe" + (canary.isPresent()
                ? " and canary (" + Canary.ROWS + " rows bit for bit, search, insert, upsert, delete)" : "") + " passed" : "")
                + (r.remedy47806() ? " after the milvus#47806 remedy" : "") + (warned.isEmpty() ? "" : "; " + warned.size() + " warning(s)")
                + "; checks took " + passed.millis() + " ms");
        return new Verdict.Passed(r.withStage(passed, List.of()));
    }

    /** Why a snapshot could not be taken. */
    private enum Problem {
        NONE, UNREACHABLE, DENIED, MALFORMED, ACCESS
    }

    /** The last snapshot and its differences, or why none could be taken. */
    private record Settled(DataSnapshot now, List<DataCheck.Difference> found, String unreachable, Problem problem) {
    }

    /**
     * Snapshots until no difference may still resolve, or {@code deadline}; with {@code stopOnHang}, also as soon as
     * a count(*) times out (the caller tries the remedy). A refused privilege, refused credentials or an answer that
     * cannot be read ends it at once: waiting changes none of them.
     */
    private Settled settle(String stage, Instant deadline, boolean stopOnHang) {
        DataSnapshot now = null;
        List<DataCheck.Difference> found = List.of();
        String unreachable = "";
        while (true) {
            try {
                now = data.snapshot(baseline);
                found = DataCheck.compare(baseline, now, clientsWrite);
                unreachable = "";
                if (found.stream().noneMatch(DataCheck.Difference::mayResolve) || stopOnHang && now.queryTimedOut()) {
                    break;
                }
            } catch (MilvusData.Denied | MilvusData.Malformed e) {
                return new Settled(null, found, e.getMessage(), e instanceof MilvusData.Denied ? Problem.DENIED : Problem.MALFORMED);
            } catch (AccessFailure e) {
                // Refused credentials or a certificate no longer trusted: waiting fixes neither.
                return new Settled(null, found, e.getMessage() + "; fix: " + e.fix(), Problem.ACCESS);
            } catch (MilvusData.Unreachable e) {
                unreachable = e.getMessage();
            }
            if (!clock.instant().isBefore(deadline)) {
                break;
            }
            long pending = found.stream().filter(DataCheck.Difference::mayResolve).count();
            log.accept("data after " + stage + ": " + (unreachable.isEmpty() ? pending + " collection(s) not loaded or counted again yet: "
                    + names(found.stream().filter(DataCheck.Difference::mayResolve).toList())
                        : "Milvus not reachable yet (" + unreachable + ")")
                    + "; checking again");
            pause(deadline);
        }
        return unreachable.isEmpty() ? new Settled(now, found, "", Problem.NONE)
                : new Settled(null, found, unreachable, Problem.UNREACHABLE);
    }

    private Optional<CanaryCheck.Failure> canaryVerify() {
        try {
            Optional<CanaryCheck.Foreign> foreign = canary.get().owner();
            if (foreign.isPresent()) {
                return Optional.of(new CanaryCheck.Failure("the canary is gone: " + foreign.get().description(), false));
            }
            return canary.get().verify();
        } catch (MilvusData.StepFailed e) {
            return Optional.of(new CanaryCheck.Failure(e.step() + " of the canary failed: " + e.getMessage(), e.timedOut()));
        } catch (MilvusData.Unreachable e) {
            return Optional.of(new CanaryCheck.Failure("Milvus could not be reached: " + e.getMessage(), false));
        }
    }

    private static List<DataCheck.Difference> warnings(List<DataCheck.Difference> found) {
        return found.stream().filter(DataCheck.Difference::isWarning).toList();
    }

    private static String summary(DataSnapshot s) {
        return s.collectionCount() + " collection(s), " + s.rowCount() + " row(s) by get_stats, " + s.countedRows() + " by count(*), "
                + s.sampledKeys() + " sampled key(s) read back";
    }

    private static String cut(String text) {
        return text.length() <= 160 ? text : text.substring(0, 159) + "…";
    }

    /**
     * When the upgrade succeeded: drops the canary (kept on failure, for whoever investigates). A canary that
     * cannot be dropped is a warning, not a failure of the upgrade.
     */
    DataCheckRecord finish(DataCheckRecord record) {
        if (canary.isEmpty()) {
            return record;
        }
        Optional<String> failed = canary.get().drop();
        if (failed.isPresent()) {
            log.accept("data: warning: the canary " + Canary.DATABASE + "." + canary.get().name() + " could not be dropped (" + failed.get()
                    + "); drop it yourself (collections/drop)");
            return record.withWarnings(List.of(new DataCheck.Difference(Canary.DATABASE, canary.get().name(),
                    "not dropped: " + cut(failed.get()),
                    DataCheck.Kind.WARNING)));
        }
        log.accept("data: canary " + Canary.DATABASE + "." + canary.get().name() + " dropped");
        return record;
    }

    /**
     * A rerun after a failed data check, on a cluster already upgraded: the per-collection baseline
     * is gone with the run that took it, so what is compared is the recorded totals (no fewer
     * collections, no fewer rows) and, in write mode, the probe.
     */
    Checked<DataCheckRecord> recheck(String endpoint, DataCheckRecord previous) {
        return recheck(endpoint, previous, Optional.empty());
    }

    /** As {@link #recheck(String, DataCheckRecord)}; with {@code kept} collection by collection against the first run's baseline. */
    Checked<DataCheckRecord> recheck(String endpoint, DataCheckRecord previous, Optional<DataSnapshot> kept) {
        DataSnapshot now;
        try {
            now = kept.isPresent() ? data.snapshot(kept.get()) : data.snapshot();
        } catch (MilvusData.Unreachable e) {
            return refusedUnreachable(endpoint, e);
        }
        table("at the rerun", now);
        Optional<String> fewer = kept.isPresent() ? lostSinceBaseline(DataCheck.compare(kept.get(), now, clientsWrite), now)
                : fewer(previous.baseline(), now);
        if (fewer.isPresent()) {
            return Checked.refused(fewer.get(), "restore the missing data (milvus-backup), or set " + Intent.DATA_CHECK
                    + ": off to accept the cluster as it is, then rerun");
        }
        DataCheckRecord.Probe probe = DataCheckRecord.Probe.NONE;
        if (mode == DataCheck.Mode.WRITE) {
            if (probe() instanceof MilvusData.Probe.Failed f) {
                return Checked.refused("the write probe repeated by this rerun failed at " + f.step() + ": " + f.detail(),
                        "check the proxies' and mixcoord's logs, then rerun");
            }
            if (canary.isPresent()) {
                Optional<CanaryCheck.Failure> broken = canaryVerify();
                if (broken.isPresent()) {
                    return Checked.refused("the canary check repeated by this rerun failed: " + broken.get().property(),
                            "investigate, then drop the"
                            + " canary " + Canary.DATABASE + "." + canary.get().name() + " and rerun, or set " + Intent.DATA_CHECK
                            + ": read");
                }
            }
            probe = DataCheckRecord.Probe.PASSED;
        }
        DataCheckRecord checked = previous.withStage(new DataCheckRecord.StageCheck("rerun", DataCheckRecord.Outcome.OK,
                DataCheckRecord.Totals.of(now, probe)), List.of());
        return Checked.ok(finish(checked));
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
        log.accept("data " + when + ": " + s.databases().size() + " database(s), " + s.collectionCount() + " collection(s), " + s.rowCount()
                + " row(s)");
        for (DataSnapshot.Database db : s.databases()) {
            for (DataSnapshot.Collection c : db.collections()) {
                log.accept("  " + db.name() + "." + c.name() + " rows=" + c.rowCount()
                        + (c.counted() ? " count(*)=" + c.queryCount() + " sampled="
                        + c.sample().size() : c.queryCount() == DataSnapshot.Collection.TIMED_OUT ? " count(*)=timed-out" : "")
                        + (c.ttlSeconds() > 0 ? " ttl=" + c.ttlSeconds() + "s" : "") + " load=" + c.loadState().replace("LoadState", "")
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

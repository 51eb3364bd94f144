package dev.milvusupgrade.run;

import dev.milvusupgrade.data.MilvusBackup;
import dev.milvusupgrade.plan.BackupPoint;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.Rejection;
import dev.milvusupgrade.plan.RunRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The milvus-backup gate before the point of no return (issues 10 and 21). The backup is asked for asynchronously
 * by name and waited for, so that a rerun finds it by that name and never takes a second one while one is under
 * way. Before the first 2.6 patch the gate verifies, through {@code get_backup}, that the backup is SUCCESS, ended at
 * most {@code maxBackupAge} ago and covers this cluster's collections. milvus-backup's states are trusted, its
 * progress is only shown (milvus-rest FACTS.md).
 *
 * <p>Every generation from v0.4.30 on is served (FACTS "milvus-backup versions"): a name unknown to get_backup is
 * code 404 before v0.5.10 and a brief without a name after (both {@link MilvusBackup.State#UNKNOWN}); a retry never
 * reuses a name that failed ({@link BackupPoint#attempt}), since a failed attempt may leave objects under its
 * directory and milvus-backup then never starts that name again (INITIAL for ever from v0.5.10, EXECUTING before), and
 * v0.5.9 and older accept a name twice.
 */
final class BackupGate {

    /** At most this many new attempts in one run: a rerun may ask again. */
    static final int MAX_NEW_ATTEMPTS = 3;
    /** A backup INITIAL at progress 1 longer than this (or a quarter of backupTimeout, if less) will never start. */
    static final Duration WEDGED_AFTER = Duration.ofMinutes(5);

    /** How the gate ended. */
    sealed interface Result {
        /**
         * The backup is there and verified.
         *
         * @param backup as get_backup describes it (or the recorded description, for one only milvus-backup's list still shows)
         * @param endedAt when it ended
         * @param askedAt when the run asked for it
         */
        record Taken(MilvusBackup.Backup backup, Instant endedAt, Instant askedAt) implements Result {
        }

        record Failed(String message) implements Result {
        }
    }

    /** One attempt at the backup: its name and when the run asked milvus-backup for it. */
    record Attempt(String name, Instant askedAt) {
    }

    /**
     * What the backup must cover.
     *
     * @param collections {@code db.collection}; empty: nothing is compared
     * @param exact whether a collection the backup holds beyond these is a mismatch (they are all of this cluster's)
     * @param what where they come from, for the message
     */
    record Coverage(List<String> collections, boolean exact, String what) {
        static final Coverage NONE = new Coverage(List.of(), false, "");
    }

    private final MilvusBackup backup;
    private final Intent.Backup config;
    private final Clock clock;
    private final Duration pollEvery;
    private final Consumer<String> log;

    BackupGate(MilvusBackup backup, Intent.Backup config, Clock clock, Duration pollEvery, Consumer<String> log) {
        this.backup = backup;
        this.config = config;
        this.clock = clock;
        this.pollEvery = pollEvery;
        this.log = log;
    }

    /** Before any change: milvus-backup must answer as milvus-backup, or the backup must be optional. */
    Optional<Rejection> preflight(List<String> warnings) {
        try {
            backup.ping();
            MilvusBackup.Generation g = backup.generation();
            log.accept("milvus-backup at " + config.endpoint() + " answers like " + g.text());
            return Optional.empty();
        } catch (MilvusBackup.Unreachable e) {
            if (!config.required()) {
                warnings.add("milvus-backup at " + config.endpoint() + " does not answer (" + e.getMessage() + "); the upgrade goes on"
                        + " without a backup (backupRequired: false)");
                return Optional.empty();
            }
            return Optional.of(Rejection.of("milvus-backup at " + config.endpoint() + " does not answer (" + e.getMessage()
                    + ") and the intent requires a backup before 2.6", "start milvus-backup v0.4.30 or later as a server next to Milvus"
                    + " ('milvus-backup server', port 8080) or fix backupEndpoint, or set backupRequired: \"false\""));
        }
    }

    /** {@code collections} in milvus-backup's form, {@code db.collection} ({@code c} is {@code default.c}). */
    static List<String> qualified(List<String> collections) {
        return collections.stream().map(c -> c.contains(".") ? c : "default." + c).distinct().toList();
    }

    /**
     * Takes the backup of this upgrade, or finds it taken or under way (a rerun), waits until it ends, and verifies it.
     *
     * @param base the backup's name for the first attempt ({@link BackupPoint#name})
     * @param recorded the attempt the record names, if one was asked for
     * @param taken the backup the record says was taken (the description get_backup gave at SUCCESS), if any
     * @param maxAge how long ago the backup may have ended
     * @param cover what it must cover
     * @param asking told of each new attempt before milvus-backup is asked, to record it
     * @param firstWait runs once, when the backup is first seen not finished
     */
    Result take(String base, Optional<Attempt> recorded, Optional<RunRecord.BackupRecord> taken, Duration maxAge, Coverage cover,
            Consumer<Attempt> asking, Runnable firstWait) {
        Taking t = new Taking(base, taken, maxAge, cover, clock.instant());
        t.name = recorded.map(Attempt::name).orElse(base);
        t.attempt = BackupPoint.attemptOf(t.name, base).orElse(1);
        t.askedAt = recorded.map(Attempt::askedAt).orElse(null);
        while (true) {
            Instant deadline = t.since().plus(config.timeout());
            Next next;
            try {
                MilvusBackup.Backup now = backup.get(t.name);
                next = judge(t, now);
                if (next instanceof Next.Ask) {
                    t.askedAt = clock.instant();
                    Optional<Result> refused = ask(t.name, t.askedAt, asking);
                    if (refused.isPresent()) {
                        return refused.get();
                    }
                    t.askedHere = true;
                    continue;
                }
            } catch (MilvusBackup.Unexpected e) {
                return new Result.Failed(e.getMessage() + " while backup " + t.name
                        + " was under way; the cluster is left on 2.5, nothing of"
                        + " 2.6 started; fix: check that backupEndpoint is milvus-backup v0.4.30 or later and see its log, then rerun");
            } catch (MilvusBackup.Unreachable e) {
                if (!clock.instant().isBefore(deadline)) {
                    return new Result.Failed("milvus-backup at " + config.endpoint() + " stopped answering while backup " + t.name
                            + " was under"
                            + " way (" + e.getMessage()
                            + "); the cluster is left on 2.5, nothing of 2.6 started; fix: bring milvus-backup back,"
                            + " then rerun to wait for the same backup");
                }
                log.accept("backup " + t.name + ": milvus-backup not reachable (" + e.getMessage() + "); asking again");
                pause(deadline);
                continue;
            }
            Optional<Result> end;
            if (next instanceof Next.Done d) {
                end = Optional.of(d.result());
            } else if (next instanceof Next.Retry r) {
                end = retry(t, r.why());
            } else {
                end = waiting(t, ((Next.Wait) next).now(), deadline, firstWait);
            }
            if (end.isPresent()) {
                return end.get();
            }
        }
    }

    /** What one {@link #take} knows as it goes: the attempt under way and what has been seen of it. */
    private static final class Taking {
        final String base;
        final Optional<RunRecord.BackupRecord> taken;
        final Duration maxAge;
        final Coverage cover;
        final Instant runStart;
        String name;
        int attempt;
        /** When the run asked for the current attempt; null when not (yet) known. */
        Instant askedAt;
        boolean askedHere;
        boolean waitSeen;
        int newAttempts;
        String last = "";

        Taking(String base, Optional<RunRecord.BackupRecord> taken, Duration maxAge, Coverage cover, Instant runStart) {
            this.base = base;
            this.taken = taken;
            this.maxAge = maxAge;
            this.cover = cover;
            this.runStart = runStart;
        }

        Instant since() {
            return askedAt == null ? runStart : askedAt;
        }
    }

    /** What to do after one look at the backup. */
    private sealed interface Next {
        /** The gate ends with this. */
        record Done(Result result) implements Next {
        }

        /** The current attempt will not do: a new one, for this reason. */
        record Retry(String why) implements Next {
        }

        /** Not asked for yet: ask. */
        record Ask() implements Next {
        }

        /** Under way (INITIAL, EXECUTING, or not yet known just after the create): wait. */
        record Wait(MilvusBackup.Backup now) implements Next {
        }
    }

    /** Judges what get_backup said of the current attempt. */
    private Next judge(Taking t, MilvusBackup.Backup now) {
        return switch (now.state()) {
            case UNKNOWN -> t.askedHere ? new Next.Wait(now) : unknown(t);
            case FAIL, TIMEOUT -> ended(t, now);
            case SUCCESS -> succeeded(t, now);
            default -> new Next.Wait(now);
        };
    }

    /** A name get_backup does not know: only listed (milvus-backup restarted), lost, or never asked for. */
    private Next unknown(Taking t) {
        Optional<MilvusBackup.Backup> listed = backup.find(t.name);
        Optional<RunRecord.BackupRecord> own = t.taken.filter(b -> b.name().equals(t.name));
        if (listed.isPresent() && own.isPresent() && own.get().size() == listed.get().size() && own.get().endedAt().isPresent()) {
            // Known only to the list (milvus-backup restarted): trusted because this upgrade recorded it so at SUCCESS.
            RunRecord.BackupRecord b = own.get();
            MilvusBackup.Backup now = new MilvusBackup.Backup(t.name, MilvusBackup.State.SUCCESS, 100, b.size(), b.firstCollections(), "",
                    Optional.empty(), b.endedAt());
            Optional<String> stale = stale(now.endTime(), t.maxAge);
            if (stale.isEmpty()) {
                log.accept("backup " + t.name + ": only milvus-backup's list still shows it, as this upgrade recorded it");
                return new Next.Done(new Result.Taken(now, b.endedAt().get(), t.since()));
            }
            return new Next.Retry(stale.get());
        }
        if (listed.isPresent()) {
            return new Next.Retry("only milvus-backup's list shows backup " + t.name
                    + " (its task is forgotten) and this upgrade recorded no"
                    + " description of it, so it is not trusted");
        }
        if (t.askedAt != null) {
            return new Next.Retry("milvus-backup does not know backup " + t.name
                    + " any more (restarted while it ran?); a part of it may be"
                    + " left in the backup bucket");
        }
        return new Next.Ask();
    }

    /** FAIL or TIMEOUT: the end of this run's attempt, or an earlier attempt to replace. */
    private Next ended(Taking t, MilvusBackup.Backup now) {
        String said = now.errorMessage().isEmpty() ? "" : ": " + now.errorMessage();
        if (t.askedHere) {
            return new Next.Done(new Result.Failed("backup " + t.name + " "
                    + (now.state() == MilvusBackup.State.FAIL ? "failed" : "timed out")
                    + " in milvus-backup" + said
                    + "; the cluster is left on 2.5, nothing of 2.6 started; fix: see milvus-backup's log, then"
                    + " rerun to ask again under a fresh name (" + BackupPoint.attempt(t.base, t.attempt + 1) + ")"));
        }
        return new Next.Retry("an earlier attempt, " + t.name + ", ended " + now.state() + (said.isEmpty() ? "" : " ("
                + now.errorMessage() + ")"));
    }

    /** SUCCESS: taken when recent enough and of this cluster; otherwise a failure or a new attempt. */
    private Next succeeded(Taking t, MilvusBackup.Backup now) {
        Instant endedAt = now.endTime().orElse(t.askedHere ? clock.instant() : null);
        Optional<String> stale = stale(Optional.ofNullable(endedAt), t.maxAge);
        Optional<String> differs = differs(now, t.cover);
        if (stale.isEmpty() && differs.isEmpty()) {
            return new Next.Done(new Result.Taken(now, endedAt, t.since()));
        }
        if (t.askedHere || stale.isEmpty() && t.newAttempts > 0) {
            return new Next.Done(new Result.Failed(stale.map(w -> "backup " + t.name + " " + w
                    + "; the cluster is left on 2.5, nothing of 2.6"
                    + " started; fix: raise maxBackupAge above the time a backup takes, then rerun")
                    .orElse("backup " + t.name + " " + differs.get() + "; the cluster is left on 2.5, nothing of 2.6 started; fix:"
                            + " point milvus-backup at this cluster (backup.yaml milvus.address and minio.* in the v1 schema,"
                            + " milvus.grpc.address and milvus.storage.* in configVersion v2) or correct backupCollections, then"
                            + " rerun: a new backup is taken under a fresh name")));
        }
        return new Next.Retry(stale.orElse(differs.orElse("")));
    }

    /** Moves on to a fresh name, or fails after {@link #MAX_NEW_ATTEMPTS}. */
    private Optional<Result> retry(Taking t, String why) {
        if (++t.newAttempts > MAX_NEW_ATTEMPTS) {
            return Optional.of(new Result.Failed("backup " + t.name + ": " + why + ", after " + MAX_NEW_ATTEMPTS
                    + " new attempts in this run;"
                    + " the cluster is left on 2.5, nothing of 2.6 started; fix: see milvus-backup's log, then rerun"));
        }
        t.attempt++;
        String next = BackupPoint.attempt(t.base, t.attempt);
        log.accept("backup " + t.name + ": " + why + "; asking for a new backup, " + next);
        t.name = next;
        t.askedAt = null;
        t.askedHere = false;
        t.waitSeen = false;
        return Optional.empty();
    }

    /** Under way: a failure when it is wedged or past the deadline; otherwise shows progress and pauses. */
    private Optional<Result> waiting(Taking t, MilvusBackup.Backup now, Instant deadline, Runnable firstWait) {
        Instant at = clock.instant();
        Duration wedged = config.timeout().dividedBy(4).compareTo(WEDGED_AFTER) < 0 ? config.timeout().dividedBy(4) : WEDGED_AFTER;
        if (now.state() == MilvusBackup.State.INITIAL && now.progress() <= 1 && t.askedAt != null && !at.isBefore(t.askedAt.plus(wedged))) {
            return Optional.of(new Result.Failed(wedgedMessage(t.name, now, wedged)));
        }
        String line = "backup " + t.name + ": " + now.state() + ", " + now.progress() + "%";
        if (!line.equals(t.last)) {
            log.accept(line);
            t.last = line;
        }
        if (!t.waitSeen) {
            t.waitSeen = true;
            firstWait.run();
        }
        if (!at.isBefore(deadline)) {
            return Optional.of(new Result.Failed("backup " + t.name + " did not finish within " + Intent.format(config.timeout())
                    + " of being asked for (milvus-backup says " + now.state() + ", " + now.progress() + "%); the cluster is left on 2.5,"
                    + " nothing of 2.6 started; fix: check milvus-backup's log, raise backupTimeout, then rerun to wait for the same"
                    + " backup"));
        }
        pause(deadline);
        return Optional.empty();
    }

    private static String wedgedMessage(String name, MilvusBackup.Backup now, Duration wedged) {
        return "backup " + name + " is still INITIAL (progress " + now.progress() + "%) " + Intent.format(wedged)
                + " after it was asked for: milvus-backup will never start it. Likely cause: the directory " + name + " already"
                + " exists in the backup bucket (a part of an earlier backup under that name), or milvus-backup cannot reach Milvus or"
                + " its storage. The cluster is left on 2.5, nothing of 2.6 started; fix: look for '" + name + "' in milvus-backup's"
                + " log; delete the prefix <backupBucketName>/<backupRootPath>/" + name + "/ in the backup bucket (e.g. 'mc rm"
                + " --recursive --force <alias>/<backupBucketName>/<backupRootPath>/" + name + "/'; milvus-backup's delete cannot, it"
                + " has no meta) or fix milvus-backup's backup.yaml, then rerun: the rerun asks under a fresh name";
    }

    /** Why a backup that ended at {@code endedAt} is too old (or of unknown age) for the 2.6 stage, if it is. */
    private Optional<String> stale(Optional<Instant> endedAt, Duration maxAge) {
        if (endedAt.isEmpty()) {
            return Optional.of("has no end time in milvus-backup's answer, so its age is unknown");
        }
        Duration age = Duration.between(endedAt.get(), clock.instant());
        if (age.compareTo(maxAge) <= 0) {
            return Optional.empty();
        }
        return Optional.of("ended " + Intent.format(age.withNanos(0)) + " ago (" + endedAt.get() + "), more than maxBackupAge "
                + Intent.format(maxAge) + ": a restore would lose every write since");
    }

    /** What differs between the backup's collections and what it must cover, if anything. */
    private static Optional<String> differs(MilvusBackup.Backup b, Coverage cover) {
        if (cover.collections().isEmpty()) {
            return Optional.empty();
        }
        Set<String> held = new LinkedHashSet<>(b.collections());
        List<String> missing = cover.collections().stream().filter(c -> !held.contains(c)).toList();
        List<String> extra = cover.exact() ? b.collections().stream().filter(c -> !cover.collections().contains(c)).toList() : List.of();
        if (missing.isEmpty() && extra.isEmpty()) {
            return Optional.empty();
        }
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add("lacks " + missing.size() + " of the " + cover.collections().size() + " collection(s) of " + cover.what() + " ("
                    + first(missing) + ")");
        }
        if (!extra.isEmpty()) {
            parts.add("holds " + extra.size() + " collection(s) this cluster does not have (" + first(extra) + ")");
        }
        return Optional.of("is not a backup of this cluster: it " + String.join(" and ", parts)
                + "; milvus-backup may be pointed at another"
                + " Milvus");
    }

    private static String first(List<String> names) {
        return String.join(", ", names.stream().limit(5).toList()) + (names.size() > 5 ? ", ..." : "");
    }

    private Optional<Result> ask(String name, Instant askedAt, Consumer<Attempt> asking) {
        asking.accept(new Attempt(name, askedAt));
        MilvusBackup.Created created = backup.create(name, config.collections());
        if (created instanceof MilvusBackup.Created.Rejected r) {
            return Optional.of(new Result.Failed("milvus-backup refused backup " + name + " (code " + r.code() + ": " + r.message()
                    + "); the cluster is left on 2.5, nothing of 2.6 started; fix: correct backupCollections or milvus-backup's"
                    + " configuration, then rerun"));
        }
        log.accept("backup " + name + ": asked milvus-backup for " + (config.collections().isEmpty() ? "all collections"
                : String.join(", ", config.collections()))
                    + (created instanceof MilvusBackup.Created.AlreadyExists ? " (already under way)" : ""));
        return Optional.empty();
    }

    private void pause(Instant deadline) {
        RetryLater.pause(clock, deadline, pollEvery);
    }
}

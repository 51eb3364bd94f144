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
        Instant runStart = clock.instant();
        String name = recorded.map(Attempt::name).orElse(base);
        int attempt = BackupPoint.attemptOf(name, base).orElse(1);
        Instant askedAt = recorded.map(Attempt::askedAt).orElse(null);
        boolean askedHere = false;
        boolean waitSeen = false;
        int newAttempts = 0;
        String last = "";
        while (true) {
            Instant deadline = (askedAt == null ? runStart : askedAt).plus(config.timeout());
            String retry = null; // why a new attempt is needed
            String asked = name;
            MilvusBackup.Backup now = null;
            try {
                now = backup.get(name);
                if (now.state() == MilvusBackup.State.UNKNOWN && !askedHere) {
                    Optional<MilvusBackup.Backup> listed = backup.find(name);
                    Optional<RunRecord.BackupRecord> own = taken.filter(t -> t.name().equals(asked));
                    if (listed.isPresent() && own.isPresent() && own.get().size() == listed.get().size() && own.get().endedAt().isPresent()) {
                        // Known only to the list (milvus-backup restarted): trusted because this upgrade recorded it so at SUCCESS.
                        RunRecord.BackupRecord t = own.get();
                        now = new MilvusBackup.Backup(name, MilvusBackup.State.SUCCESS, 100, t.size(), t.firstCollections(), "",
                                Optional.empty(), t.endedAt());
                        Optional<String> stale = stale(now.endTime(), maxAge);
                        if (stale.isEmpty()) {
                            log.accept("backup " + name + ": only milvus-backup's list still shows it, as this upgrade recorded it");
                            return new Result.Taken(now, t.endedAt().get(), askedAt == null ? runStart : askedAt);
                        }
                        retry = stale.get();
                    } else if (listed.isPresent()) {
                        retry = "only milvus-backup's list shows backup " + name + " (its task is forgotten) and this upgrade recorded no"
                                + " description of it, so it is not trusted";
                    } else if (askedAt != null) {
                        retry = "milvus-backup does not know backup " + name + " any more (restarted while it ran?); a part of it may be"
                                + " left in the backup bucket";
                    } else {
                        askedAt = clock.instant();
                        Optional<Result> refused = ask(name, askedAt, asking);
                        if (refused.isPresent()) {
                            return refused.get();
                        }
                        askedHere = true;
                        continue;
                    }
                } else if (now.state() == MilvusBackup.State.FAIL || now.state() == MilvusBackup.State.TIMEOUT) {
                    if (askedHere) {
                        return new Result.Failed("backup " + name + " " + (now.state() == MilvusBackup.State.FAIL ? "failed" : "timed out")
                                + " in milvus-backup" + (now.errorMessage().isEmpty() ? "" : ": " + now.errorMessage()) + "; the cluster is left"
                                + " on 2.5, nothing of 2.6 started; fix: see milvus-backup's log, then rerun to ask again under a fresh name ("
                                + BackupPoint.attempt(base, attempt + 1) + ")");
                    }
                    retry = "an earlier attempt, " + name + ", ended " + now.state() + (now.errorMessage().isEmpty() ? ""
                            : " (" + now.errorMessage() + ")");
                } else if (now.state() == MilvusBackup.State.SUCCESS) {
                    Instant endedAt = now.endTime().orElse(askedHere ? clock.instant() : null);
                    Optional<String> stale = stale(Optional.ofNullable(endedAt), maxAge);
                    Optional<String> differs = differs(now, cover);
                    if (stale.isEmpty() && differs.isEmpty()) {
                        return new Result.Taken(now, endedAt, askedAt == null ? runStart : askedAt);
                    }
                    if (askedHere || stale.isEmpty() && newAttempts > 0) {
                        return new Result.Failed(stale.map(w -> "backup " + asked + " " + w + "; the cluster is left on 2.5, nothing of 2.6"
                                + " started; fix: raise maxBackupAge above the time a backup takes, then rerun")
                                .orElse("backup " + name + " " + differs.get() + "; the cluster is left on 2.5, nothing of 2.6 started; fix:"
                                        + " point milvus-backup at this cluster (backup.yaml milvus.address and minio.* in the v1 schema,"
                                        + " milvus.grpc.address and milvus.storage.* in configVersion v2) or correct backupCollections, then"
                                        + " rerun: a new backup is taken under a fresh name"));
                    }
                    retry = stale.orElse(differs.orElse(""));
                }
            } catch (MilvusBackup.Unexpected e) {
                return new Result.Failed(e.getMessage() + " while backup " + name + " was under way; the cluster is left on 2.5, nothing of 2.6"
                        + " started; fix: check that backupEndpoint is milvus-backup v0.4.30 or later and see its log, then rerun");
            } catch (MilvusBackup.Unreachable e) {
                if (!clock.instant().isBefore(deadline)) {
                    return new Result.Failed("milvus-backup at " + config.endpoint() + " stopped answering while backup " + name + " was under way ("
                            + e.getMessage() + "); the cluster is left on 2.5, nothing of 2.6 started; fix: bring milvus-backup back, then rerun to"
                            + " wait for the same backup");
                }
                log.accept("backup " + name + ": milvus-backup not reachable (" + e.getMessage() + "); asking again");
                pause(deadline);
                continue;
            }
            if (retry != null) {
                if (++newAttempts > MAX_NEW_ATTEMPTS) {
                    return new Result.Failed("backup " + name + ": " + retry + ", after " + MAX_NEW_ATTEMPTS + " new attempts in this run; the"
                            + " cluster is left on 2.5, nothing of 2.6 started; fix: see milvus-backup's log, then rerun");
                }
                attempt++;
                String next = BackupPoint.attempt(base, attempt);
                log.accept("backup " + name + ": " + retry + "; asking for a new backup, " + next);
                name = next;
                askedAt = null;
                askedHere = false;
                waitSeen = false;
                continue;
            }
            // INITIAL or EXECUTING (or, just after the create, not yet known): wait.
            Instant at = clock.instant();
            Duration wedged = config.timeout().dividedBy(4).compareTo(WEDGED_AFTER) < 0 ? config.timeout().dividedBy(4) : WEDGED_AFTER;
            if (now.state() == MilvusBackup.State.INITIAL && now.progress() <= 1 && askedAt != null && !at.isBefore(askedAt.plus(wedged))) {
                return new Result.Failed("backup " + name + " is still INITIAL (progress " + now.progress() + "%) " + Intent.format(wedged)
                        + " after it was asked for: milvus-backup will never start it. Likely cause: the directory " + name + " already"
                        + " exists in the backup bucket (a part of an earlier backup under that name), or milvus-backup cannot reach Milvus or"
                        + " its storage. The cluster is left on 2.5, nothing of 2.6 started; fix: look for '" + name + "' in milvus-backup's"
                        + " log; delete the prefix <backupBucketName>/<backupRootPath>/" + name + "/ in the backup bucket (e.g. 'mc rm"
                        + " --recursive --force <alias>/<backupBucketName>/<backupRootPath>/" + name + "/'; milvus-backup's delete cannot, it"
                        + " has no meta) or fix milvus-backup's backup.yaml, then rerun: the rerun asks under a fresh name");
            }
            String line = "backup " + name + ": " + now.state() + ", " + now.progress() + "%";
            if (!line.equals(last)) {
                log.accept(line);
                last = line;
            }
            if (!waitSeen) {
                waitSeen = true;
                firstWait.run();
            }
            if (!at.isBefore(deadline)) {
                return new Result.Failed("backup " + name + " did not finish within " + Intent.format(config.timeout())
                        + " of being asked for (milvus-backup says " + now.state() + ", " + now.progress() + "%); the cluster is left on 2.5,"
                        + " nothing of 2.6 started; fix: check milvus-backup's log, raise backupTimeout, then rerun to wait for the same backup");
            }
            pause(deadline);
        }
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
        return Optional.of("is not a backup of this cluster: it " + String.join(" and ", parts) + "; milvus-backup may be pointed at another"
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
                : String.join(", ", config.collections())) + (created instanceof MilvusBackup.Created.AlreadyExists ? " (already under way)" : ""));
        return Optional.empty();
    }

    private void pause(Instant deadline) {
        RetryLater.pause(clock, deadline, pollEvery);
    }
}

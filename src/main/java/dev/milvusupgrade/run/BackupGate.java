package dev.milvusupgrade.run;

import dev.milvusupgrade.data.MilvusBackup;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.Rejection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The milvus-backup gate before the point of no return (issue 10): the backup is asked for
 * asynchronously by name and waited for, so that a rerun finds it by that name and never takes a
 * second one. milvus-backup's states are trusted, its progress is only shown (milvus-rest FACTS.md).
 */
final class BackupGate {

    /** How the gate ended. */
    sealed interface Result {
        record Taken(MilvusBackup.Backup backup, Duration took) implements Result {
        }

        record Failed(String message) implements Result {
        }
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

    /** Before any change: milvus-backup must answer, or the backup must be optional. */
    Optional<Rejection> preflight(List<String> warnings) {
        try {
            backup.ping();
            return Optional.empty();
        } catch (MilvusBackup.Unreachable e) {
            if (!config.required()) {
                warnings.add("milvus-backup at " + config.endpoint() + " does not answer (" + e.getMessage() + "); the upgrade goes on"
                        + " without a backup (backupRequired: false)");
                return Optional.empty();
            }
            return Optional.of(Rejection.of("milvus-backup at " + config.endpoint() + " does not answer (" + e.getMessage()
                    + ") and the intent requires a backup before 2.6", "start milvus-backup as a server next to Milvus ('milvus-backup server',"
                    + " port 8080) or fix backupEndpoint, or set backupRequired: \"false\""));
        }
    }

    /**
     * Takes the backup {@code name}, or finds it taken or under way (a rerun), and waits until it ends
     * or {@code deadline}; {@code firstWait} runs once, when the backup is first seen not finished.
     */
    Result take(String name, Instant started, Runnable firstWait) {
        Instant deadline = started.plus(config.timeout());
        boolean asked = false;
        boolean waitSeen = false;
        String last = "";
        while (true) {
            MilvusBackup.Backup now;
            try {
                now = backup.get(name);
                if (now.state() == MilvusBackup.State.UNKNOWN) {
                    // Unknown to the task manager: taken before a restart of milvus-backup (then it is listed), or not yet asked for.
                    Optional<MilvusBackup.Backup> stored = backup.find(name);
                    if (stored.isPresent()) {
                        now = stored.get();
                    } else if (!asked) {
                        Optional<Result> refused = create(name);
                        if (refused.isPresent()) {
                            return refused.get();
                        }
                        asked = true;
                        continue;
                    }
                } else if ((now.state() == MilvusBackup.State.FAIL || now.state() == MilvusBackup.State.TIMEOUT) && !asked) {
                    // An earlier run's attempt under this name failed: milvus-backup lets the name be used again.
                    log.accept("backup " + name + ": an earlier attempt ended " + now.state() + (now.errorMessage().isEmpty() ? ""
                            : " (" + now.errorMessage() + ")") + "; asking again");
                    Optional<Result> refused = create(name);
                    if (refused.isPresent()) {
                        return refused.get();
                    }
                    asked = true;
                    continue;
                }
            } catch (MilvusBackup.Unreachable e) {
                now = null;
                if (!clock.instant().isBefore(deadline)) {
                    return new Result.Failed("milvus-backup at " + config.endpoint() + " stopped answering while backup " + name + " was under way ("
                            + e.getMessage() + "); the cluster is left on 2.5, nothing of 2.6 started; fix: bring milvus-backup back, then rerun to"
                            + " wait for the same backup");
                }
                log.accept("backup " + name + ": milvus-backup not reachable (" + e.getMessage() + "); asking again");
            }
            if (now != null) {
                if (now.state() == MilvusBackup.State.SUCCESS) {
                    return new Result.Taken(now, Duration.between(started, clock.instant()));
                }
                if (now.state() == MilvusBackup.State.FAIL || now.state() == MilvusBackup.State.TIMEOUT) {
                    return new Result.Failed("backup " + name + " " + (now.state() == MilvusBackup.State.FAIL ? "failed" : "timed out")
                            + " in milvus-backup" + (now.errorMessage().isEmpty() ? "" : ": " + now.errorMessage()) + "; the cluster is left on 2.5,"
                            + " nothing of 2.6 started; fix: see milvus-backup's log, then rerun to ask for the backup again");
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
            }
            if (!clock.instant().isBefore(deadline)) {
                return new Result.Failed("backup " + name + " did not finish within " + Intent.format(config.timeout())
                        + (now == null ? "" : " (milvus-backup says " + now.state() + ", " + now.progress() + "%)")
                        + "; the cluster is left on 2.5, nothing of 2.6 started; fix: check milvus-backup (a backup that stays INITIAL means it"
                        + " cannot reach Milvus or its storage), raise backupTimeout, then rerun to wait for the same backup");
            }
            pause(deadline);
        }
    }

    private Optional<Result> create(String name) {
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

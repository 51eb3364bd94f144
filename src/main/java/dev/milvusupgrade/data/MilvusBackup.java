package dev.milvusupgrade.data;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * milvus-backup as the upgrade uses it: a REST server ({@code milvus-backup server}, port 8080, paths under
 * {@code /api/v1/}) asked for a backup before the point of no return, and polled until the backup ends. The
 * shapes are what the server really sends (milvus-rest FACTS.md, "milvus-backup REST server", read from its
 * source): a success has no {@code code} key, {@code state_code} is a number, errors are HTTP 200 with a code.
 * The implementation is {@link MilvusBackupClient}; tests point it at the simulated server.
 */
public interface MilvusBackup {

    /**
     * {@code GET /api/v1/hello}.
     *
     * @throws Unreachable when the server cannot be reached or what answers is not milvus-backup
     */
    void ping();

    /**
     * {@code POST /api/v1/create} with {@code async: true}: the server answers at once and backs up in the background.
     *
     * @param backupName the name (letters, digits and underscores, starting with a letter or an underscore, at most
     *     128 characters; the server checks, except that an empty name is refused here: the server panics on it)
     * @param collections {@code "c"} (database {@code default}) or {@code "db.c"}; empty for everything
     * @throws IllegalArgumentException for an empty name
     * @throws Unreachable when the server cannot be reached or answers something that is not milvus-backup's
     */
    Created create(String backupName, List<String> collections);

    /**
     * {@code GET /api/v1/get_backup?backup_name=}: the backup as the server's task manager knows it. A name it does
     * not know (never created, or created before the server restarted) is {@link State#UNKNOWN}.
     *
     * @throws IllegalArgumentException for an empty name
     * @throws Unreachable when the server cannot be reached or answers with an error code
     */
    Backup get(String backupName);

    /**
     * {@code GET /api/v1/list}: the backup when it is in the backup storage, which only lists successful backups.
     * This finds a backup taken before the server restarted (its task manager has forgotten it). The list tells
     * name and size only: the backup is {@link State#SUCCESS} with progress 100, no collections and no times.
     *
     * @throws IllegalArgumentException for an empty name
     * @throws Unreachable when the server cannot be reached or answers with an error code
     */
    Optional<Backup> find(String backupName);

    /**
     * Which generation of milvus-backup answers, learnt from {@code get_backup} of a name no backup has
     * ({@link #PROBE_NAME}): v0.5.10 and later answer a brief without a name, v0.5.9 and older code 404 {@code not found}
     * (milvus-rest FACTS "milvus-backup versions"; {@code /api/v1/hello} is the same in both).
     *
     * @throws Unreachable when the server cannot be reached or answers neither way (not milvus-backup as known)
     */
    Generation generation();

    /** The name {@link #generation()} asks about: valid for milvus-backup, and no backup of this tool is called so. */
    String PROBE_NAME = "milvus_upgrade_probe_no_such_backup";

    /** The two ways milvus-backup answers a name it does not know. */
    enum Generation {
        /** v0.5.9 and older (back to v0.4.30): code 404, times in milliseconds, no check of a name held. */
        BEFORE_0_5_10("v0.5.9 or older"),
        /** v0.5.10 and later: a brief without a name, times in seconds. */
        FROM_0_5_10("v0.5.10 or later");

        private final String text;

        Generation(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** How the server took a create request. */
    sealed interface Created {
        /**
         * The backup runs in the background.
         *
         * @param requestId the server's task id ({@code requestId}), which {@code get_backup?backup_id=} takes; may be empty
         */
        record Accepted(String requestId) implements Created {
        }

        /**
         * The server's task manager holds the name already, in a state other than FAIL or TIMEOUT (code 3,
         * {@code backup: add backup task to manager: NAME (existing task ID)}): {@link #get} tells that backup's state.
         */
        record AlreadyExists(String message) implements Created {
        }

        /**
         * Refused: code 400 for a bad name, code 3 for anything else (a malformed collection name, the backup
         * storage unavailable, ...); code 400 with {@code HTTP 400: } before the message when the server could not
         * read the body at all.
         */
        record Rejected(int code, String message) implements Created {
        }
    }

    /** {@code state_code}: 0 INITIAL, 1 EXECUTING, 2 SUCCESS, 3 FAIL, 4 TIMEOUT; UNKNOWN is no state code (see {@link #get}). */
    enum State {
        INITIAL, EXECUTING, SUCCESS, FAIL, TIMEOUT, UNKNOWN;

        /** Whether the backup has ended: SUCCESS, FAIL or TIMEOUT. */
        public boolean ended() {
            return this == SUCCESS || this == FAIL || this == TIMEOUT;
        }
    }

    /**
     * A backup as the server describes it.
     *
     * @param name the backup's name (for {@link State#UNKNOWN}, the name asked about)
     * @param state the state
     * @param progress 0..100: INITIAL 1, EXECUTING 5..99 (100 just before the end is possible), SUCCESS 100, FAIL 0
     * @param size bytes backed up; the server tells it only once the backup succeeded (0 before)
     * @param collections {@code db.collection} of each collection backed up, in the server's order; known only once the
     *     backup succeeded (empty before, and from {@link #find})
     * @param errorMessage the server's {@code errorMessage} (on FAIL), or empty
     * @param startTime when the task was created; empty when the server does not say
     * @param endTime when the backup ended; empty until then (the server sends Go's zero time)
     */
    record Backup(String name, State state, int progress, long size, List<String> collections, String errorMessage,
            Optional<Instant> startTime, Optional<Instant> endTime) {
        public Backup {
            collections = List.copyOf(collections);
        }
    }

    /** milvus-backup could not be reached, or what answered is not milvus-backup, or it answered with an error code. */
    class Unreachable extends RuntimeException {
        public Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * An answer, HTTP 200, that is not what milvus-backup answers: a body that is not its JSON, no {@code data}, a
     * {@code state_code} that is missing or unknown. Asking again will not help; the message says what was answered.
     */
    final class Unexpected extends Unreachable {
        public Unexpected(String message) {
            super(message, null);
        }
    }
}

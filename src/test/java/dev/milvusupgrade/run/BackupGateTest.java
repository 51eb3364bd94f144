package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.data.MilvusBackup;
import dev.milvusupgrade.data.MilvusBackup.Backup;
import dev.milvusupgrade.data.MilvusBackup.State;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.RunRecord;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The gate's decisions against a scripted milvus-backup, in milliseconds (the scenarios run it against the simulated server). */
class BackupGateTest {

    private static final Instant NOW = Instant.parse("2026-12-06T03:00:00Z");
    private static final String BASE = "milvus_upgrade_ns_a_20261206_010000";

    /** A milvus-backup whose answers the test sets per name; a create makes the name SUCCESS with {@link #onCreate}'s collections. */
    private static final class Scripted implements MilvusBackup {
        final Map<String, Backup> byName = new HashMap<>();
        final Map<String, Long> listed = new HashMap<>();
        final List<String> created = new ArrayList<>();
        List<String> onCreate = List.of("default.books");
        RuntimeException getFails;

        @Override
        public void ping() {
        }

        @Override
        public Generation generation() {
            return Generation.FROM_0_5_10;
        }

        @Override
        public Created create(String name, List<String> collections) {
            created.add(name);
            byName.put(name, new Backup(name, State.SUCCESS, 100, 10, onCreate, "", Optional.of(NOW), Optional.of(NOW)));
            return new Created.Accepted("id");
        }

        @Override
        public Backup get(String name) {
            if (getFails != null) {
                throw getFails;
            }
            return byName.getOrDefault(name, new Backup(name, State.UNKNOWN, 0, 0, List.of(), "", Optional.empty(), Optional.empty()));
        }

        @Override
        public Optional<Backup> find(String name) {
            return Optional.ofNullable(listed.get(name)).map(size -> new Backup(name, State.SUCCESS, 100, size, List.of(), "",
                    Optional.empty(), Optional.empty()));
        }
    }

    private final Scripted server = new Scripted();
    private final List<String> log = new ArrayList<>();
    private final List<BackupGate.Attempt> asked = new ArrayList<>();

    private BackupGate.Result take(Optional<BackupGate.Attempt> recorded, Optional<RunRecord.BackupRecord> taken,
            BackupGate.Coverage cover) {
        Intent.Backup config = new Intent.Backup(URI.create("http://milvus-backup:8080"), true, List.of(), Duration.ofHours(1), false,
                Optional.empty());
        BackupGate gate = new BackupGate(server, config, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMillis(1), log::add);
        return gate.take(BASE, recorded, taken, Duration.ofHours(2), cover, asked::add, () -> { });
    }

    @Test
    void a_first_attempt_is_asked_under_the_base_name_and_recorded_before_the_create() {
        BackupGate.Result r = take(Optional.empty(), Optional.empty(), BackupGate.Coverage.NONE);

        assertThat(r).isInstanceOf(BackupGate.Result.Taken.class);
        assertThat(asked).containsExactly(new BackupGate.Attempt(BASE, NOW));
        assertThat(server.created).containsExactly(BASE);
    }

    @Test
    void an_answer_that_is_not_milvus_backups_fails_at_once_with_what_was_answered() {
        server.getFails = new MilvusBackup.Unexpected("milvus-backup at http://milvus-backup:8080 answered GET /api/v1/get_backup with an"
                + " unknown state_code 9");

        BackupGate.Result r = take(Optional.of(new BackupGate.Attempt(BASE, NOW)), Optional.empty(), BackupGate.Coverage.NONE);

        assertThat(((BackupGate.Result.Failed) r).message()).startsWith("milvus-backup at http://milvus-backup:8080 answered GET")
                .contains("unknown state_code 9").contains("nothing of 2.6 started").contains("fix:");
        assertThat(server.created).isEmpty();
    }

    @Test
    void a_name_asked_before_that_milvus_backup_forgot_is_asked_again_under_the_next_name() {
        BackupGate.Result r = take(Optional.of(new BackupGate.Attempt(BASE + "_r2", NOW.minusSeconds(60))), Optional.empty(),
                BackupGate.Coverage.NONE);

        assertThat(r).isInstanceOf(BackupGate.Result.Taken.class);
        assertThat(server.created).containsExactly(BASE + "_r3");
    }

    @Test
    void a_listed_backup_is_trusted_only_with_this_upgrades_record_of_the_same_name_and_size() {
        server.listed.put(BASE, 4_096L);
        RunRecord.BackupRecord mine = new RunRecord.BackupRecord(BASE, 4_096, 1, List.of("default.books"), 30,
                Optional.of(NOW.minusSeconds(600)));

        assertThat(take(Optional.of(new BackupGate.Attempt(BASE, NOW.minusSeconds(700))), Optional.of(mine), BackupGate.Coverage.NONE))
                .isInstanceOf(BackupGate.Result.Taken.class);
        assertThat(server.created).isEmpty();

        RunRecord.BackupRecord otherSize = new RunRecord.BackupRecord(BASE, 1, 1, List.of("default.books"), 30,
                Optional.of(NOW.minusSeconds(600)));
        assertThat(take(Optional.of(new BackupGate.Attempt(BASE, NOW.minusSeconds(700))), Optional.of(otherSize), BackupGate.Coverage.NONE))
                .isInstanceOf(BackupGate.Result.Taken.class);
        assertThat(server.created).containsExactly(BASE + "_r2");
    }

    @Test
    void a_backup_missing_a_collection_of_backup_collections_fails_with_what_differs() {
        BackupGate.Result r = take(Optional.empty(), Optional.empty(),
                new BackupGate.Coverage(List.of("default.books", "analytics.events"), false, "backupCollections"));

        assertThat(((BackupGate.Result.Failed) r).message())
                .contains("lacks 1 of the 2 collection(s) of backupCollections (analytics.events)")
                .doesNotContain("holds");
    }

    @Test
    void a_backup_of_an_earlier_run_that_does_not_match_is_replaced_once_then_a_mismatch_fails() {
        server.byName.put(BASE, new Backup(BASE, State.SUCCESS, 100, 10, List.of("default.orders"), "", Optional.of(NOW),
                Optional.of(NOW)));
        server.onCreate = List.of("default.orders");

        BackupGate.Result r = take(Optional.of(new BackupGate.Attempt(BASE, NOW.minusSeconds(60))), Optional.empty(),
                new BackupGate.Coverage(List.of("default.books"), true, "Milvus ns/a"));

        assertThat(server.created).containsExactly(BASE + "_r2");
        assertThat(((BackupGate.Result.Failed) r).message()).startsWith("backup " + BASE + "_r2 is not a backup of this cluster")
                .contains("holds 1 collection(s) this cluster does not have (default.orders)");
    }

    @Test
    void qualified_names_put_a_bare_collection_in_database_default() {
        assertThat(BackupGate.qualified(List.of("books", "analytics.events", "default.books")))
                .containsExactly("default.books", "analytics.events");
    }
}

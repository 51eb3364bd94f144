package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.data.MilvusBackup;
import dev.milvusupgrade.data.MilvusBackupClient;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.RunRecord.StagePhase;
import dev.milvusupgrade.plan.RunRecord.StageRecord;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.sim.SimulatedMilvusBackup;
import dev.milvusupgrade.sim.SimulatedMilvusBackup.Behaviour;
import dev.milvusupgrade.testing.Await;
import dev.milvusupgrade.testing.OffsetClock;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Issue 10: the milvus-backup gate between the 2.5.16 stage and 2.6, against the simulated operator and milvus-backup. */
class BackupGateScenarioTest {

    private static Map<String, String> intent(SimulatedMilvusBackup backup, String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "30s",
                "backupEndpoint", backup.uri().toString()));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static List<String> events(ScenarioCluster c) {
        return c.client.v1().events().inNamespace(ScenarioCluster.NS).list().getItems().stream().map(Event::getReason).toList();
    }

    @Test
    void the_backup_is_taken_after_the_bridge_and_before_the_first_2_6_patch_and_recorded() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(intent(backup, "backupCollections", "books,analytics.events"));
            List<String> patchedBeforeBackup = new ArrayList<>();

            Runner.Report report = c.runner((cp, stage) -> {
                if (cp == Checkpoint.BEFORE_PATCH && "2.6.4".equals(stage)) {
                    // The point of no return: the backup must be there before this patch.
                    patchedBeforeBackup.addAll(backup.stored());
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            RunRecord r = c.result();
            assertThat(r.stages()).extracting(StageRecord::name).containsExactly("mixcoord-2.5.16", "backup", "2.6.4");
            String name = r.stage("backup").orElseThrow().image();
            assertThat(name).startsWith("milvus_upgrade_milvus_my_release_");
            assertThat(patchedBeforeBackup).containsExactly(name);
            assertThat(backup.created()).containsExactly(name);
            assertThat(backup.createBodies().get(0).get("collection_names").toString()).contains("books").contains("analytics.events");
            RunRecord.BackupRecord b = r.backup().orElseThrow();
            assertThat(b.name()).isEqualTo(name);
            assertThat(b.size()).isPositive();
            assertThat(b.collections()).isEqualTo(2);
            assertThat(r.stage("backup").orElseThrow().finishedAt()).isPresent();
            assertThat(events(c)).contains("UpgradeBackupStarted", "UpgradeBackupSucceeded");
            assertThat(c.log).anyMatch(l -> l.startsWith("backup " + name + " taken: "));
        }
    }

    @Test
    void a_failed_backup_stops_before_2_6_with_the_cluster_healthy_on_2_5_16() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            backup.behave(Behaviour.failAfterPolls(1, "upload segment: the specified bucket does not exist"));
            c.intent(intent(backup));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(1);
            assertThat(report.record().message()).contains("failed in milvus-backup: upload segment: the specified bucket does not exist")
                    .contains("nothing of 2.6 started").contains("fix:");
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.5.16");
            assertThat(c.ourMilvusPatches()).hasSize(1);
            assertThat(c.result().stage("backup").orElseThrow().phase()).isEqualTo(StagePhase.Failed);
        }
    }

    @Test
    void a_backup_that_never_finishes_times_out_backup_timeout_after_it_was_asked_for() {
        OffsetClock clock = new OffsetClock();
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup(clock)) {
            c.clock = clock;
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            backup.behave(Behaviour.neverFinish());
            c.intent(intent(backup, "backupTimeout", "1h"));

            // The first poll shows INITIAL, the next EXECUTING: then an hour passes (the clock moves, nobody waits).
            Runner.Report report = c.runner((cp, stage) -> {
                if (cp == Checkpoint.MID_WAIT && "backup".equals(stage)) {
                    clock.advance(Duration.ofMinutes(61));
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            assertThat(report.record().message()).contains("did not finish within 1h of being asked for (milvus-backup says EXECUTING")
                    .contains("fix:");
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.5.16");
            assertThat(c.ourMilvusPatches()).isEmpty();
        }
    }

    @Test
    void a_backup_wedged_in_initial_fails_fast_naming_the_directory_in_the_bucket_and_how_to_delete_it() {
        OffsetClock clock = new OffsetClock();
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup(clock)) {
            c.clock = clock;
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            backup.behave(Behaviour.neverStart());
            c.intent(intent(backup, "backupTimeout", "2h"));

            // Six minutes of INITIAL at progress 1, well inside backupTimeout.
            Runner.Report report = c.runner((cp, stage) -> {
                if (cp == Checkpoint.MID_WAIT && "backup".equals(stage)) {
                    clock.advance(Duration.ofMinutes(6));
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            String name = c.result().stage("backup").orElseThrow().image();
            assertThat(report.record().message()).contains("backup " + name + " is still INITIAL (progress 1%) 5m after it was asked for")
                    .contains("the directory " + name + " already exists in the backup bucket")
                    .contains("delete the prefix <backupBucketName>/<backupRootPath>/" + name + "/").contains("fresh name");
            assertThat(Duration.between(c.result().stage("backup").orElseThrow().startedAt().orElseThrow(),
                    c.result().finishedAt().orElseThrow())).isLessThan(Duration.ofMinutes(10));
            assertThat(c.ourMilvusPatches()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(SimulatedMilvusBackup.Generation.class)
    void a_failed_backup_rerun_an_hour_later_is_asked_under_a_fresh_name_with_a_fresh_deadline_and_succeeds(
            SimulatedMilvusBackup.Generation generation) {
        OffsetClock clock = new OffsetClock();
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup(clock)) {
            backup.generation(generation);
            c.clock = clock;
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            backup.behave(Behaviour.failAfterPolls(1, "upload segment: connection reset by peer"));
            c.intent(intent(backup, "backupTimeout", "30m"));
            assertThat(c.run().exitCode()).isEqualTo(1);
            String first = c.result().stage("backup").orElseThrow().image();
            assertThat(c.result().message()).contains("rerun to ask again under a fresh name (" + first + "_r2)");

            clock.advance(Duration.ofHours(1));
            backup.behave(Behaviour.succeedAfterPolls(2));
            Runner.Report rerun = c.run();

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            // The failed attempt left objects under its directory: asked again under that name, it would never start.
            assertThat(backup.created()).containsExactly(first, first + "_r2");
            RunRecord r = c.result();
            StageRecord b = r.stage("backup").orElseThrow();
            assertThat(b.image()).isEqualTo(first + "_r2");
            assertThat(b.phase()).isEqualTo(StagePhase.Succeeded);
            assertThat(b.startedAt().orElseThrow()).isAfter(r.startedAt().plus(Duration.ofMinutes(59)));
            assertThat(r.backup().orElseThrow().name()).isEqualTo(first + "_r2");
            assertThat(r.backup().orElseThrow().endedAt()).isPresent();
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.6.4");
        }
    }

    @Test
    void a_pre_0_5_10_milvus_backup_answers_not_found_and_the_gate_creates_and_succeeds() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup()) {
            backup.generation(SimulatedMilvusBackup.Generation.V0_5_9);
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(intent(backup));
            Instant before = Instant.now().minusSeconds(1);

            Runner.Report report = c.run();

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(c.log).contains("milvus-backup at " + backup.uri() + " answers like v0.5.9 or older");
            String name = c.result().stage("backup").orElseThrow().image();
            assertThat(backup.created()).containsExactly(name);
            RunRecord.BackupRecord b = c.result().backup().orElseThrow();
            assertThat(b.collections()).isEqualTo(3);
            // Milliseconds read as such: an end time of now, not one thousands of years ahead.
            assertThat(b.endedAt().orElseThrow()).isBetween(before, Instant.now().plusSeconds(1));
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.6.4");
        }
    }

    @Test
    void a_backup_older_than_max_backup_age_is_replaced_by_a_new_one_before_the_2_6_patch() {
        OffsetClock clock = new OffsetClock();
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup(clock)) {
            c.clock = clock;
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(intent(backup, "maxBackupAge", "2h"));
            // Taken and recorded, then the Job dies before the 2.6 stage starts (as a deferred stage would wait for a window).
            c.killAt(Checkpoint.RECORD, "2.6.4");
            String first = c.result().stage("backup").orElseThrow().image();
            assertThat(c.result().stage("backup").orElseThrow().phase()).isEqualTo(StagePhase.Succeeded);

            clock.advance(Duration.ofHours(3));
            List<String> storedAtPatch = new ArrayList<>();
            Runner.Report rerun = c.runner((cp, stage) -> {
                if (cp == Checkpoint.BEFORE_PATCH && "2.6.4".equals(stage)) {
                    storedAtPatch.addAll(backup.stored());
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(backup.created()).containsExactly(first, first + "_r2");
            assertThat(storedAtPatch).contains(first + "_r2");
            assertThat(c.result().backup().orElseThrow().name()).isEqualTo(first + "_r2");
            assertThat(c.log).anyMatch(l -> l.contains("backup " + first + ": ended 3h") && l.contains("more than maxBackupAge 2h"));
        }
    }

    @Test
    void a_backup_taken_recently_is_verified_again_and_kept_by_a_rerun() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(intent(backup, "maxBackupAge", "2h"));
            c.killAt(Checkpoint.RECORD, "2.6.4");
            String first = c.result().stage("backup").orElseThrow().image();

            Runner.Report rerun = c.run();

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(backup.created()).containsExactly(first);
            assertThat(c.log).anyMatch(l -> l.startsWith("backup " + first + " verified: ended "));
        }
    }

    @Test
    void a_backup_of_another_cluster_fails_before_2_6_with_what_differs() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup()) {
            // milvus-backup's backup.yaml was copied from staging: it backs up a Milvus with other collections.
            backup.milvusCollections(List.of("default.orders", "default.users"));
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(intent(backup));
            String before = c.resourceVersion();

            Runner.Report report = c.run();

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            assertThat(report.record().phase()).isEqualTo(Phase.Failed);
            assertThat(report.record().message()).contains("is not a backup of this cluster")
                    .contains("lacks 3 of the 3 collection(s) of Milvus milvus/my-release")
                    .contains("holds 2 collection(s) this cluster does not have (default.orders, default.users)")
                    .contains("milvus.grpc.address").contains("nothing of 2.6 started");
            assertThat(c.resourceVersion()).isEqualTo(before);
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.5.16");
        }
    }

    @Test
    void milvus_backup_down_at_preflight_is_refused_before_any_change_unless_the_backup_is_optional() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            backup.stop();
            c.intent(intent(backup));
            String before = c.resourceVersion();

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(2);
            assertThat(report.record().message()).contains("milvus-backup at " + backup.uri()).contains("does not answer")
                    .contains("backupRequired");
            assertThat(c.resourceVersion()).isEqualTo(before);
            assertThat(c.ourMilvusPatches()).isEmpty();

            c.editIntent("backupRequired", "false");
            Runner.Report optional = c.run();
            assertThat(optional.exitCode()).isZero();
            assertThat(optional.record().warnings()).anyMatch(w -> w.contains("goes on without a backup"));
        }
    }

    @Test
    void a_run_killed_while_waiting_for_the_backup_is_resumed_without_a_second_backup() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            backup.behave(Behaviour.succeedAfterPolls(4));
            c.intent(intent(backup));
            c.killAt(Checkpoint.MID_WAIT, "backup");
            assertThat(c.result().stage("backup").orElseThrow().phase()).isEqualTo(StagePhase.Running);

            Runner.Report rerun = c.run();

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(backup.created()).hasSize(1);
            assertThat(c.result().backup().orElseThrow().name()).isEqualTo(backup.created().get(0));
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.6.4");
        }
    }

    @Test
    void after_a_restart_of_milvus_backup_a_backup_only_listed_is_trusted_only_by_this_upgrades_record_of_it() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            backup.behave(Behaviour.succeedAfterPolls(3));
            c.intent(intent(backup));
            c.killAt(Checkpoint.MID_WAIT, "backup");
            String name = c.result().stage("backup").orElseThrow().image();
            // milvus-backup finishes the backup, then restarts and forgets its tasks: only its list still knows the backup,
            // and this upgrade never recorded what get_backup said of it.
            MilvusBackupClient someone = new MilvusBackupClient(backup.uri(), Duration.ofSeconds(5));
            Await.until(Duration.ofSeconds(20), "the backup to finish", () -> someone.get(name).state() == MilvusBackup.State.SUCCESS);
            backup.restart();

            Runner.Report rerun = c.run();

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(backup.created()).containsExactly(name, name + "_r2");
            assertThat(c.log).anyMatch(l -> l.contains("recorded no description of it, so it is not trusted"));
            assertThat(c.result().stage("backup").orElseThrow().phase()).isEqualTo(StagePhase.Succeeded);
        }
    }

    @Test
    void after_a_restart_of_milvus_backup_a_listed_backup_this_upgrade_recorded_is_kept() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(intent(backup));
            c.killAt(Checkpoint.RECORD, "2.6.4");
            String name = c.result().backup().orElseThrow().name();
            backup.restart();

            Runner.Report rerun = c.run();

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(backup.created()).containsExactly(name);
            assertThat(c.log).anyMatch(l -> l.contains("only milvus-backup's list still shows it, as this upgrade recorded it"));
        }
    }

    @Test
    void an_upgrade_within_2_6_takes_no_backup_unless_asked() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup()) {
            c.seed("milvusdb/milvus:v2.6.2", Layout.MIXCOORD);
            c.intent(intent(backup));

            assertThat(c.run().exitCode()).isZero();
            assertThat(c.result().stages()).extracting(StageRecord::name).containsExactly("2.6.4");
            assertThat(backup.created()).isEmpty();

            c.editIntent("targetVersion", "v2.6.5");
            c.editIntent("backupAlways", "true");
            assertThat(c.run().exitCode()).isZero();
            assertThat(c.result().stages()).extracting(StageRecord::name).containsExactly("backup", "2.6.5");
            assertThat(backup.created()).hasSize(1);
            assertThat(c.result().phase()).isEqualTo(Phase.Succeeded);
        }
    }
}

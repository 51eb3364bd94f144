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
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
    void a_backup_that_never_finishes_times_out_before_2_6() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            backup.behave(Behaviour.neverStart());
            c.intent(intent(backup, "backupTimeout", "10s"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(1);
            assertThat(report.record().message()).contains("did not finish within 10s (milvus-backup says INITIAL");
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.5.16");
            assertThat(c.ourMilvusPatches()).isEmpty();
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
    void a_rerun_after_milvus_backup_restarted_finds_the_finished_backup_in_its_list() {
        try (ScenarioCluster c = ScenarioCluster.start(); SimulatedMilvusBackup backup = new SimulatedMilvusBackup()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            backup.behave(Behaviour.succeedAfterPolls(3));
            c.intent(intent(backup));
            c.killAt(Checkpoint.MID_WAIT, "backup");
            String name = c.result().stage("backup").orElseThrow().image();
            // milvus-backup finishes the backup, then restarts and forgets its tasks: only its list still knows the backup.
            MilvusBackupClient someone = new MilvusBackupClient(backup.uri(), Duration.ofSeconds(5));
            Await.until(Duration.ofSeconds(20), "the backup to finish", () -> someone.get(name).state() == MilvusBackup.State.SUCCESS);
            backup.restart();

            Runner.Report rerun = c.run();

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(backup.created()).containsExactly(name);
            assertThat(c.result().stage("backup").orElseThrow().phase()).isEqualTo(StagePhase.Succeeded);
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

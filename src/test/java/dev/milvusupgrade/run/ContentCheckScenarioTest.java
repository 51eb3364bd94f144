package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.Canary;
import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.Version;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 20: the data proved by its content (query-path counts, sampled keys, the canary) against the simulated cluster. */
class ContentCheckScenarioTest {

    private static Map<String, String> intent(String target, String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", target, "stageTimeout", "30s"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String canary(String target) {
        return Canary.name(ScenarioCluster.NS + "/" + ScenarioCluster.RELEASE, Version.parse(target).orElseThrow());
    }

    private static Runner.Report runChanging(ScenarioCluster c, Runnable change) {
        boolean[] done = {false};
        return c.runner((cp, stage) -> {
            if (cp == Checkpoint.MID_WAIT && !done[0]) {
                done[0] = true;
                change.run();
            }
        }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);
    }

    @Test
    void rows_missing_by_count_with_unchanged_get_stats_fail_naming_the_collection() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(intent("v2.6.4"));

            Runner.Report report = runChanging(c, () -> c.data.loseQueryRows("default", "books", 500));

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            assertThat(c.result().phase()).isEqualTo(Phase.Failed);
            assertThat(report.record().message())
                    .contains("default.books: count(*) 12000 before, 11500 now (get_stats 12000 before, 12000 now)");
            assertThat(c.data.rowCount("default", "books")).isEqualTo(12_000);
        }
    }

    @Test
    void a_sampled_primary_key_gone_fails_the_run() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(intent("v2.6.4"));

            Runner.Report report = runChanging(c, () -> c.data.loseKey("analytics", "events", "k3"));

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            assertThat(report.record().message()).contains("analytics.events: 1 of 10 sampled primary keys no longer come back (k3)");
            assertThat(c.result().dataCheck().orElseThrow().baseline().sampled()).isEqualTo(20);
        }
    }

    @Test
    void get_stats_lower_after_compaction_of_deletes_succeeds_with_a_warning() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.data.deleteRows("default", "books", 100); // deleted before the upgrade: queries no longer serve them
            c.data.deleteRows("default", "archive", 50);
            c.intent(intent("v2.6.4"));

            Runner.Report report = runChanging(c, () -> {
                c.data.compact("default", "books");
                c.data.compact("default", "archive");
            });

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            DataCheckRecord d = c.result().dataCheck().orElseThrow();
            assertThat(d.warnings()).containsExactlyInAnyOrder(
                    "default.books: get_stats 12000 before, 11900 now: count(*) is not lower, so likely compaction applying deletes or upserts"
                            + " (or a failed import)",
                    "default.archive: get_stats 50000 before, 49950 now: not loaded, so count(*) cannot tell; likely compaction applying deletes"
                            + " or upserts, TTL expiry or a failed import");
            assertThat(c.result().message()).contains("2 warning(s)");
            assertThat(c.log).anyMatch(l -> l.startsWith("data warning after 2.6.4: default.books: get_stats 12000 before, 11900 now"));
        }
    }

    @Test
    void a_ttl_collections_expired_rows_succeed_with_a_warning() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.data.setTtl("default", "books", 3600);
            c.intent(intent("v2.6.4"));

            Runner.Report report = runChanging(c, () -> c.data.expireRows("default", "books", 200));

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(c.result().dataCheck().orElseThrow().warnings()).singleElement().asString()
                    .startsWith("default.books: count(*) 12000 before, 11800 now (get_stats 12000 before, 11800 now): a TTL collection"
                            + " (collection.ttl.seconds=3600)");
        }
    }

    @Test
    void clients_writing_during_the_upgrade_turn_a_lower_count_into_a_warning() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(intent("v2.6.4", "clientsWrite", "true"));

            Runner.Report report = runChanging(c, () -> c.data.deleteRows("default", "books", 30));

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(c.result().dataCheck().orElseThrow().warnings()).singleElement().asString()
                    .contains("default.books: count(*) 12000 before, 11970 now").contains("clientsWrite: true");
        }
    }

    @Test
    void the_canary_is_made_before_the_first_stage_proved_after_every_stage_and_dropped_on_success() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(intent("v2.6.4", "dataCheck", "write"));
            String name = canary("v2.6.4");
            boolean[] seen = {false};

            Runner.Report report = c.runner((cp, stage) -> {
                if (cp == Checkpoint.MID_WAIT && !seen[0]) {
                    seen[0] = true;
                    assertThat(c.data.collections("default")).contains(name);
                    assertThat(c.data.insertedRows("default", name)).isEqualTo(Canary.ROWS);
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            RunRecord r = c.result();
            assertThat(r.dataCheck().orElseThrow().canary()).isEqualTo(name);
            assertThat(r.dataCheck().orElseThrow().stages()).allSatisfy(s -> assertThat(s.millis()).isPositive());
            assertThat(r.message()).contains("canary " + name + " proved after every stage");
            assertThat(c.log).anyMatch(l -> l.startsWith("data: canary default." + name + " ready: 256 rows"))
                    .anyMatch(l -> l.startsWith("data after mixcoord-2.5.16: ")
                        && l.contains("canary (256 rows bit for bit, search, insert, upsert,"
                            + " delete) passed"))
                    .anyMatch(l -> l.equals("data: canary default." + name + " dropped"));
            assertThat(c.data.collections("default")).doesNotContain(name);
            assertThat(c.data.requests("entities/search")).isEqualTo(3L * Canary.SEARCHED.size());
        }
    }

    @Test
    void a_changed_canary_vector_fails_naming_it_and_the_canary_is_kept() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(intent("v2.6.4", "dataCheck", "write"));
            String name = canary("v2.6.4");

            Runner.Report report = runChanging(c, () -> c.data.corruptVector("default", name, "17", "vector"));

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            assertThat(report.record().message())
                    .contains("the canary check after stage 2.6.4 failed: the canary's vector of id=17 changed")
                    .contains("and so is the canary " + name);
            assertThat(c.data.collections("default")).contains(name);

            // A rerun reuses the canary of its upgrade, and finds it still broken.
            Runner.Report rerun = c.run();
            assertThat(rerun.exitCode()).isEqualTo(1);
            assertThat(rerun.record().message())
                    .contains("the canary check repeated by this rerun failed: the canary's vector of id=17 changed");
            assertThat(c.data.collections("default")).filteredOn(n -> n.startsWith(Canary.PREFIX)).containsExactly(name);
        }
    }

    @Test
    void milvus_47806_makes_create_hang_after_the_2_6_stage_and_the_remedy_runs() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.data.setLoadState("default", "books", "LoadStateNotLoad"); // nothing loaded: no count(*) before the probe
            c.data.setLoadState("analytics", "events", "LoadStateNotLoad");
            c.data.reproduce47806();
            c.intent(intent("v2.6.4", "dataCheck", "write"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(c.result().dataCheck().orElseThrow().remedy47806()).isTrue();
            assertThat(c.log).containsSubsequence("data after 2.6.4: the write probe timed out at create (milvus#47806): restarting "
                    + "mixcoord, then the streaming nodes", "stage 1/1 2.6.4: restarting mixcoord (milvus#47806 remedy)",
                    "stage 1/1 2.6.4: restarting streamingnode (milvus#47806 remedy)");
            assertThat(c.data.writesHang()).isFalse();
        }
    }

    @Test
    void a_canary_name_taken_by_a_user_collection_is_rejected_and_left_alone() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            String name = canary("v2.6.4");
            c.data.addCollection("default", name, 5, true);
            c.intent(intent("v2.6.4", "dataCheck", "write"));
            String before = c.resourceVersion();

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(2);
            assertThat(report.record().message())
                    .contains("the canary's name is taken: a collection default." + name + " exists with fields")
                    .contains("; fix: rename or drop that collection");
            assertThat(c.resourceVersion()).isEqualTo(before);
            assertThat(c.data.rowCount("default", name)).isEqualTo(5);
            assertThat(c.data.insertedRows("default", name)).isZero();
        }
    }

    @Test
    void a_403_is_a_refusal_naming_the_privileges_not_network_advice() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.data.denyEndpoint("collections/get_stats");
            c.intent(intent("v2.6.4"));
            String before = c.resourceVersion();

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(2);
            assertThat(report.record().message()).contains("Milvus's user may not do what the data check needs")
                    .contains("HTTP 403, code 1401").contains("Minimal Milvus role").contains("GetStatistics")
                    .doesNotContain("NetworkPolicy");
            assertThat(c.resourceVersion()).isEqualTo(before);
        }
    }

    @Test
    void a_403_after_a_stage_fails_naming_the_privileges() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(intent("v2.6.4"));

            Runner.Report report = runChanging(c, () -> c.data.denyEndpoint("entities/get"));

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            assertThat(report.record().message()).contains("after stage 2.6.4 Milvus's user may not do what the data check needs")
                    .contains("refused entities/get for lack of privileges").contains("Minimal Milvus role")
                    .doesNotContain("NetworkPolicy");
        }
    }

    @Test
    void a_run_resumed_after_a_crash_reuses_its_canary_and_drops_it_when_it_succeeds() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(intent("v2.6.4", "dataCheck", "write"));
            String name = canary("v2.6.4");
            c.killAt(Checkpoint.MID_WAIT, "2.6.4");
            assertThat(c.data.collections("default")).contains(name);
            assertThat(c.data.insertedRows("default", name)).isEqualTo(Canary.ROWS);
            long inserts = c.data.requests("entities/insert");

            Runner.Report rerun = c.run();

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(c.result().dataCheck().orElseThrow().canary()).isEqualTo(name);
            // The rerun's inserts are its probe's and write checks' (one row each), not the canary's 256 rows again.
            assertThat(c.data.requests("entities/insert") - inserts).isEqualTo(4);
            assertThat(c.data.collections("default")).doesNotContain(name);
        }
    }
}

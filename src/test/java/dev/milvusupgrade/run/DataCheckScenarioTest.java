package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.DataCheck;
import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.sim.SimulatedMilvusDataPlane;
import dev.milvusupgrade.testing.Await;
import dev.milvusupgrade.testing.Tls;
import dev.milvusupgrade.testing.ScaledClock;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 9: the data checks around every stage, against the simulated operator and data plane. */
class DataCheckScenarioTest {

    private static void assertRejectedUntouched(ScenarioCluster c, String fragment) {
        String before = c.resourceVersion();
        Runner.Report report = c.run();
        assertThat(report.exitCode()).as(report.record().message()).isEqualTo(2);
        assertThat(c.result().message()).contains(fragment).contains("; fix: ").doesNotContain("\n");
        assertThat(c.resourceVersion()).isEqualTo(before);
        assertThat(c.ourMilvusPatches()).isEmpty();
    }

    @Test
    void a_read_check_snapshots_before_and_after_every_stage_and_records_the_totals() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(ScenarioCluster.intentWith());

            Runner.Report report = c.run();

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            RunRecord r = c.result();
            DataCheckRecord d = r.dataCheck().orElseThrow();
            assertThat(d.mode()).isEqualTo(DataCheck.Mode.READ);
            assertThat(d.baseline().collections())
                    .isEqualTo(c.data.databases().stream().mapToInt(db -> c.data.collections(db).size()).sum());
            assertThat(d.stages()).extracting(DataCheckRecord.StageCheck::stage, DataCheckRecord.StageCheck::outcome)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("mixcoord-2.5.16", DataCheckRecord.Outcome.OK),
                            org.assertj.core.groups.Tuple.tuple("2.6.4", DataCheckRecord.Outcome.OK));
            assertThat(d.differencesTotal()).isZero();
            assertThat(r.message()).contains("data check: nothing lost in " + d.baseline().collections() + " collection(s)")
                    .contains("check that writes work");
            assertThat(c.log).anyMatch(l -> l.startsWith("data before: ")).anyMatch(l -> l.startsWith("data after 2.6.4: "))
                    .anyMatch(l -> l.startsWith("  default.books rows=12000"));
        }
    }

    @Test
    void authentication_with_a_token_from_the_secret_and_a_refusal_without_it() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.data.requireToken("s3cret-token");
            c.intent(ScenarioCluster.intentWith());
            assertRejectedUntouched(c, "Milvus requires authentication (HTTP 401");

            c.authSecret(Map.of("token", "s3cret-token"));
            c.editIntent("milvusAuthSecret", "milvus-auth");
            Runner.Report report = c.run();

            assertThat(report.exitCode()).as(report.record().message()).isZero();
            assertThat(c.log).noneMatch(l -> l.contains("s3cret-token"));
            assertThat(c.annotations().get(MilvusApi.ANNOTATION_RESULT)).doesNotContain("s3cret-token");
        }
    }

    @Test
    void a_token_revoked_during_a_stage_fails_the_check_after_it_at_once_naming_the_secret() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.data.requireToken("s3cret-token");
            c.authSecret(Map.of("token", "s3cret-token"));
            c.intent(ScenarioCluster.intentWith("milvusAuthSecret", "milvus-auth"));

            // The API key is rotated while the 2.6 stage rolls: the check after it meets a 401.
            Runner.Report report = c.runner((cp, stage) -> {
                if (cp == Checkpoint.AFTER_PATCH) {
                    c.data.revokeToken("s3cret-token");
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            assertThat(report.record().message())
                    .startsWith("after stage 2.6.4 Milvus refused the credentials of Secret milvus/milvus-auth")
                    .contains("fix: ").endsWith(", then rerun to check again").doesNotContain("s3cret-token");
            // Not waited on until the stage timeout (30 s) as if Milvus were unreachable.
            assertThat(c.log).noneMatch(l -> l.contains("Milvus not reachable yet"));
        }
    }

    @Test
    void authentication_with_a_user_and_password() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.data.requireUser("upgrader", "pa:ss");
            c.authSecret(Map.of("username", "upgrader", "password", "pa:ss"));
            c.intent(ScenarioCluster.intentWith("milvusAuthSecret", "milvus-auth"));

            assertThat(c.run().exitCode()).isZero();
            assertNoTrace(c, "upgrader");
        }
    }

    /** The user's name is a credential too: in no log line, annotation (record) or Event of the run. */
    private static void assertNoTrace(ScenarioCluster c, String secret) {
        assertThat(c.log).noneMatch(l -> l.contains(secret));
        assertThat(c.annotations().values()).noneMatch(v -> v.contains(secret));
        assertThat(c.client.v1().events().inAnyNamespace().list().getItems()).isNotEmpty()
                .noneMatch(e -> String.valueOf(e.getMessage()).contains(secret));
    }

    @Test
    void a_refused_password_is_reported_without_the_users_name() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.data.requireUser("upgrader", "pa:ss");
            c.authSecret(Map.of("username", "upgrader", "password", "wrong"));
            c.intent(ScenarioCluster.intentWith("milvusAuthSecret", "milvus-auth"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(2);
            assertThat(report.record().message()).contains("refused the credentials").contains("(user and password)")
                    .doesNotContain("upgrader");
            assertNoTrace(c, "upgrader");
        }
    }

    @Test
    void https_with_the_ca_from_the_secret() {
        try (ScenarioCluster c = ScenarioCluster.start();
                SimulatedMilvusDataPlane tls = new SimulatedMilvusDataPlane(Tls.serverContext())) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            tls.requireToken("t");
            c.authSecret(Map.of("token", "t", "ca.crt", Tls.caPem()));
            c.intent(ScenarioCluster.intentWith("milvusEndpoint", tls.uri().toString(), "milvusAuthSecret", "milvus-auth"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).as(report.record().message()).isZero();
            assertThat(tls.requests()).isPositive();
            assertThat(tls.uri().getScheme()).isEqualTo("https");
        }
    }

    @Test
    void milvus_unreachable_before_the_first_stage_is_refused_with_the_fix() throws IOException {
        try (ScenarioCluster c = ScenarioCluster.start(); ServerSocket closed = new ServerSocket(0)) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            int port = closed.getLocalPort();
            closed.close();
            c.intent(ScenarioCluster.intentWith("milvusEndpoint", "http://127.0.0.1:" + port));

            assertRejectedUntouched(c, "Milvus at http://127.0.0.1:" + port + " cannot be reached for the data check");
            assertThat(c.result().message()).contains("NetworkPolicy").contains("dataCheck: off");
        }
    }

    @Test
    void a_collection_lost_in_a_stage_fails_the_run_naming_it_and_leaves_the_cluster_as_it_is() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(ScenarioCluster.intentWith());

            Runner.Report report = c.runner((cp, stage) -> {
                if (cp == Checkpoint.MID_WAIT && "mixcoord-2.5.16".equals(stage)) {
                    c.data.loseCollection("default", "archive");
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).isEqualTo(1);
            RunRecord r = c.result();
            assertThat(r.phase()).isEqualTo(Phase.Failed);
            assertThat(r.message()).contains("the data check after stage mixcoord-2.5.16 found 1 difference(s): default.archive: "
                    + "collection missing")
                    .contains("the full table is in this Job's log");
            assertThat(r.dataCheck().orElseThrow().differences())
                    .containsExactly("default.archive: collection missing (50000 rows before)");
            // Stage 2 never started: the cluster stays on the bridge.
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.5.16");
            assertThat(c.ourMilvusPatches()).hasSize(1);

            // A rerun does not take the loss as its new starting point: the first run's baseline, kept, still counts.
            Runner.Report rerun = c.run();
            assertThat(rerun.exitCode()).isEqualTo(1);
            assertThat(rerun.record().message()).contains("against the baseline taken before the first stage")
                    .contains("default.archive: collection missing (50000 rows before)");
            assertThat(c.ourMilvusPatches()).hasSize(1);

            // A person who accepts the cluster as it is turns the data check off for the rerun.
            c.editIntent("dataCheck", "off");
            assertThat(c.run().exitCode()).isZero();
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.6.4");
        }
    }

    @Test
    void a_lower_row_count_fails_the_run() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(ScenarioCluster.intentWith());

            Runner.Report report = c.runner((cp, stage) -> {
                if (cp == Checkpoint.MID_WAIT) {
                    c.data.setRowCount("default", "books", 11_990);
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).isEqualTo(1);
            assertThat(report.record().message())
                    .contains("default.books: count(*) 12000 before, 11990 now (get_stats 12000 before, 11990 now)");
        }
    }

    @Test
    void a_collection_that_stays_unloaded_fails_the_run_after_the_stage_timeout() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.data.keepUnloaded("default", "books");
            // Real time until the gate waits for the collection, then ten times faster: the 10 s timeout passes in about 1 s.
            c.clock = new ScaledClock().fastOnce(() -> c.logged("not loaded or counted again yet"), Duration.ofSeconds(30), 10);
            c.intent(ScenarioCluster.intentWith("stageTimeout", "10s"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).isEqualTo(1);
            assertThat(report.record().message()).contains("default.books: loaded before, LoadStateNotLoad now");
            assertThat(c.log).anyMatch(l -> l.contains("not loaded or counted again yet"));
        }
    }

    @Test
    void the_write_probe_meets_milvus_47806_after_the_2_6_stage_and_the_remedy_fixes_it() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.data.reproduce47806();
            c.intent(ScenarioCluster.intentWith("dataCheck", "write"));

            Runner.Report report = c.run();

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            RunRecord r = c.result();
            assertThat(r.dataCheck().orElseThrow().remedy47806()).isTrue();
            assertThat(r.message()).contains("writes verified by the probe after the milvus#47806 remedy")
                    .doesNotContain("check that writes work");
            assertThat(c.log).containsSubsequence("stage 1/1 2.6.4: restarting mixcoord (milvus#47806 remedy)",
                    "stage 1/1 2.6.4: restarting streamingnode (milvus#47806 remedy)");
            assertThat(c.ourMilvusPatches()).extracting(RecordingDispatcher.Request::body).filteredOn(b -> b.contains("podAnnotations"))
                    .satisfiesExactly(b -> assertThat(b).contains("mixCoord"), b -> assertThat(b).contains("streamingNode"));
            assertThat(c.data.writesHang()).isFalse();
        }
    }

    @Test
    void a_probe_that_still_fails_after_the_remedy_fails_the_run_saying_what_was_tried() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(ScenarioCluster.intentWith("dataCheck", "write"));

            Runner.Report report = c.runner((cp, stage) -> {
                if (cp == Checkpoint.MID_WAIT) {
                    // Writes time out and no restart helps.
                    c.data.failEndpoint("entities/insert", 10001, "request timeout");
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).isEqualTo(1);
            assertThat(report.record().message()).contains("the write probe failed after stage 2.6.4 at insert")
                    .contains("also after restarting mixcoord, then the streaming nodes, the milvus#47806 remedy");
            assertThat(c.result().dataCheck().orElseThrow().remedy47806()).isTrue();
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.6.4");
        }
    }

    @Test
    void a_probe_that_fails_before_any_change_is_refused() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.data.failEndpoint("entities/insert", 65535, "PrivilegeInsert: permission deny");
            c.intent(ScenarioCluster.intentWith("dataCheck", "write"));

            assertRejectedUntouched(c, "the write probe failed before any change, at insert");
        }
    }

    @Test
    void milvus_unreachable_during_a_stage_is_waited_for_within_the_stage_timeout() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(ScenarioCluster.intentWith());
            // A failed read while the proxies roll: the data check keeps trying, and Milvus comes back.
            Thread comesBack = new Thread(() -> {
                Await.until(Duration.ofSeconds(30), "the data check to meet Milvus unreachable", () -> {
                    synchronized (c.log) {
                        return c.log.stream().anyMatch(l -> l.contains("Milvus not reachable yet"));
                    }
                });
                c.data.clearFailures();
            });

            Runner.Report report = c.runner((cp, stage) -> {
                if (cp == Checkpoint.MID_WAIT) {
                    c.data.failEndpoint("databases/list", 2, "service unavailable");
                    comesBack.start();
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).as(report.record().message()).isZero();
            assertThat(c.result().dataCheck().orElseThrow().stages()).singleElement()
                    .satisfies(s -> assertThat(s.outcome()).isEqualTo(DataCheckRecord.Outcome.OK));
        }
    }

    /**
     * The bound, not the scale: 10 000 collections are the benchmark's (BENCHMARKS.md), 600 are enough to overflow the differences kept.
     */
    @Test
    void many_lost_collections_keep_the_result_annotation_small() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.data.addCollections("big", 600);
            c.intent(ScenarioCluster.intentWith("stageTimeout", "2m"));

            Runner.Report report = c.runner((cp, stage) -> {
                if (cp == Checkpoint.MID_WAIT) {
                    for (int i = 0; i < 600; i += 2) {
                        c.data.loseCollection("big", String.format("c%05d", i));
                    }
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).isEqualTo(1);
            DataCheckRecord d = c.result().dataCheck().orElseThrow();
            assertThat(d.baseline().collections()).isGreaterThanOrEqualTo(600);
            assertThat(d.differencesTotal()).isEqualTo(300);
            assertThat(d.differences()).hasSize(DataCheckRecord.MAX_DIFFERENCES);
            assertThat(c.annotations().get(MilvusApi.ANNOTATION_RESULT).length()).isLessThan(8_000);
            assertThat(report.record().message()).hasSizeLessThan(1_500).contains("and " + (300 - 5) + " more");
        }
    }
}

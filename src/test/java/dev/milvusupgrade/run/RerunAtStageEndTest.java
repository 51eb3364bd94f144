package dev.milvusupgrade.run;

import dev.milvusupgrade.k8s.Kube;
import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.ClusterGateway;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.Decision;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.Planner;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.RunRecord.StagePhase;
import dev.milvusupgrade.plan.RunRecord.StageRecord;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.sim.SimulatorOptions;
import dev.milvusupgrade.testing.Await;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: a rerun that meets its stage's end, the time a stage finished while no run watched, and
 * an intent changed mid-run.
 */
class RerunAtStageEndTest {

    private static final SimulatorOptions SLOW_ENOUGH = SimulatorOptions.fast().withStepDelay(Duration.ofMillis(150));

    @SuppressWarnings("unchecked")
    private static Map<String, Object> condition(ScenarioCluster c, String type) {
        Map<String, Object> status = (Map<String, Object>) c.milvus().getAdditionalProperties().get("status");
        return ((List<Map<String, Object>>) status.get("conditions")).stream().filter(m -> type.equals(m.get("type"))).findFirst()
                .orElseThrow();
    }

    /** The operator finished rolling v2.6.4 and cleaned up after it: a fresh plan finds nothing to do. */
    private static boolean operatorFinished(ScenarioCluster c) {
        Intent intent = ((Checked.Ok<Intent>) Intent.parse(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4"),
                Instant.now())).value();
        return Planner.plan(intent, new ClusterGateway(c.client).read(ScenarioCluster.NS, ScenarioCluster.RELEASE).orElseThrow())
                instanceof Decision.NoOp;
    }

    @Test
    void a_rerun_whose_stage_completes_while_it_gets_ready_records_succeeded_with_the_operators_time() {
        try (ScenarioCluster c = new ScenarioCluster(SLOW_ENOUGH)) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));
            c.killAt(Checkpoint.AFTER_PATCH, "2.6.4");

            // The Job's retry plans "already applied, will wait"; the operator finishes the stage before the retry looks again.
            Runner.Report rerun = c.runner((cp, st) -> {
                if (cp == Checkpoint.PLANNED) {
                    Await.until(Duration.ofSeconds(20), "the operator to finish the stage", () -> operatorFinished(c));
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            RunRecord r = c.result();
            assertThat(r.phase()).isEqualTo(Phase.Succeeded);
            assertThat(c.log).anyMatch(l -> l.contains("stage 2.6.4 (already applied, will wait)"));
            assertThat(c.ourMilvusPatches()).hasSize(1);
            StageRecord stage = r.stage("2.6.4").orElseThrow();
            assertThat(stage.phase()).isEqualTo(StagePhase.Succeeded);
            // Nobody watched it finish: finishedAt is when the operator reported it, not when the rerun started or looked.
            assertThat(stage.finishedAt()).contains(Instant.parse(condition(c, "MilvusUpdated").get("lastTransitionTime").toString()));
        }
    }

    @Test
    void a_rerun_long_after_a_crash_records_when_the_stage_finished_not_when_it_looked() {
        try (ScenarioCluster c = new ScenarioCluster(SLOW_ENOUGH)) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));
            c.killAt(Checkpoint.MID_WAIT, "2.6.4");
            Await.until(Duration.ofSeconds(20), "the operator to finish the stage", () -> operatorFinished(c));

            // The retry comes an hour later (its clock says so).
            Clock later = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));
            Runner.Report rerun = new Runner(new Kube(c.toolClient), later, c.settings, c.log::add, Checkpoint.Listener.NONE, c::dataPlane)
                    .run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(rerun.exitCode()).isZero();
            RunRecord r = c.result();
            assertThat(r.phase()).isEqualTo(Phase.Succeeded);
            assertThat(r.message()).contains("completion confirmed by a rerun");
            StageRecord bridge = r.stage("mixcoord-2.5.16").orElseThrow();
            StageRecord last = r.stage("2.6.4").orElseThrow();
            assertThat(last.finishedAt()).contains(Instant.parse(condition(c, "MilvusUpdated").get("lastTransitionTime").toString()));
            assertThat(last.finishedAt().orElseThrow()).isBefore(r.finishedAt().orElseThrow().minus(Duration.ofMinutes(59)));
            assertThat(bridge.finishedAt().orElseThrow()).isBeforeOrEqualTo(last.startedAt().orElseThrow());
        }
    }

    @Test
    void a_target_changed_between_stages_stops_the_run_before_the_next_stage_and_says_so() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));

            Runner.Report report = c.runner((cp, st) -> {
                if (cp == Checkpoint.BETWEEN_STAGES) {
                    c.editIntent("targetVersion", "v2.6.5");
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).isEqualTo(1);
            assertThat(report.record().message()).startsWith("the intent changed during the run (targetVersion v2.6.4 -> v2.6.5), so stage"
                    + " 2.6.4 was not started; fix: rerun");
            assertThat(c.log).anyMatch(l -> l.equals("intent changed during the run: targetVersion v2.6.4 -> v2.6.5; stopping before stage "
                    + "2.6.4"));
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.5.16");
            assertThat(c.ourMilvusPatches()).hasSize(1);

            Runner.Report rerun = c.run();
            assertThat(rerun.exitCode()).isZero();
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.6.5");
        }
    }

    @Test
    void a_target_changed_during_the_last_stage_finishes_it_and_says_a_rerun_is_needed() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));

            Runner.Report report = c.runner((cp, st) -> {
                if (cp == Checkpoint.MID_WAIT) {
                    c.editIntent("targetVersion", "v2.6.5");
                }
            }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).isZero();
            assertThat(report.record().message()).contains("upgraded from v2.5.16 to v2.6.4")
                    .contains("the intent changed during the run (targetVersion v2.6.4 -> v2.6.5): rerun for it");
        }
    }
}

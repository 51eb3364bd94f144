package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** A run killed at any checkpoint is finished by the next run, and no stage patch is sent twice. */
class ResumeTest {

    /** Stands in for the process dying: nothing after the throw point runs. */
    static final class Killed extends RuntimeException {
        Killed(String where) {
            super("killed at " + where);
        }
    }

    private static List<String> checkpointsOfAFullRun() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));
            List<String> seen = new ArrayList<>();
            Runner.Report r = c.runner((cp, stage) -> seen.add(cp + "@" + stage)).run(ScenarioCluster.NS, ScenarioCluster.INTENT);
            assertThat(r.record().phase()).isEqualTo(Phase.Succeeded);
            return seen;
        }
    }

    /** One test per checkpoint of a full run (in its order), so that each reports its own time and failure. */
    @TestFactory
    Stream<DynamicTest> a_run_killed_at_every_checkpoint_is_finished_by_the_next_run_with_each_patch_sent_once() {
        List<String> checkpoints = checkpointsOfAFullRun();
        assertThat(checkpoints).contains("BEFORE_PATCH@mixcoord-2.5.16", "AFTER_PATCH@mixcoord-2.5.16", "MID_WAIT@mixcoord-2.5.16",
                "BETWEEN_STAGES@mixcoord-2.5.16", "BEFORE_PATCH@2.6.4", "AFTER_PATCH@2.6.4", "MID_WAIT@2.6.4", "RECORD@");
        return IntStream.range(0, checkpoints.size()).mapToObj(kill -> DynamicTest.dynamicTest(
                "killed at checkpoint " + (kill + 1) + ", " + checkpoints.get(kill), () -> killedAndRerun(kill, checkpoints.get(kill))));
    }

    private static void killedAndRerun(int kill, String where) {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));
            AtomicInteger n = new AtomicInteger();
            try {
                c.runner((cp, stage) -> {
                    if (n.getAndIncrement() == kill) {
                        throw new Killed(where);
                    }
                }).run(ScenarioCluster.NS, ScenarioCluster.INTENT);
                throw new AssertionError("the run was not killed at " + where);
            } catch (Killed expected) {
                // the process "died" here
            }

            Runner.Report rerun = c.run();

            assertThat(rerun.exitCode()).as("rerun after kill at " + where).isZero();
            assertThat(rerun.record().phase()).as(where).isEqualTo(Phase.Succeeded);
            assertThat(c.components().get("image")).as(where).isEqualTo("milvusdb/milvus:v2.6.4");
            assertThat(c.components()).as(where).doesNotContainKeys("rootCoord", "dataCoord", "queryCoord", "indexCoord", "indexNode");
            assertThat(c.ourMilvusPatches().stream().filter(p -> p.body().contains("v2.5.16")).count()).as(where).isEqualTo(1);
            assertThat(c.ourMilvusPatches().stream().filter(p -> p.body().contains("v2.6.4")).count()).as(where).isEqualTo(1);
            RunRecord recorded = c.result();
            assertThat(recorded.phase()).as(where).isEqualTo(Phase.Succeeded);
            assertThat(recorded.fromVersion()).as(where).isEqualTo("v2.5.4");
            assertThat(recorded.stages()).as(where).extracting(RunRecord.StageRecord::name).containsExactly("mixcoord-2.5.16", "2.6.4");
            assertThat(recorded.stages()).as(where).allSatisfy(s -> assertThat(s.phase()).isEqualTo(RunRecord.StagePhase.Succeeded));
        }
    }
}

package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The planner's warnings come back as values in the report (PlanCommand prints them), the same ones the log says. */
class PlanWarningsTest {

    private static List<String> logged(ScenarioCluster c) {
        return List.copyOf(c.log).stream().filter(l -> l.startsWith("warning: ")).map(l -> l.substring("warning: ".length())).toList();
    }

    @Test
    void a_cluster_already_on_its_target_reports_the_catalogue_s_newer_recommendation_as_a_value() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.6.4", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4"));

            Runner.Report report = c.runner().plan(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.record().phase()).isEqualTo(Phase.NoOp);
            assertThat(report.plan()).isEmpty();
            assertThat(report.warnings()).isNotEmpty().anyMatch(w -> w.startsWith("recommended target from v2.6.4: v2.6."));
            assertThat(report.warnings()).isEqualTo(logged(c));
        }
    }

    @Test
    void a_staged_plan_reports_its_own_warnings() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.25"));

            Runner.Report report = c.runner().plan(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.plan()).isPresent();
            assertThat(report.warnings()).isNotEmpty().isEqualTo(report.plan().get().warnings()).isEqualTo(logged(c));
        }
    }
}

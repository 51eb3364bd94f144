package dev.milvusupgrade.run;

import static dev.milvusupgrade.run.FaultInjectingDispatcher.method;
import static dev.milvusupgrade.run.FaultInjectingDispatcher.status;
import static dev.milvusupgrade.run.FaultInjectingDispatcher.watchOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.run.FaultInjectingDispatcher.Fault;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The API server misbehaves in every way the issue lists; the upgrade still completes, each patch once. */
class FaultToleranceTest {

    private static Fault byTool(Fault f) {
        return new Fault(f.name(), f.when().and(r -> ScenarioCluster.TOOL_AGENT.equals(r.getHeader("User-Agent"))), f.times(), f.answer());
    }

    @Test
    void completes_the_two_stage_upgrade_through_conflicts_throttling_errors_and_gone_watches() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));
            FaultInjectingDispatcher f = c.faults();
            // Every fault hits the tool's own requests; the simulated operator is left alone.
            f.inject(byTool(new Fault("conflict on our patch", r -> "PATCH".equals(r.getMethod()) && r.getPath().contains("/milvuses/")
                    && r.getPath().contains("fieldManager=milvus-upgrade"), 1,
                    () -> status(409, "Conflict", "the object has been modified; please apply your changes to the latest version"))));
            f.inject(byTool(new Fault("throttled reads", method("GET", "/milvuses/" + ScenarioCluster.RELEASE), 2,
                    () -> status(429, "TooManyRequests", "slow down").setHeader("Retry-After", "1"))));
            f.inject(byTool(new Fault("server errors on the intent", method("PATCH", "/configmaps/" + ScenarioCluster.INTENT), 2,
                    () -> status(500, "InternalError", "etcdserver: request timed out"))));
            f.inject(byTool(new Fault("unavailable deployments list",
                    r -> "GET".equals(r.getMethod()) && r.getPath().contains("/deployments")
                    && !r.getPath().contains("watch=true"), 2, () -> status(503, "ServiceUnavailable", "try again"))));
            f.inject(byTool(new Fault("milvus watch gone", watchOf("/milvuses"), 1, FaultInjectingDispatcher::goneWatch)));
            f.inject(byTool(new Fault("deployment watch dropped", watchOf("/deployments"), 2, FaultInjectingDispatcher::droppedWatch)));
            f.inject(byTool(new Fault("lease errors", method("PUT", "/leases/"), 1, () -> status(500, "InternalError", "boom"))));

            Runner.Report report = c.run();

            assertThat(report.record().phase()).as(String.join("\n", c.log)).isEqualTo(Phase.Succeeded);
            assertThat(c.components().get("image")).isEqualTo("milvusdb/milvus:v2.6.4");
            for (String fault : new String[] {"conflict on our patch", "throttled reads", "server errors on the intent",
                "unavailable deployments list", "milvus watch gone", "deployment watch dropped"}) {
                assertThat(f.fired(fault)).as(fault).isPositive();
            }
            assertThat(c.ourMilvusPatches().stream().filter(p -> p.body().contains("v2.5.16")).count()).isEqualTo(1);
            assertThat(c.ourMilvusPatches().stream().filter(p -> p.body().contains("v2.6.4")).count()).isEqualTo(1);
        }
    }
}

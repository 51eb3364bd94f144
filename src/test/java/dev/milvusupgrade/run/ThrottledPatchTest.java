package dev.milvusupgrade.run;

import static dev.milvusupgrade.run.FaultInjectingDispatcher.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.ClusterGateway;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.run.FaultInjectingDispatcher.Fault;
import dev.milvusupgrade.run.FaultInjectingDispatcher.Match;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The API server throttles the tool's patch of the Milvus resource with 429 and a Retry-After: the
 * patch is sent again no sooner than the server asked, and lands once.
 */
class ThrottledPatchTest {

    private static final int RETRY_AFTER_SECONDS = 1;

    private static final Predicate<RecordedRequest> OUR_MILVUS_PATCH = r -> "PATCH".equals(r.getMethod())
            && r.getPath().contains("/milvuses/" + ScenarioCluster.RELEASE)
            && r.getPath().contains("fieldManager=" + ClusterGateway.FIELD_MANAGER)
            && ScenarioCluster.TOOL_AGENT.equals(r.getHeader("User-Agent"));

    @Test
    void a_throttled_milvus_patch_is_sent_again_no_sooner_than_retry_after() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));
            String throttled = "throttled milvus patch";
            c.faults().inject(new Fault(throttled, OUR_MILVUS_PATCH, 2,
                    () -> status(429, "TooManyRequests", "slow down").setHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS))));

            Runner.Report report = c.run();

            assertThat(report.record().phase()).as(String.join("\n", c.log)).isEqualTo(Phase.Succeeded);
            List<Match> attempts = c.faults().matches(throttled);
            // Two answered 429, then the same patch got through; the second stage's patch follows.
            assertThat(attempts).hasSizeGreaterThanOrEqualTo(3);
            assertThat(attempts.subList(0, 3)).extracting(Match::faulted).containsExactly(true, true, false);
            for (int i = 0; i < 2; i++) {
                Duration gap = Duration.between(attempts.get(i).at(), attempts.get(i + 1).at());
                assertThat(gap).as("gap between the 429 of attempt %d and the next attempt", i + 1)
                        .isGreaterThanOrEqualTo(Duration.ofSeconds(RETRY_AFTER_SECONDS));
            }
            // The throttled attempts changed nothing: the first stage's patch landed once, as did the second's.
            assertThat(c.ourMilvusPatches().stream().filter(p -> p.body().contains("v2.5.16")).count()).isEqualTo(1);
            assertThat(c.ourMilvusPatches().stream().filter(p -> p.body().contains("v2.6.4")).count()).isEqualTo(1);
        }
    }
}

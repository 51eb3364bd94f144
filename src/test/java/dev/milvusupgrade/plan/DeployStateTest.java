package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.ClusterSnapshot.DeployState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The operator's rule for a component's rollout state (FACTS §3, ComponentDeployStatus.GetState). */
class DeployStateTest {

    @ParameterizedTest(name = "gen {0}/{1} {2}/{3} -> {4}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "3|2|True|NewReplicaSetAvailable|PROGRESSING",
        "3|3|-|-|PROGRESSING",
        "3|3|Unknown|DeploymentPaused|PAUSED",
        "3|3|False|ProgressDeadlineExceeded|FAILED",
        "3|3|False|Rolling|ROLLING",
        "3|3|True|NewReplicaSetAvailable|COMPLETE",
        "3|3|True|ReplicaSetUpdated|PROGRESSING"})
    void follows_the_operators_rule(long generation, long observed, String status, String reason, DeployState expected) {
        assertThat(DeployState.of(generation, observed, status, reason)).isEqualTo(expected);
    }
}

package dev.milvusupgrade.plan;

import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_25;
import static dev.milvusupgrade.plan.Snapshots.healthy;
import static dev.milvusupgrade.plan.Snapshots.withImage;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When a run refuses to start from the cluster as it finds it: a checkpoint lost or unreadable (issue 21). */
class CheckpointGuardTest {

    private static final ClusterSnapshot UNDER_WAY = withImage(healthy("milvusdb/milvus:v2.5.16", MIXCOORD_25), "milvusdb/milvus:v2.6.4");
    private static final ClusterSnapshot AT_REST = healthy("milvusdb/milvus:v2.5.16", MIXCOORD_25);

    private static Intent intent(boolean accept) {
        Map<String, String> d = new HashMap<>(Map.of("milvus", "my-release", "targetVersion", "v2.6.4"));
        if (accept) {
            d.put(Intent.ACCEPT_CLUSTER_AS_IS, "true");
        }
        return ((Checked.Ok<Intent>) Intent.parse(d, Instant.parse("2026-12-06T01:00:00Z"))).value();
    }

    private static Plan plan(ClusterSnapshot s) {
        return ((Decision.Staged) Planner.plan(intent(false), s)).plan();
    }

    @Test
    void a_stage_in_the_spec_without_a_checkpoint_is_checkpoint_lost_with_the_key_to_accept() {
        Optional<Rejection> r = CheckpointGuard.lost(intent(false), plan(UNDER_WAY), UNDER_WAY, false);

        assertThat(r).isPresent();
        assertThat(r.get().message()).startsWith("checkpoint lost: the spec of Milvus ").contains("already shows stage 2.6.4")
                .contains("milvus-upgrade-my-release").contains("acceptClusterAsIs: \"true\"");
    }

    @Test
    void a_checkpoint_a_cluster_at_rest_or_the_intents_acceptance_let_the_run_go_on() {
        assertThat(CheckpointGuard.lost(intent(false), plan(UNDER_WAY), UNDER_WAY, true)).isEmpty();
        assertThat(CheckpointGuard.lost(intent(false), plan(AT_REST), AT_REST, false)).isEmpty();
        assertThat(CheckpointGuard.lost(intent(true), plan(UNDER_WAY), UNDER_WAY, false)).isEmpty();
    }

    @Test
    void going_on_by_acceptance_is_recorded_as_a_warning_only_when_there_was_something_to_accept() {
        assertThat(CheckpointGuard.accepted(intent(true), Optional.empty(), plan(UNDER_WAY), UNDER_WAY, false)).get().asString()
                .contains("no checkpoint").contains("acceptClusterAsIs");
        assertThat(CheckpointGuard.accepted(intent(true), Optional.of("not a JSON object"), plan(AT_REST), AT_REST, true)).get().asString()
                .contains("could not be read (not a JSON object)");
        assertThat(CheckpointGuard.accepted(intent(true), Optional.empty(), plan(AT_REST), AT_REST, false)).isEmpty();
        assertThat(CheckpointGuard.accepted(intent(false), Optional.empty(), plan(UNDER_WAY), UNDER_WAY, false)).isEmpty();
    }

    @Test
    void an_unreadable_checkpoint_says_why_where_and_the_key() {
        Rejection r = CheckpointGuard.unreadable("milvus/my-release",
                "recordVersion '7', a format this version of milvus-upgrade does not know");

        assertThat(r.message()).contains("cannot be read (recordVersion '7'").contains("Lease milvus/milvus-upgrade-my-release")
                .contains("acceptClusterAsIs");
    }
}

package dev.milvusupgrade.plan;

import static dev.milvusupgrade.plan.Snapshots.FOUR_COORDS;
import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_25;
import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_26;
import static dev.milvusupgrade.plan.Snapshots.healthy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class BackupPointTest {

    private static Plan plan(ClusterSnapshot s, String target) {
        Intent intent = ((Checked.Ok<Intent>) Intent.parse(Map.of("milvus", "my-release", "targetVersion", target),
                Instant.parse("2026-11-24T22:00:00Z"))).value();
        return ((Decision.Staged) Planner.plan(intent, s)).plan();
    }

    @Test
    void the_backup_comes_right_before_the_first_2_6_stage() {
        assertThat(BackupPoint.before(plan(healthy("milvusdb/milvus:v2.5.4", FOUR_COORDS), "v2.6.4"), false)).isEqualTo(OptionalInt.of(1));
        assertThat(BackupPoint.before(plan(healthy("milvusdb/milvus:v2.5.16", MIXCOORD_25), "v2.6.4"), false)).isEqualTo(OptionalInt.of(0));
    }

    @Test
    void within_2_6_there_is_no_point_of_no_return_unless_the_intent_asks() {
        Plan within = plan(healthy("milvusdb/milvus:v2.6.2", MIXCOORD_26), "v2.6.4");
        assertThat(BackupPoint.before(within, false)).isEmpty();
        assertThat(BackupPoint.before(within, true)).isEqualTo(OptionalInt.of(0));
    }

    @Test
    void the_name_is_what_milvus_backup_accepts_and_the_same_for_every_run_of_the_upgrade() {
        String name = BackupPoint.name("milvus-prod/my-release.v2", Instant.parse("2026-11-25T02:03:04.567Z"));
        assertThat(name).isEqualTo("milvus_upgrade_milvus_prod_my_release_v2_20261125_020304").matches("[A-Za-z][A-Za-z0-9_]{0,127}");
        assertThat(BackupPoint.name("ns/" + "x".repeat(300), Instant.EPOCH)).hasSize(122).endsWith("_19700101_000000");
    }

    @Test
    void a_retry_is_asked_under_a_fresh_name_that_milvus_backup_still_accepts() {
        String name = BackupPoint.name("ns/" + "x".repeat(300), Instant.EPOCH);
        assertThat(BackupPoint.attempt(name, 1)).isEqualTo(name);
        assertThat(BackupPoint.attempt(name, 2)).isEqualTo(name + "_r2");
        assertThat(BackupPoint.attempt(name, 9999)).hasSize(128).matches("[A-Za-z][A-Za-z0-9_]{0,127}");
        assertThatThrownBy(() -> BackupPoint.attempt(name, 10_000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BackupPoint.attempt(name, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void the_attempt_of_a_recorded_name_is_read_back_and_a_foreign_name_is_none() {
        String name = "milvus_upgrade_ns_a_20261125_020304";
        assertThat(BackupPoint.attemptOf(name, name)).isEqualTo(OptionalInt.of(1));
        assertThat(BackupPoint.attemptOf(name + "_r2", name)).isEqualTo(OptionalInt.of(2));
        assertThat(BackupPoint.attemptOf(name + "_r17", name)).isEqualTo(OptionalInt.of(17));
        for (String foreign : List.of(name + "_r1", name + "_r0", name + "_r02", name + "_r", name + "_rx", name + "_r12345", "other",
                name + "x")) {
            assertThat(BackupPoint.attemptOf(foreign, name)).as(foreign).isEmpty();
        }
    }
}

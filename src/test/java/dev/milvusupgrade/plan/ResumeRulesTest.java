package dev.milvusupgrade.plan;

import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_25;
import static dev.milvusupgrade.plan.Snapshots.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.RunRecord.StagePhase;
import dev.milvusupgrade.plan.RunRecord.StageRecord;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What a rerun takes over from an earlier run's record, without a cluster (issue 18). */
class ResumeRulesTest {

    private static final Instant T0 = Instant.parse("2026-12-06T01:00:00Z");
    private static final Instant T1 = T0.plusSeconds(60);
    private static final Instant READ = T0.plusSeconds(600);
    private static final String REF = "milvus/my-release";
    /** A cluster whose status says nothing about when its images rolled: the times come from the record or the read. */
    private static final ClusterSnapshot S = healthy("milvusdb/milvus:v2.6.4", MIXCOORD_25);

    private static StageRecord stage(String name, StagePhase phase, Optional<Instant> start, Optional<Instant> end) {
        return new StageRecord(name, "milvusdb/milvus:" + (name.startsWith("mixcoord") ? "v2.5.16" : "v2.6.4"), phase, start, end);
    }

    private static final StageRecord MIX_DONE = stage("mixcoord-2.5.16", StagePhase.Succeeded, Optional.of(T0), Optional.of(T1));
    private static final StageRecord MAIN_RUNNING = stage("2.6.4", StagePhase.Running, Optional.of(T1), Optional.empty());
    private static final StageRecord MAIN_PENDING = stage("2.6.4", StagePhase.Pending, Optional.empty(), Optional.empty());

    private static RunRecord record(Phase phase, String milvus, String target, StageRecord... stages) {
        return new RunRecord(phase, milvus, "v2.5.14", target, List.of(stages), "", T0, Optional.empty(), "old");
    }

    static Stream<Arguments> resumable() {
        return Stream.of(
                Arguments.of("interrupted mid-stage", record(Phase.Interrupted, REF, "v2.6.4", MIX_DONE, MAIN_RUNNING), true),
                Arguments.of("failed after a stage", record(Phase.Failed, REF, "v2.6.4", MIX_DONE, MAIN_PENDING), true),
                Arguments.of("another target", record(Phase.Failed, REF, "v2.6.5", MIX_DONE, MAIN_PENDING), false),
                Arguments.of("another Milvus", record(Phase.Failed, "milvus/other", "v2.6.4", MIX_DONE, MAIN_PENDING), false),
                Arguments.of("succeeded", record(Phase.Succeeded, REF, "v2.6.4", MIX_DONE), false),
                Arguments.of("no stage started (a dry run)", record(Phase.Planned, REF, "v2.6.4", MAIN_PENDING), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("resumable")
    void a_rerun_continues_only_an_unfinished_upgrade_of_the_same_milvus_and_target(String what, RunRecord previous, boolean continues) {
        assertThat(Resume.resumable(Optional.of(previous), REF, "v2.6.4").isPresent()).isEqualTo(continues);
    }

    @Test
    void resuming_keeps_the_start_the_starting_version_and_the_stages_done_and_makes_the_stage_under_way_pending_again() {
        RunRecord previous = record(Phase.Interrupted, REF, "v2.6.4", MIX_DONE, MAIN_RUNNING);
        RunRecord fresh = new RunRecord(Phase.Running, REF, "v2.5.16", "v2.6.4", List.of(MAIN_PENDING), "", READ, Optional.empty(), "new");

        RunRecord r = Resume.resumedFrom(fresh, Optional.of(previous), S, READ);

        assertThat(r.startedAt()).isEqualTo(T0);
        assertThat(r.fromVersion()).isEqualTo("v2.5.14");
        assertThat(r.runId()).isEqualTo("new");
        assertThat(r.stages()).containsExactly(MIX_DONE, stage("2.6.4", StagePhase.Pending, Optional.of(T1), Optional.empty()));
    }

    @Test
    void a_backup_taken_is_kept_by_a_rerun_and_one_asked_under_an_attempt_name_is_found_by_it() {
        StageRecord taken = new StageRecord(BackupPoint.STAGE, "bk_r2", StagePhase.Succeeded, Optional.of(T0), Optional.of(T1));
        RunRecord previous = record(Phase.Failed, REF, "v2.6.4", taken, MAIN_RUNNING);
        StageRecord planned = new StageRecord(BackupPoint.STAGE, "bk", StagePhase.Pending, Optional.empty(), Optional.empty());
        RunRecord fresh = new RunRecord(Phase.Running, REF, "v2.5.16", "v2.6.4", List.of(planned, MAIN_PENDING), "", READ,
                Optional.empty(), "n");

        assertThat(Resume.resumedFrom(fresh, Optional.of(previous), S, READ).stage(BackupPoint.STAGE)).contains(taken);
    }

    @Test
    void a_stage_the_fresh_plan_no_longer_needs_is_done_finished_when_the_next_stage_started_else_at_the_read() {
        List<StageRecord> recorded = List.of(stage("mixcoord-2.5.16", StagePhase.Running, Optional.of(T0), Optional.empty()), MAIN_RUNNING);

        List<StageRecord> done = Resume.finishUnobserved(recorded, st -> true, S, READ);

        assertThat(done).extracting(StageRecord::phase).containsOnly(StagePhase.Succeeded);
        assertThat(done.get(0).finishedAt()).contains(T1);
        assertThat(done.get(1).finishedAt()).contains(READ);
    }

    @Test
    void an_unobserved_finish_is_confirmed_succeeded_with_only_the_stages_that_run_started() {
        RunRecord previous = record(Phase.Interrupted, REF, "v2.6.4", MIX_DONE, MAIN_RUNNING, stage("extra", StagePhase.Pending,
                Optional.empty(), Optional.empty()));

        RunRecord unfinished = Resume.unobservedFinish(Optional.of(previous), REF, "v2.6.4").orElseThrow();
        RunRecord r = Resume.confirmed(unfinished, S, READ, READ, "new", "");

        assertThat(r.phase()).isEqualTo(Phase.Succeeded);
        assertThat(r.runId()).isEqualTo("new");
        assertThat(r.stages()).extracting(StageRecord::name).containsExactly("mixcoord-2.5.16", "2.6.4");
        assertThat(r.message()).contains("(completion confirmed by a rerun)").endsWith(Resume.CHECK_WRITES);
        assertThat(Resume.unobservedFinish(Optional.of(previous.withPhase(Phase.Planned, "", Optional.empty())), REF, "v2.6.4")).isEmpty();
    }

    @Test
    void a_rejection_during_an_upgrade_keeps_its_stages_and_start_so_the_run_after_the_fix_resumes() {
        RunRecord previous = record(Phase.Interrupted, REF, "v2.6.4", MIX_DONE, MAIN_RUNNING);

        RunRecord kept = Resume.rejected(Optional.of(previous), REF, "v2.5.16", "v2.6.4", Rejection.of("no", "yes"), READ, "new", READ);
        RunRecord fresh = Resume.rejected(Optional.empty(), REF, "v2.5.16", "v2.6.4", Rejection.of("no", "yes"), READ, "new", READ);

        assertThat(kept.stages()).isEqualTo(previous.stages());
        assertThat(kept.startedAt()).isEqualTo(T0);
        assertThat(kept.finishedAt()).contains(READ);
        assertThat(fresh.stages()).isEmpty();
        assertThat(fresh.phase()).isEqualTo(Phase.Rejected);
        assertThat(fresh.message()).isEqualTo("no; fix: yes");
    }

    @Test
    void a_pause_before_the_run_began_shows_where_the_upgrade_stands() {
        RunRecord previous = record(Phase.Interrupted, REF, "v2.6.4", MIX_DONE, MAIN_RUNNING);

        RunRecord p = Resume.paused(Optional.of(previous), REF, "v2.6.4", READ, "new", READ);

        assertThat(p.phase()).isEqualTo(Phase.Paused);
        assertThat(p.stages()).isEqualTo(previous.stages());
        assertThat(p.message()).contains("nothing was changed; set paused to \"false\" to continue");
        assertThat(Resume.paused(Optional.empty(), REF, "v2.6.4", READ, "new", READ).stages()).isEmpty();
    }

    private static Intent intent(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("milvus", "my-release", "targetVersion", "v2.6.4"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return ((Checked.Ok<Intent>) Intent.parse(m, T0)).value();
    }

    @Test
    void a_retarget_names_each_change_that_makes_another_plan_and_nothing_else() {
        assertThat(Resume.retarget(intent(), intent("stageTimeout", "45m", "paused", "true"))).isEmpty();
        assertThat(Resume.retarget(intent(),
                intent("targetVersion", "v2.6.5", "milvusNamespace", "prod", "imageRepository", "reg.io/milvus")))
                .contains("targetVersion v2.6.4 -> v2.6.5, milvus my-release -> prod/my-release,"
                        + " imageRepository (current) -> reg.io/milvus");
    }
}

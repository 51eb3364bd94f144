package dev.milvusupgrade.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.DataCheck;
import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The result record is read back exactly, and a record that cannot be read is said to be so, never taken for none. */
class RecordCodecTest {

    private final RecordCodec codec = new RecordCodec(new KubernetesSerialization());

    private static RunRecord record() {
        RunRecord.BackupRecord backup = new RunRecord.BackupRecord("milvus_upgrade_ns_a_20261206_010203_r2", 4_096, 3,
                List.of("default.books", "default.archive", "analytics.events"), 42, Optional.of(Instant.parse("2026-12-06T01:05:00Z")));
        return new RunRecord(Phase.Running, "ns/a", "v2.5.16", "v2.6.4", List.of(new RunRecord.StageRecord("backup",
                backup.name(), RunRecord.StagePhase.Succeeded, Optional.of(Instant.parse("2026-12-06T01:04:18Z")),
                Optional.of(Instant.parse("2026-12-06T01:05:00Z")))), "backup taken", Instant.parse("2026-12-06T01:02:03Z"),
                    Optional.empty(),
                "r1", List.of(), Optional.empty(), Optional.of(backup));
    }

    @Test
    void a_record_is_written_with_its_format_and_read_back_whole_with_the_backup_description() {
        String text = codec.encode(record());

        assertThat(text).startsWith("{\"recordVersion\":1,");
        assertThat(codec.read(text)).isEqualTo(new RecordCodec.Read.Ok(record()));
    }

    @Test
    void where_the_full_baseline_is_kept_is_read_back_and_a_record_without_it_keeps_none() {
        DataCheckRecord d = DataCheckRecord.start(DataCheck.Mode.READ,
                        new DataCheckRecord.Totals(2, 3, 1_062_000, DataCheckRecord.Probe.NONE, 1_012_000, 20))
                .withKept("ConfigMap milvus-upgrade-baseline-a sha256:0d9852977e8f8744");
        RunRecord r = record().withDataCheck(d);
        String text = codec.encode(r);

        assertThat(text).contains("\"baselineKept\":\"ConfigMap milvus-upgrade-baseline-a sha256:0d9852977e8f8744\"");
        assertThat(codec.read(text).record().flatMap(RunRecord::dataCheck)).contains(d);
        assertThat(codec.read(text.replace(",\"baselineKept\":\"ConfigMap milvus-upgrade-baseline-a sha256:0d9852977e8f8744\"", ""))
                .record()
                .flatMap(RunRecord::dataCheck).map(DataCheckRecord::kept)).contains("");
    }

    @Test
    void a_record_from_before_the_format_key_is_read_as_format_1() {
        String legacy = codec.encode(record()).replace("\"recordVersion\":1,", "");

        assertThat(codec.read(legacy).record()).contains(record());
    }

    @Test
    void no_annotation_is_no_record() {
        assertThat(codec.read(null)).isEqualTo(new RecordCodec.Read.None());
        assertThat(codec.read(" ")).isEqualTo(new RecordCodec.Read.None());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"phase\":\"Running\"}                                                                 | no 'milvus'",
        "not json at all                                                                        | not a JSON object",
        "[1,2]                                                                                  | not a JSON object",
        "{\"recordVersion\":2,\"phase\":\"Running\",\"milvus\":\"ns/a\",\"targetVersion\":\"v2.6.4\",\"startedAt\":\"2026-12-06T01:02:03Z\"} | recordVersion '2'",
        "{\"phase\":\"Running\",\"milvus\":\"ns/a\",\"targetVersion\":\"v2.6.4\"}                      | no 'startedAt'",
        "{\"phase\":\"Halfway\",\"milvus\":\"ns/a\",\"targetVersion\":\"v2.6.4\",\"startedAt\":\"2026-12-06T01:02:03Z\"} | a field that does not parse",
        "{\"phase\":\"Running\",\"milvus\":\"ns/a\",\"targetVersion\":\"v2.6.4\",\"startedAt\":\"yesterday\"} | a field that does not parse",
    })
    void a_record_that_cannot_be_read_is_unreadable_with_why(String text, String why) {
        RecordCodec.Read read = codec.read(text);

        assertThat(read).isInstanceOf(RecordCodec.Read.Unreadable.class);
        assertThat(((RecordCodec.Read.Unreadable) read).why()).contains(why);
        assertThat(codec.decode(text)).isEmpty();
    }

    /** A data check as records of earlier versions wrote it (words, not enums): read into enums, written back the same. */
    private static final String DATA_CHECK = "{\"mode\":\"write\",\"baseline\":{\"databases\":2,\"collections\":3,\"rows\":62000,"
            + "\"probe\":\"passed\"},\"stages\":[{\"stage\":\"mixcoord-2.5.16\",\"outcome\":\"ok\",\"after\":{\"databases\":2,"
            + "\"collections\":3,\"rows\":62000,\"probe\":\"passed\"}},{\"stage\":\"2.6.4\",\"outcome\":\"probe failed\",\"after\":"
            + "{\"databases\":2,\"collections\":3,\"rows\":62000,\"probe\":\"failed\"}},{\"stage\":\"rerun\",\"outcome\":\"differences\","
            + "\"after\":{\"databases\":2,\"collections\":2,\"rows\":12000}}],\"differences\":[],\"differencesTotal\":0}";

    @Test
    void a_data_check_of_an_earlier_version_is_read_into_enums_and_written_back_in_the_same_words() {
        String text = codec.encode(record()).replaceFirst("}$", ",\"dataCheck\":" + DATA_CHECK + "}");

        DataCheckRecord d = codec.read(text).record().flatMap(RunRecord::dataCheck).orElseThrow();

        assertThat(d.mode()).isEqualTo(DataCheck.Mode.WRITE);
        assertThat(d.baseline().probe()).isEqualTo(DataCheckRecord.Probe.PASSED);
        assertThat(d.stages()).extracting(DataCheckRecord.StageCheck::outcome).containsExactly(DataCheckRecord.Outcome.OK,
                DataCheckRecord.Outcome.PROBE_FAILED, DataCheckRecord.Outcome.DIFFERENCES);
        assertThat(d.stages()).extracting(s -> s.after().probe()).containsExactly(DataCheckRecord.Probe.PASSED,
                DataCheckRecord.Probe.FAILED,
                DataCheckRecord.Probe.NONE);
        assertThat(codec.encode(codec.read(text).record().orElseThrow())).contains(DATA_CHECK);
        assertThat(codec.read(text.replace("\"probe failed\"", "\"so-so\""))).isInstanceOf(RecordCodec.Read.Unreadable.class)
                .extracting(r -> ((RecordCodec.Read.Unreadable) r).why()).asString().contains("outcome so-so");
    }

    @Test
    void text_from_outside_is_written_bounded_and_on_one_line() {
        String huge = "the operator says\nINFO forged\u001b[2J" + "m".repeat(1024 * 1024);
        RunRecord r = new RunRecord(Phase.Failed, "ns/a", "v2.5.16", "v2.6.4", List.of(), huge, Instant.parse("2026-12-06T01:02:03Z"),
                Optional.empty(), "r1", java.util.Collections.nCopies(500, huge), Optional.empty(), Optional.empty());

        String text = codec.encode(r);

        assertThat(text.length()).isLessThan(64 * 1024);
        RunRecord back = codec.read(text).record().orElseThrow();
        assertThat(back).isEqualTo(r);
        assertThat(back.message()).startsWith("the operator says INFO forged\\u001b[2Jmmm").hasSizeLessThanOrEqualTo(RunRecord.MAX_MESSAGE);
        assertThat(back.warnings()).hasSize(RunRecord.MAX_WARNINGS).last().isEqualTo("and 481 more");
    }
}

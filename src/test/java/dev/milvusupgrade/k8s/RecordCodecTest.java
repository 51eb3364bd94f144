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
                Optional.of(Instant.parse("2026-12-06T01:05:00Z")))), "backup taken", Instant.parse("2026-12-06T01:02:03Z"), Optional.empty(),
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
        DataCheckRecord d = DataCheckRecord.start(DataCheck.Mode.READ, new DataCheckRecord.Totals(2, 3, 1_062_000, DataCheckRecord.Probe.NONE, 1_012_000, 20))
                .withKept("ConfigMap milvus-upgrade-baseline-a sha256:0d9852977e8f8744");
        RunRecord r = record().withDataCheck(d);
        String text = codec.encode(r);

        assertThat(text).contains("\"baselineKept\":\"ConfigMap milvus-upgrade-baseline-a sha256:0d9852977e8f8744\"");
        assertThat(codec.read(text).record().flatMap(RunRecord::dataCheck)).contains(d);
        assertThat(codec.read(text.replace(",\"baselineKept\":\"ConfigMap milvus-upgrade-baseline-a sha256:0d9852977e8f8744\"", "")).record()
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
}

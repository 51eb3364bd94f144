package dev.milvusupgrade.k8s;

import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.RunRecord.StagePhase;
import dev.milvusupgrade.plan.RunRecord.StageRecord;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON of the milvus-upgrade.dev/result annotation. Written through plain maps so that the
 * native image needs no reflection data for our records. Each record says its format,
 * {@code "recordVersion": 1} (a record without it is from before the key and read as 1); a record that
 * cannot be read, or of another format, is {@link Read.Unreadable}, never taken for no record.
 */
public final class RecordCodec {

    /** The format this version writes and the only one it reads. */
    public static final int RECORD_VERSION = 1;

    /** A recorded result as read. */
    public sealed interface Read {
        /** No record. */
        record None() implements Read {
        }

        record Ok(RunRecord value) implements Read {
        }

        /** A record is there but cannot be used: {@code why} says what is wrong with it. */
        record Unreadable(String why) implements Read {
        }

        /** The record, if there is one and it can be read. */
        default Optional<RunRecord> record() {
            return this instanceof Ok ok ? Optional.of(ok.value()) : Optional.empty();
        }
    }

    private final KubernetesSerialization json;

    public RecordCodec(KubernetesSerialization json) {
        this.json = json;
    }

    public String encode(RunRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recordVersion", RECORD_VERSION);
        m.put("phase", r.phase().name());
        m.put("milvus", r.milvus());
        m.put("fromVersion", r.fromVersion());
        m.put("targetVersion", r.targetVersion());
        List<Map<String, Object>> stages = new ArrayList<>();
        for (StageRecord s : r.stages()) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("name", s.name());
            sm.put("image", s.image());
            sm.put("phase", s.phase().name());
            sm.put("startedAt", s.startedAt().map(Instant::toString).orElse(null));
            sm.put("finishedAt", s.finishedAt().map(Instant::toString).orElse(null));
            stages.add(sm);
        }
        m.put("stages", stages);
        m.put("message", r.message());
        m.put("startedAt", r.startedAt().toString());
        m.put("finishedAt", r.finishedAt().map(Instant::toString).orElse(null));
        m.put("runId", r.runId());
        if (!r.warnings().isEmpty()) {
            m.put("warnings", r.warnings());
        }
        r.dataCheck().ifPresent(d -> m.put("dataCheck", encode(d)));
        r.backup().ifPresent(b -> {
            Map<String, Object> bm = new LinkedHashMap<>();
            bm.put("name", b.name());
            bm.put("size", b.size());
            bm.put("collections", b.collections());
            bm.put("firstCollections", b.firstCollections());
            bm.put("seconds", b.seconds());
            b.endedAt().ifPresent(t -> bm.put("endedAt", t.toString()));
            m.put("backup", bm);
        });
        return json.asJson(m);
    }

    private static Map<String, Object> encode(DataCheckRecord d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", d.mode().key());
        m.put("baseline", encode(d.baseline()));
        List<Map<String, Object>> stages = new ArrayList<>();
        for (DataCheckRecord.StageCheck s : d.stages()) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("stage", s.stage());
            sm.put("outcome", s.outcome().key());
            sm.put("after", encode(s.after()));
            if (s.millis() > 0) {
                sm.put("millis", s.millis());
            }
            stages.add(sm);
        }
        m.put("stages", stages);
        m.put("differences", d.differences());
        m.put("differencesTotal", d.differencesTotal());
        if (d.remedy47806()) {
            m.put("remedy47806", true);
        }
        if (!d.canary().isEmpty()) {
            m.put("canary", d.canary());
        }
        if (d.warningsTotal() > 0) {
            m.put("warnings", d.warnings());
            m.put("warningsTotal", d.warningsTotal());
        }
        if (!d.kept().isEmpty()) {
            m.put("baselineKept", d.kept());
        }
        return m;
    }

    private static Map<String, Object> encode(DataCheckRecord.Totals t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("databases", t.databases());
        m.put("collections", t.collections());
        m.put("rows", t.rows());
        if (t.probe() != DataCheckRecord.Probe.NONE) {
            m.put("probe", t.probe().key());
        }
        if (t.counted() > 0) {
            m.put("counted", t.counted());
        }
        if (t.sampled() > 0) {
            m.put("sampled", t.sampled());
        }
        return m;
    }

    private static DataCheckRecord decodeDataCheck(Map<String, Object> m) {
        List<DataCheckRecord.StageCheck> stages = new ArrayList<>();
        if (m.get("stages") instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> s = SnapshotMapper.map(o);
                stages.add(new DataCheckRecord.StageCheck(str(s, "stage"), DataCheckRecord.Outcome.of(str(s, "outcome")),
                        totals(SnapshotMapper.map(s.get("after"))),
                        SnapshotMapper.num(s.get("millis"))));
            }
        }
        List<String> differences = m.get("differences") instanceof List<?> l ? l.stream().map(Object::toString).toList() : List.of();
        List<String> warnings = m.get("warnings") instanceof List<?> w ? w.stream().map(Object::toString).toList() : List.of();
        return new DataCheckRecord(DataCheckRecord.mode(str(m, "mode")), totals(SnapshotMapper.map(m.get("baseline"))), stages, differences,
                (int) SnapshotMapper.num(m.get("differencesTotal")), Boolean.TRUE.equals(m.get("remedy47806")), str(m, "canary"), warnings,
                (int) SnapshotMapper.num(m.get("warningsTotal")), str(m, "baselineKept"));
    }

    private static RunRecord.BackupRecord decodeBackup(Map<String, Object> m) {
        List<String> first = m.get("firstCollections") instanceof List<?> l ? l.stream().map(Object::toString).toList() : List.of();
        return new RunRecord.BackupRecord(str(m, "name"), SnapshotMapper.num(m.get("size")), (int) SnapshotMapper.num(m.get("collections")),
                first,
                SnapshotMapper.num(m.get("seconds")), instant(m, "endedAt"));
    }

    private static DataCheckRecord.Totals totals(Map<String, Object> m) {
        return new DataCheckRecord.Totals((int) SnapshotMapper.num(m.get("databases")), (int) SnapshotMapper.num(m.get("collections")),
                SnapshotMapper.num(m.get("rows")), DataCheckRecord.Probe.of(str(m, "probe")), SnapshotMapper.num(m.get("counted")),
                (int) SnapshotMapper.num(m.get("sampled")));
    }

    /** Decodes a recorded result; empty when the annotation is absent or cannot be read (see {@link #read} to tell those apart). */
    public Optional<RunRecord> decode(String text) {
        return read(text).record();
    }

    /** Reads a recorded result: none, the record, or why it cannot be read (bad JSON, another format, a missing field). */
    public Read read(String text) {
        if (text == null || text.isBlank()) {
            return new Read.None();
        }
        Map<String, Object> m;
        try {
            m = SnapshotMapper.map(json.unmarshal(text, Map.class));
        } catch (RuntimeException e) {
            return new Read.Unreadable("not a JSON object (" + text.length() + " characters starting " + abbreviate(text) + ")");
        }
        Object version = m.get("recordVersion");
        if (version != null && !String.valueOf(RECORD_VERSION).equals(version.toString())) {
            return new Read.Unreadable("recordVersion " + abbreviate(version.toString())
                    + ", a format this version of milvus-upgrade does not know"
                    + " (it reads " + RECORD_VERSION + ")");
        }
        for (String key : List.of("phase", "milvus", "targetVersion", "startedAt")) {
            if (m.get(key) == null) {
                return new Read.Unreadable("no '" + key + "'");
            }
        }
        try {
            List<StageRecord> stages = new ArrayList<>();
            if (m.get("stages") instanceof List<?> list) {
                for (Object o : list) {
                    Map<String, Object> s = SnapshotMapper.map(o);
                    stages.add(new StageRecord(str(s, "name"), str(s, "image"), StagePhase.valueOf(str(s, "phase")),
                            instant(s, "startedAt"), instant(s, "finishedAt")));
                }
            }
            List<String> warnings = m.get("warnings") instanceof List<?> w ? w.stream().map(Object::toString).toList() : List.of();
            RunRecord r = new RunRecord(Phase.valueOf(str(m, "phase")), str(m, "milvus"), str(m, "fromVersion"),
                    str(m, "targetVersion"), stages, str(m, "message"), instant(m, "startedAt").orElse(Instant.EPOCH),
                    instant(m, "finishedAt"), str(m, "runId"), warnings,
                    m.get("dataCheck") instanceof Map<?, ?> ? Optional.of(decodeDataCheck(SnapshotMapper.map(m.get("dataCheck"))))
                        : Optional.empty(),
                    m.get("backup") instanceof Map<?, ?> ? Optional.of(decodeBackup(SnapshotMapper.map(m.get("backup"))))
                        : Optional.empty());
            return new Read.Ok(r);
        } catch (RuntimeException e) {
            return new Read.Unreadable("a field that does not parse ("
                    + Optional.ofNullable(e.getMessage()).map(RecordCodec::abbreviate).orElse(e.toString())
                    + ")");
        }
    }

    private static String abbreviate(String text) {
        String one = text.replaceAll("\\s+", " ").trim();
        return "'" + (one.length() > 40 ? one.substring(0, 40) + "..." : one) + "'";
    }

    private static String str(Map<String, Object> m, String k) {
        return SnapshotMapper.str(m.get(k), "");
    }

    private static Optional<Instant> instant(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null || v.toString().isBlank() ? Optional.empty() : Optional.of(Instant.parse(v.toString()));
    }
}

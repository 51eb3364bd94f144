package dev.milvusupgrade.k8s;

import dev.milvusupgrade.plan.FleetRecord;
import dev.milvusupgrade.plan.FleetRecord.Line;
import dev.milvusupgrade.plan.FleetRecord.State;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a fleet keeps its state: the compact fleet record on the intent ConfigMap (annotation
 * {@value #ANNOTATION_FLEET}, one line per cluster), and each cluster's full record, the checkpoint its
 * rerun resumes from, on the cluster's own Lease {@code milvus-upgrade-<milvus>}, which the fleet
 * holds while it upgrades that cluster. Writes are merge patches of annotations only.
 */
public final class FleetStore {

    public static final String ANNOTATION_FLEET = MilvusApi.ANNOTATION_PREFIX + "fleet";
    /** On a cluster's Lease: which fleet intent ({@code namespace/name}) wrote the record beside it. */
    public static final String ANNOTATION_INTENT = MilvusApi.ANNOTATION_PREFIX + "intent";

    /** A Milvus resource as the fleet's list returned it. */
    public record Listed(GenericKubernetesResource resource) {
        public String namespace() {
            return resource.getMetadata().getNamespace();
        }

        public String name() {
            return resource.getMetadata().getName();
        }

        public Map<String, String> labels() {
            return Optional.ofNullable(resource.getMetadata().getLabels()).orElse(Map.of());
        }

        public String ref() {
            return namespace() + "/" + name();
        }
    }

    private final KubernetesClient client;
    private final RecordCodec codec;

    /**
     * The most clusters one fleet run takes: its record (a line of at most about 160 bytes each) must fit the API
     * server's 256 KiB for all annotations of the intent together, with room for the others (FleetStoreTest).
     */
    public static final int MAX_CLUSTERS = 1000;

    /** Why a selection of {@code selected} clusters is too large for one fleet record, if it is. */
    public static Optional<String> overCap(int selected, String where) {
        return selected <= MAX_CLUSTERS ? Optional.empty()
                : Optional.of("the selector matches " + selected + " Milvus resources in " + where
                + ", more than the " + MAX_CLUSTERS
                + " one fleet run can record; nothing was changed; fix: split the fleet into intents with"
                + " narrower selectors or namespaces");
    }

    public FleetStore(KubernetesClient client) {
        this.client = client;
        this.codec = new RecordCodec(client.getKubernetesSerialization());
    }

    /** Every Milvus resource in {@code namespaces}, or in all namespaces when the list is empty (one list request each). */
    public List<Listed> milvuses(List<String> namespaces) {
        List<GenericKubernetesResource> items = new ArrayList<>();
        if (namespaces.isEmpty()) {
            items.addAll(client.genericKubernetesResources(MilvusApi.MILVUS).inAnyNamespace().list().getItems());
        } else {
            for (String ns : namespaces) {
                items.addAll(client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).list().getItems());
            }
        }
        return items.stream().map(Listed::new).toList();
    }

    /** The fleet record an earlier run left on the intent, if any. */
    public Optional<FleetRecord> previous(String namespace, String intent) {
        ConfigMap cm = client.configMaps().inNamespace(namespace).withName(intent).get();
        return cm == null ? Optional.empty()
                : decode(Optional.ofNullable(cm.getMetadata().getAnnotations()).orElse(Map.of()).get(ANNOTATION_FLEET));
    }

    public void record(String namespace, String intent, FleetRecord r) {
        patchAnnotations(client.configMaps().inNamespace(namespace).withName(intent)::patch,
                Map.of(MilvusApi.ANNOTATION_PHASE, r.phase().name(), ANNOTATION_FLEET, encode(r)));
    }

    /** The record of {@code milvus} that this fleet intent left on the cluster's Lease. */
    public Optional<RunRecord> clusterRecord(String milvusNs, String milvus, String intentRef) {
        return clusterRead(milvusNs, milvus, intentRef).record();
    }

    /** The same, telling a record that cannot be read from none. */
    public RecordCodec.Read clusterRead(String milvusNs, String milvus, String intentRef) {
        Lease lease = client.leases().inNamespace(milvusNs).withName(RunLock.leaseName(milvus)).get();
        Map<String, String> a = lease == null ? Map.of() : Optional.ofNullable(lease.getMetadata().getAnnotations()).orElse(Map.of());
        return intentRef.equals(a.get(ANNOTATION_INTENT)) ? codec.read(a.get(MilvusApi.ANNOTATION_RESULT)) : new RecordCodec.Read.None();
    }

    /** Writes the cluster's record on its Lease, which the caller holds. */
    public void saveClusterRecord(String milvusNs, String milvus, String intentRef, RunRecord r) {
        patchAnnotations(client.leases().inNamespace(milvusNs).withName(RunLock.leaseName(milvus))::patch,
                Map.of(ANNOTATION_INTENT, intentRef, MilvusApi.ANNOTATION_PHASE, r.phase().name(), MilvusApi.ANNOTATION_RESULT,
                    codec.encode(r)));
    }

    private void patchAnnotations(java.util.function.BiFunction<PatchContext, String, ?> patch, Map<String, String> annotations) {
        String body = client.getKubernetesSerialization().asJson(Map.of("metadata", Map.of("annotations", annotations)));
        patch.apply(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).withFieldManager(ClusterGateway.FIELD_MANAGER).build(),
                body);
    }

    /** The fleet record as JSON, each cluster one line of text: {@code ns/name State from to finishedAt [canary]}. */
    public String encode(FleetRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("phase", r.phase().name());
        m.put("selector", r.selector());
        m.put("targetVersion", r.targetVersion());
        m.put("message", r.message());
        m.put("startedAt", r.startedAt().toString());
        m.put("finishedAt", r.finishedAt().map(Instant::toString).orElse(null));
        m.put("runId", r.runId());
        Map<String, Integer> totals = new LinkedHashMap<>();
        r.totals().forEach((s, n) -> totals.put(s.name(), n));
        m.put("totals", totals);
        m.put("clusters", r.clusters().stream().map(l -> l.milvus() + " " + l.state() + " " + dash(l.from()) + " " + dash(l.to()) + " "
                + l.finishedAt().map(Instant::toString).orElse("-") + (l.canary() ? " canary" : "")).toList());
        return client.getKubernetesSerialization().asJson(m);
    }

    public Optional<FleetRecord> decode(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            Map<String, Object> m = SnapshotMapper.map(client.getKubernetesSerialization().unmarshal(text, Map.class));
            List<Line> lines = new ArrayList<>();
            if (m.get("clusters") instanceof List<?> list) {
                for (Object o : list) {
                    String[] f = o.toString().split(" ");
                    lines.add(new Line(f[0], State.valueOf(f[1]), f.length > 5 && "canary".equals(f[5]), undash(f[2]), undash(f[3]),
                            "-".equals(f[4]) ? Optional.empty() : Optional.of(Instant.parse(f[4]))));
                }
            }
            Object finished = m.get("finishedAt");
            return Optional.of(new FleetRecord(Phase.valueOf(SnapshotMapper.str(m.get("phase"), "")),
                    SnapshotMapper.str(m.get("selector"), ""),
                    SnapshotMapper.str(m.get("targetVersion"), ""), lines, SnapshotMapper.str(m.get("message"), ""),
                    Instant.parse(SnapshotMapper.str(m.get("startedAt"), "")),
                    finished == null ? Optional.empty() : Optional.of(Instant.parse(finished.toString())),
                        SnapshotMapper.str(m.get("runId"), "")));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String dash(String s) {
        return s.isEmpty() ? "-" : s;
    }

    private static String undash(String s) {
        return "-".equals(s) ? "" : s;
    }
}

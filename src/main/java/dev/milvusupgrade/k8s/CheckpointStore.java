package dev.milvusupgrade.k8s;

import dev.milvusupgrade.plan.RunRecord;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The durable checkpoint of a single-cluster upgrade: its whole record (stages, backup, the data-check
 * baseline's totals as {@code DataCheckRecord}, and where {@link BaselineStore} keeps the full per-collection
 * baseline) as annotations on the tool's own Lease {@code milvus-upgrade-<milvus>} in the Milvus namespace, as a
 * fleet member's record already is ({@link FleetStore}). No GitOps sync recreates that Lease
 * (the Argo CD hook overlay recreates the intent ConfigMap on every sync, and its annotations with it), and it is not
 * the Milvus resource, which a refusing run leaves byte-for-byte unchanged. The intent's result annotation is a copy.
 *
 * <p>The record is kept with the intent it belongs to ({@link FleetStore#ANNOTATION_INTENT}, {@code namespace/name}):
 * another intent on the same Milvus does not resume it. Writes are merge patches of annotations only, so they never
 * race the holder's renewals (which are guarded by resourceVersion). The Lease's annotations may hold 256 KiB in all; a
 * record is bounded far below that ({@code DataCheckRecord} keeps totals and at most 20 differences), and one that
 * would not fit is refused here rather than half written.
 */
public final class CheckpointStore {

    /** Left of the Lease's 256 KiB of annotations for anything else on it: {@link BaselineStore#LEASE_BUDGET} for a small baseline. */
    static final int MAX_RECORD_BYTES = 200 * 1024;

    private final KubernetesClient client;
    private final RecordCodec codec;

    public CheckpointStore(KubernetesClient client) {
        this.client = client;
        this.codec = new RecordCodec(client.getKubernetesSerialization());
    }

    /**
     * The checkpoint of {@code intentRef}'s upgrade of Milvus {@code milvusNs/milvus}: none when there is no Lease, the
     * Lease holds no record or one of another intent, or this tool may not read Leases there (the run is refused
     * later, when it takes the Lease).
     */
    public RecordCodec.Read read(String milvusNs, String milvus, String intentRef) {
        Lease lease;
        try {
            lease = client.leases().inNamespace(milvusNs).withName(RunLock.leaseName(milvus)).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403 || e.getCode() == 404) {
                return new RecordCodec.Read.None();
            }
            throw e;
        }
        Map<String, String> a = lease == null ? Map.of() : Optional.ofNullable(lease.getMetadata().getAnnotations()).orElse(Map.of());
        if (!intentRef.equals(a.get(FleetStore.ANNOTATION_INTENT))) {
            return new RecordCodec.Read.None();
        }
        return codec.read(a.get(MilvusApi.ANNOTATION_RESULT));
    }

    /** Writes the record on the Lease, which the caller holds. */
    public void save(String milvusNs, String milvus, String intentRef, RunRecord r) {
        String encoded = codec.encode(r);
        int bytes = encoded.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_RECORD_BYTES) {
            throw new IllegalStateException("the record of the upgrade of " + milvusNs + "/" + milvus + " is " + bytes
                    + " bytes, more than the "
                    + MAX_RECORD_BYTES + " the Lease " + RunLock.leaseName(milvus) + " can keep; this is a bug, please report it");
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(FleetStore.ANNOTATION_INTENT, intentRef);
        annotations.put(MilvusApi.ANNOTATION_PHASE, r.phase().name());
        annotations.put(MilvusApi.ANNOTATION_RESULT, encoded);
        String body = client.getKubernetesSerialization().asJson(Map.of("metadata", Map.of("annotations", annotations)));
        client.leases().inNamespace(milvusNs).withName(RunLock.leaseName(milvus))
                .patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE)
                        .withFieldManager(ClusterGateway.FIELD_MANAGER).build(), body);
    }
}

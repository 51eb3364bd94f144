package dev.milvusupgrade.k8s;

import dev.milvusupgrade.plan.RunRecord;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The intent ConfigMap: its data in, the result annotations out. */
public final class IntentStore {

    private final KubernetesClient client;
    private final RecordCodec codec;

    public IntentStore(KubernetesClient client) {
        this.client = client;
        this.codec = new RecordCodec(client.getKubernetesSerialization());
    }

    /** The intent as read: its data and the result recorded by an earlier run (a copy of the Lease's, see {@link CheckpointStore}). */
    public record IntentRead(Map<String, String> data, RecordCodec.Read recorded) {
        public Optional<RunRecord> previous() {
            return recorded.record();
        }
    }

    public Optional<IntentRead> read(String namespace, String name) {
        ConfigMap cm = client.configMaps().inNamespace(namespace).withName(name).get();
        if (cm == null) {
            return Optional.empty();
        }
        Map<String, String> annotations = Optional.ofNullable(cm.getMetadata().getAnnotations()).orElse(Map.of());
        return Optional.of(new IntentRead(Optional.ofNullable(cm.getData()).orElse(Map.of()),
                codec.read(annotations.get(MilvusApi.ANNOTATION_RESULT))));
    }

    /** Writes the phase and result annotations with one merge patch; nothing else of the ConfigMap changes. */
    public void record(String namespace, String name, RunRecord r) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(MilvusApi.ANNOTATION_PHASE, r.phase().name());
        annotations.put(MilvusApi.ANNOTATION_RESULT, codec.encode(r));
        String patch = client.getKubernetesSerialization().asJson(Map.of("metadata", Map.of("annotations", annotations)));
        client.configMaps().inNamespace(namespace).withName(name)
                .patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE)
                        .withFieldManager(ClusterGateway.FIELD_MANAGER).build(), patch);
    }

    public RecordCodec codec() {
        return codec;
    }
}

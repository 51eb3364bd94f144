package dev.milvusupgrade.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where the data check's full baseline ({@link BaselineCodec}) survives the run that took it (issue 21): on the tool's
 * Lease {@code milvus-upgrade-<milvus>} as the annotation {@value #ANNOTATION} (base64) when it fits
 * {@link #LEASE_BUDGET}, otherwise in the ConfigMap {@code milvus-upgrade-baseline-<milvus>} in the Milvus namespace
 * ({@code binaryData}), which the tool creates, labels and owns; no manifest renders it, so no GitOps sync recreates
 * it. The run record says where it is and its digest ({@code DataCheckRecord.kept}); a baseline that is not there,
 * does not parse or has another digest is {@link Read.Lost}.
 */
public final class BaselineStore {

    /** The Lease annotation that holds a small baseline. */
    public static final String ANNOTATION = MilvusApi.ANNOTATION_PREFIX + "baseline";
    /** The ConfigMap's key. */
    public static final String KEY = "baseline.v" + BaselineCodec.VERSION + ".gz";
    /** Base64 characters the Lease may take: with the record's 200 KiB it stays under the 256 KiB of all annotations. */
    public static final int LEASE_BUDGET = 32 * 1024;
    /**
     * Bytes a ConfigMap's binaryData may take: the API server refuses data plus binaryData above 1 MiB (1048576, keys
     * counted, binaryData as raw bytes: ValidateConfigMap); this leaves room for the key, and base64 in the request
     * (1.39 MB) stays under etcd's 1.5 MiB.
     */
    public static final int CONFIGMAP_BUDGET = 1_040_000;
    /** The label of every object the tool creates. */
    public static final String LABEL = "app.kubernetes.io/managed-by";

    /** A kept baseline as read. */
    public sealed interface Read {
        record Ok(BaselineCodec.Baseline baseline) implements Read {
        }

        /** Not there, not readable, or not the one the record names: {@code why} says which. */
        record Lost(String why) implements Read {
        }
    }

    private final KubernetesClient client;
    private final int leaseBudget;

    public BaselineStore(KubernetesClient client) {
        this(client, LEASE_BUDGET);
    }

    /** With {@code leaseBudget} base64 characters on the Lease at most (at most {@link #LEASE_BUDGET}; 0: always the ConfigMap). */
    public BaselineStore(KubernetesClient client, int leaseBudget) {
        this.client = client;
        this.leaseBudget = Math.min(leaseBudget, LEASE_BUDGET);
    }

    public static String configMapName(String milvus) {
        return "milvus-upgrade-baseline-" + milvus;
    }

    /** Why {@code bytes} cannot be kept at all, if so: more than a ConfigMap holds. */
    public static Optional<String> tooLarge(int bytes) {
        return bytes > CONFIGMAP_BUDGET ? Optional.of("the data check's baseline takes " + bytes + " bytes compressed, more than the "
                + CONFIGMAP_BUDGET + " one ConfigMap can keep") : Optional.empty();
    }

    /**
     * Keeps {@code data} for Milvus {@code ns/milvus}'s upgrade (the caller holds the Lease) and returns where, with its
     * digest, for the record. Whatever an earlier upgrade kept in the other place is removed.
     */
    public String save(String ns, String milvus, String intentRef, byte[] data) {
        String digest = " sha256:" + BaselineCodec.digest(data);
        String encoded = Base64.getEncoder().encodeToString(data);
        if (encoded.length() <= leaseBudget) {
            annotateLease(ns, milvus, encoded);
            deleteConfigMap(ns, milvus);
            return "Lease " + RunLock.leaseName(milvus) + digest;
        }
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(configMapName(milvus)).withNamespace(ns)
                .addToLabels("app.kubernetes.io/name", "milvus-upgrade").addToLabels(LABEL, "milvus-upgrade")
                .addToAnnotations(FleetStore.ANNOTATION_INTENT, intentRef).endMetadata()
                .withBinaryData(Map.of(KEY, encoded)).build();
        var resource = client.configMaps().inNamespace(ns).withName(configMapName(milvus));
        if (resource.get() == null) {
            client.configMaps().inNamespace(ns).resource(cm).create();
        } else {
            Map<String, Object> meta = Map.of("labels", cm.getMetadata().getLabels(), "annotations", cm.getMetadata().getAnnotations());
            String body = client.getKubernetesSerialization().asJson(Map.of("metadata", meta, "binaryData", Map.of(KEY, encoded)));
            resource.patch(merge(), body);
        }
        annotateLease(ns, milvus, null);
        return "ConfigMap " + configMapName(milvus) + digest;
    }

    /** The baseline the record names ({@code kept}, as {@link #save} returned it). */
    public Read load(String ns, String milvus, String kept) {
        String[] parts = kept.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("sha256:")) {
            return new Read.Lost("the record names it as '" + kept + "', which this version does not know");
        }
        String where = parts[0] + " " + ns + "/" + parts[1];
        String encoded;
        try {
            if ("Lease".equals(parts[0])) {
                Lease lease = client.leases().inNamespace(ns).withName(RunLock.leaseName(milvus)).get();
                encoded = lease == null ? null : Optional.ofNullable(lease.getMetadata().getAnnotations()).orElse(Map.of()).get(ANNOTATION);
            } else if ("ConfigMap".equals(parts[0]) && parts[1].equals(configMapName(milvus))) {
                ConfigMap cm = client.configMaps().inNamespace(ns).withName(configMapName(milvus)).get();
                encoded = cm == null ? null : Optional.ofNullable(cm.getBinaryData()).orElse(Map.of()).get(KEY);
            } else {
                return new Read.Lost("the record names it as '" + kept + "', which this version does not know");
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                return new Read.Lost(where + " may not be read by this tool (403 Forbidden)");
            }
            throw e;
        }
        if (encoded == null) {
            return new Read.Lost(where + " holds no baseline");
        }
        byte[] data;
        try {
            data = Base64.getMimeDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            return new Read.Lost("the baseline on " + where + " is not base64");
        }
        if (!parts[2].equals("sha256:" + BaselineCodec.digest(data))) {
            return new Read.Lost("the baseline on " + where + " is not the one the record names (" + parts[2] + ")");
        }
        try {
            return new Read.Ok(BaselineCodec.decode(data));
        } catch (IOException e) {
            return new Read.Lost("the baseline on " + where + " cannot be read (" + e.getMessage() + ")");
        }
    }

    /** Removes the kept baseline (the upgrade succeeded); why it could not, if so. */
    public Optional<String> delete(String ns, String milvus) {
        try {
            annotateLease(ns, milvus, null);
            deleteConfigMap(ns, milvus);
            return Optional.empty();
        } catch (KubernetesClientException e) {
            return Optional.of(e.getCode() + " " + Optional.ofNullable(e.getStatus()).map(s -> s.getMessage()).orElse(e.getMessage()));
        }
    }

    private void deleteConfigMap(String ns, String milvus) {
        try {
            client.configMaps().inNamespace(ns).withName(configMapName(milvus)).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404 && e.getCode() != 403) {
                throw e; // 403: a fleet member's namespace without ConfigMap rights has none to remove
            }
        }
    }

    private void annotateLease(String ns, String milvus, String value) {
        Map<String, String> a = new HashMap<>();
        a.put(ANNOTATION, value); // null removes it (JSON merge patch)
        String body = client.getKubernetesSerialization().asJson(Map.of("metadata", Map.of("annotations", a)));
        client.leases().inNamespace(ns).withName(RunLock.leaseName(milvus)).patch(merge(), body);
    }

    private static PatchContext merge() {
        return new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).withFieldManager(ClusterGateway.FIELD_MANAGER).build();
    }
}

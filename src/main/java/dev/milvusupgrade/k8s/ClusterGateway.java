package dev.milvusupgrade.k8s;

import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.plan.Catalogue;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.CredentialRule;
import dev.milvusupgrade.plan.ClusterSnapshot;
import dev.milvusupgrade.plan.ClusterSnapshot.OperatorVersion;
import dev.milvusupgrade.plan.Component;
import dev.milvusupgrade.plan.ImageRef;
import dev.milvusupgrade.plan.MilvusRef;
import dev.milvusupgrade.plan.PatchFields;
import dev.milvusupgrade.plan.Stage;
import dev.milvusupgrade.plan.Version;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads a Milvus instance into a {@link ClusterSnapshot} and applies stage patches. The only
 * writes to the Milvus resource this tool makes go through {@link #applyStage}.
 */
public final class ClusterGateway {

    public static final String FIELD_MANAGER = "milvus-upgrade";

    private final KubernetesClient client;
    /** Whether a Milvus patch left this gateway: after that, no failure is "nothing changed". */
    private final AtomicBoolean changed = new AtomicBoolean();

    public ClusterGateway(KubernetesClient client) {
        this.client = client;
    }

    /** What looking for a Milvus resource found. */
    public sealed interface Found {
        record Present(ClusterSnapshot snapshot) implements Found {
        }

        record Missing() implements Found {
        }

        /** This tool may not read it (403). */
        record Forbidden() implements Found {
        }
    }

    /** A fresh read of {@code ref}, with a 403 as an answer rather than an exception. */
    public Found find(MilvusRef ref) {
        try {
            return read(ref).<Found>map(Found.Present::new).orElse(new Found.Missing());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403) {
                throw e;
            }
            return new Found.Forbidden();
        }
    }

    public Optional<ClusterSnapshot> read(MilvusRef ref) {
        return read(ref.namespace(), ref.name());
    }

    /** The release catalogue the intent names, on top of the bundled one; refused if it cannot be read or parsed. */
    public Checked<Catalogue> catalogue(String namespace, Optional<String> name) {
        return CatalogueStore.load(client, namespace, name);
    }

    /** Where the data check's full baseline is kept, the Lease holding up to {@code leaseBudget} bytes of it. */
    public BaselineStore baselines(int leaseBudget) {
        return new BaselineStore(client, leaseBudget);
    }

    /** The data plane's endpoint with the credentials of {@code secretName}; refused if the Secret cannot be used. */
    public Checked<MilvusEndpoint> endpoint(URI uri, String namespace, String milvus, Optional<String> secretName,
            CredentialRule rule) {
        return MilvusAccess.endpoint(client, uri, namespace, milvus, secretName, rule);
    }

    /** How a guarded stage patch went. */
    public enum Applied {
        APPLIED,
        /** The resource changed since the basis was read (409): nothing was written. */
        CONFLICT
    }

    /** {@link #applyStage}, with a resourceVersion conflict as an answer rather than an exception. */
    public Applied tryApplyStage(ClusterSnapshot basis, Stage stage) {
        try {
            applyStage(basis, stage);
            return Applied.APPLIED;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            return Applied.CONFLICT;
        }
    }

    /** A fresh read: the Milvus resource, its Deployments and the operator version. */
    public Optional<ClusterSnapshot> read(String namespace, String name) {
        GenericKubernetesResource milvus = client.genericKubernetesResources(MilvusApi.MILVUS)
                .inNamespace(namespace).withName(name).get();
        if (milvus == null) {
            return Optional.empty();
        }
        return Optional.of(SnapshotMapper.toSnapshot(milvus, deployments(namespace, name), operatorVersion()));
    }

    /**
     * A snapshot of a Milvus resource already read (a list's item), with its Deployments read now and an
     * operator version read once for many: what a fleet plans its order and canaries from.
     */
    public ClusterSnapshot snapshot(GenericKubernetesResource milvus, OperatorVersion operator) {
        return SnapshotMapper.toSnapshot(milvus, deployments(milvus.getMetadata().getNamespace(), milvus.getMetadata().getName()),
                operator);
    }

    public List<Deployment> deployments(String namespace, String name) {
        return client.apps().deployments().inNamespace(namespace).withLabel(MilvusApi.LABEL_INSTANCE, name).list().getItems();
    }

    /**
     * The operator version from its Deployment: the manager container's image tag, else the label
     * app.kubernetes.io/version (the rule is {@link OperatorVersion#of}). Where that read is
     * forbidden or finds nothing, the reason instead.
     */
    public OperatorVersion operatorVersion() {
        Deployment d;
        try {
            d = client.apps().deployments().inNamespace(MilvusApi.OPERATOR_NAMESPACE).withName(MilvusApi.OPERATOR_DEPLOYMENT).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403 || e.getCode() == 401) {
                return new OperatorVersion.Unknown("reading Deployment " + MilvusApi.OPERATOR_NAMESPACE + "/"
                        + MilvusApi.OPERATOR_DEPLOYMENT + " is forbidden");
            }
            throw e;
        }
        if (d == null) {
            return new OperatorVersion.Unknown("no Deployment " + MilvusApi.OPERATOR_NAMESPACE + "/" + MilvusApi.OPERATOR_DEPLOYMENT);
        }
        Optional<Version> fromLabel = Optional.ofNullable(d.getMetadata().getLabels()).map(l -> l.get(MilvusApi.LABEL_VERSION))
                .flatMap(Version::parse);
        List<Container> containers = d.getSpec().getTemplate().getSpec().getContainers();
        Optional<Version> fromImage = containers.stream().filter(c -> "manager".equals(c.getName())).findFirst()
                .or(() -> containers.stream().findFirst())
                .map(Container::getImage).flatMap(ImageRef::parse).flatMap(ImageRef::tagVersion);
        return OperatorVersion.of(fromLabel, fromImage);
    }

    /** The pod annotation whose new value makes the operator roll one component (FACTS §8.11). */
    public static final String RESTART_ANNOTATION = PatchFields.RESTART_ANNOTATION;

    /**
     * Restarts one component through the Milvus resource: a new value of its
     * {@code spec.components.<c>.podAnnotations} makes the operator roll that component alone
     * (FACTS §8.11), with the {@code milvuses} patch permission the tool has and no pod access.
     */
    public GenericKubernetesResource restart(String namespace, String name, Component component, String value) {
        String json = client.getKubernetesSerialization().asJson(Map.of("spec", Map.of("components", Map.of(component.specKey(),
                Map.of("podAnnotations", Map.of(RESTART_ANNOTATION, value))))));
        onlyOurFields(json);
        return client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(namespace).withName(name)
                .patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).withFieldManager(FIELD_MANAGER).build(), json);
    }

    /** RBAC cannot narrow a patch by field: a patch with a field outside {@link PatchFields#ALLOWED} is never sent. */
    private void onlyOurFields(String json) {
        List<String> outside = PatchFields.outside(client.getKubernetesSerialization().unmarshal(json, Map.class));
        if (!outside.isEmpty()) {
            throw new IllegalStateException("refusing to send a Milvus patch with fields this tool never writes: " + outside);
        }
        // From here on the request may reach the API server: whatever fails later, the cluster may have changed.
        changed.set(true);
    }

    /** Whether a patch of a Milvus resource was sent through this gateway (it may have been applied). */
    public boolean changed() {
        return changed.get();
    }

    /**
     * Applies the stage's merge patch, guarded by the resourceVersion the plan was made from: if
     * anything changed the resource since, the server answers 409 and nothing is written.
     */
    public GenericKubernetesResource applyStage(ClusterSnapshot basis, Stage stage) {
        Map<String, Object> patch = client.getKubernetesSerialization().unmarshal(stage.patch(), Map.class);
        patch.put("metadata", Map.of("resourceVersion", basis.resourceVersion()));
        String json = client.getKubernetesSerialization().asJson(patch);
        onlyOurFields(json);
        return client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(basis.namespace()).withName(basis.name())
                .patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).withFieldManager(FIELD_MANAGER).build(), json);
    }
}

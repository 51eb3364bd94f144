package dev.milvusupgrade.sim;

import static dev.milvusupgrade.sim.SimulatedDeploymentController.ROLLOUT;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.imageOf;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.rolloutComplete;
import static dev.milvusupgrade.sim.Unstructured.map;
import static dev.milvusupgrade.sim.Unstructured.str;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Milvus status the operator writes: status, observedGeneration, the dependency conditions, MilvusReady,
 * MilvusUpdated, componentsDeployStatus, currentImage (pkg/controllers/status_cluster.go, conditions.go; FACTS §3, §8.5).
 */
final class OperatorStatus {

    private final KubernetesClient client;
    private final SimulatorOptions options;
    private final KubernetesSerialization json;
    /** FACTS §8.5: the dependency conditions the operator currently finds not ready, by condition type (the operator's map). */
    private final Map<String, SimulatorOptions.Dependency> dependenciesDown;
    private final AtomicReference<Instant> lastStatusWrite = new AtomicReference<>();
    private final AtomicLong statusWrites = new AtomicLong();

    OperatorStatus(KubernetesClient client, SimulatorOptions options, Map<String, SimulatorOptions.Dependency> dependenciesDown) {
        this.client = client;
        this.options = options;
        this.json = client.getKubernetesSerialization();
        this.dependenciesDown = dependenciesDown;
    }

    Optional<Instant> lastWriteAt() {
        return Optional.ofNullable(lastStatusWrite.get());
    }

    long writes() {
        return statusWrites.get();
    }

    /** ComponentDeployStatus.GetState (milvus_types.go ~324) on the status as reported. */
    static String state(long generation, DeploymentStatus ds) {
        if (ds == null || Optional.ofNullable(ds.getObservedGeneration()).orElse(0L) < generation) {
            return "Progressing";
        }
        DeploymentCondition c = ds.getConditions().stream().filter(x -> "Progressing".equals(x.getType())).findFirst().orElse(null);
        if (c == null) {
            return "Progressing";
        }
        if ("DeploymentPaused".equals(c.getReason())) {
            return "Paused";
        }
        if (!"True".equals(c.getStatus())) {
            return "Failed";
        }
        return "NewReplicaSetAvailable".equals(c.getReason()) ? "Complete" : "Progressing";
    }

    /** Writes the status this pass computes; returns whether it changed (a write triggers another pass). */
    boolean writeStatus(ReconcilePass p, Map<String, Object> old, Map<String, Deployment> deps) {
        Map<String, Object> components = p.components();
        String image = p.image();
        Map<String, Object> deployStatus = new LinkedHashMap<>();
        if (SimVersion.parse(options.operatorVersion()).map(v -> v.isBefore(SimVersion.of(1, 3, 8))).orElse(false)) {
            deployStatus.putAll(map(old.get("componentsDeployStatus"))); // before 1.3.8 stale keys are never pruned (FACTS §1)
        }
        boolean rollingUpdateEnabled = !Boolean.FALSE.equals(components.get("enableRollingUpdate"));
        List<String> notReady = new ArrayList<>();
        List<String> updating = new ArrayList<>();
        boolean updatingImage = false;
        for (String comp : p.expected()) {
            Deployment d = deps.get(comp);
            if (d == null) {
                // componentDeployStatus of no Deployment (status_cluster.go ~505-532): no entry, state Progressing, image "".
                notReady.add(comp);
                updating.add(comp);
                updatingImage |= rollingUpdateEnabled;
                continue;
            }
            DeploymentStatus ds = d.getStatus();
            boolean rolling = p.rolling(comp);
            if (rolling) {
                // makeWorkloadDeploymentMap (conditions.go ~380): a two-Deployment component that is rolling reports
                // Progressing False/Rolling.
                ds = new DeploymentStatusBuilder(ds).withConditions(ds.getConditions().stream().map(c -> "Progressing".equals(c.getType())
                        ? new DeploymentConditionBuilder(c).withStatus("False").withReason("Rolling").build() : c).toList()).build();
            }
            deployStatus.put(comp, json.unmarshal(json.asJson(Map.of("generation", d.getMetadata().getGeneration(), "image", imageOf(d),
                    "status", ds)), Map.class));
            boolean available = ds.getConditions().stream().anyMatch(c -> "Available".equals(c.getType()) && "True".equals(c.getStatus()));
            if (!available) {
                notReady.add(comp);
            }
            // GetMilvusUpdatedCondition (status_cluster.go ~632-653): Complete and Paused count as updated, rolling does not;
            // the image is compared with the global one only with rolling update on.
            String state = state(d.getMetadata().getGeneration(), ds);
            if (!"Complete".equals(state) && !"Paused".equals(state) || rolling) {
                updating.add(comp);
            }
            updatingImage |= rollingUpdateEnabled && !image.equals(imageOf(d));
        }
        Deployment proxy = deps.get("proxy");
        boolean ready = notReady.isEmpty() && proxy != null && Optional.ofNullable(proxy.getStatus().getReadyReplicas()).orElse(0) > 0;
        // syncUpdatedCondition: any Terminating pod of the instance keeps MilvusUpdated False (FACTS §3).
        boolean terminating = p.expected().stream().map(deps::get).anyMatch(d -> d != null
                && options.stuckTerminating().contains(d.getMetadata().getLabels().get(OperatorFacts.LABEL_COMPONENT))
                && "update".equals(d.getMetadata().getAnnotations().get(ROLLOUT)) && rolloutComplete(d, p.now()));
        String mode = str(components.getOrDefault("imageUpdateMode", "rollingUpgrade"));
        String pending = "[" + String.join(",", updating) + "]";
        Map<String, Object> updatedCondition = terminating
                ? condition(old, "MilvusUpdated", false, "MilvusComponentsUpdating", "Milvus has terminating pods")
                : updatingImage && "rollingUpgrade".equals(mode)
                ? condition(old, "MilvusUpdated", false, "MilvusUpgradingImage",
                        "Milvus is performing rolling upgrade pending components" + pending)
                : updatingImage && "rollingDowngrade".equals(mode)
                ? condition(old, "MilvusUpdated", false, "MilvusDowngradingImage",
                        "{Milvus is performing rolling downgrade, pending components" + pending + "}")
                : !updating.isEmpty()
                ? condition(old, "MilvusUpdated", false, "MilvusComponentsUpdating", "Milvus components" + pending + " are updating")
                : condition(old, "MilvusUpdated", true, "MilvusComponentsUpdated", "Milvus components are all updated");
        boolean updated = "True".equals(updatedCondition.get("status"));
        String previous = str(old.get("status"));
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("status", ready ? "Healthy" : "Healthy".equals(previous) || "Unhealthy".equals(previous) ? "Unhealthy" : "Pending");
        status.put("observedGeneration", p.cr().getMetadata().getGeneration());
        List<Map<String, Object>> conditions = new ArrayList<>(dependencyConditions(old));
        conditions.add(condition(old, "MilvusReady", ready, ready ? "ReasonMilvusHealthy" : "MilvusComponentNotHealthy",
                ready ? "All Milvus components are healthy" : notReady + " not ready, detail: component not available"));
        conditions.add(updatedCondition);
        status.put("conditions", conditions);
        status.put("componentsDeployStatus", deployStatus);
        status.put("endpoint", p.name() + "-milvus." + p.ns() + ":19530");
        // milvus.go SetDefaultStatus copies spec.rollingMode on the first reconcile; rolling_mode_status_updater.go moves it later.
        status.put("rollingModeVersion", old.getOrDefault("rollingModeVersion", components.getOrDefault("rollingMode", 2)));
        if (!p.legacy()) {
            // FACTS §8.8: an operator before 1.3.0 has no currentImage or currentVersion.
            status.put("currentImage", ready && updated ? image : str(old.get("currentImage")));
            status.put("currentVersion", ready && updated ? str(components.get("version")) : str(old.get("currentVersion")));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> normalised = json.unmarshal(json.asJson(status), Map.class);
        if (normalised.equals(old)) {
            return false;
        }
        p.cr().setAdditionalProperty("status", normalised);
        client.genericKubernetesResources(OperatorFacts.MILVUS).inNamespace(p.ns()).resource(p.cr()).updateStatus();
        lastStatusWrite.set(Instant.now());
        statusWrites.incrementAndGet();
        return true;
    }

    /**
     * FACTS §3 and §8.5: EtcdReady, StorageReady and MsgStreamReady as the status syncer writes them: ready with the
     * operator's reasons and messages (conditions.go GetEtcdCondition, GetMinioCondition; pkg/external/pulsar.go
     * MQReadyCondition), or False as {@link SimulatedMilvusOperator#setDependencyDown} says.
     */
    List<Map<String, Object>> dependencyConditions(Map<String, Object> old) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String type : SimulatorOptions.DEPENDENCY_CONDITIONS) {
            SimulatorOptions.Dependency down = dependenciesDown.get(type);
            out.add(down != null ? condition(old, type, false, down.reason(), down.message())
                    : condition(old, type, true, type, "EtcdReady".equals(type) ? "Etcd endpoints is healthy" : ""));
        }
        return out;
    }

    /** IsDependencyReady (utils.go ~285): all three dependency conditions True in the status as stored. */
    static boolean isDependencyReady(Map<String, Object> status) {
        if (!(status.get("conditions") instanceof List<?> list)) {
            return false; // not probed yet: a new instance waits for the first status write, as it waits for the operator's syncer
        }
        return SimulatorOptions.DEPENDENCY_CONDITIONS.stream().allMatch(type -> list.stream().map(Unstructured::map)
                .anyMatch(c -> type.equals(c.get("type")) && "True".equals(c.get("status"))));
    }

    static Map<String, Object> condition(Map<String, Object> old, String type, boolean ok, String reason, String message) {
        String st = ok ? "True" : "False";
        String since = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        if (old.get("conditions") instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> c = map(o);
                if (type.equals(c.get("type")) && st.equals(c.get("status"))) {
                    since = str(c.get("lastTransitionTime"));
                }
            }
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("type", type);
        c.put("status", st);
        c.put("lastTransitionTime", since);
        c.put("reason", reason);
        c.put("message", message);
        return c;
    }
}

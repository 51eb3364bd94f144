package dev.milvusupgrade.sim;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.Version;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A simulated Milvus Operator (v1.3.x) for the mock API server: it reacts to changes of Milvus
 * resources the way the real controller does, as described in shared/reference FACTS.md, with
 * time compressed. It is the test double of every run test and the engine of {@code demo}.
 *
 * <p>What it reproduces: defaults written back into the spec (each such write bumps
 * metadata.generation: the mock API server, with the Milvus CRD's status subresource registered,
 * bumps generation on spec changes only, keeps status apart and answers stale resourceVersions
 * with 409, as a real one does); the component set per version and layout (§4); Deployments named
 * {@code <release>-milvus-<component>} with the operator's labels (§5); rolling the image along the
 * dependency graphs, a component only after its predecessor is updated and Complete, new
 * Deployments directly on the new image (§4); deleting the separate coordinators once mixcoord is
 * updated, and the indexnode once the proxy is updated on 2.6, both only when their spec is still
 * there (§4 steps 1.5 and 2.5); status with observedGeneration, MilvusReady and MilvusUpdated with
 * the real reasons, componentsDeployStatus, and currentImage only when Ready and Updated (§3).
 *
 * <p>The query node runs as two Deployments ({@code -querynode-0}, {@code -querynode-1}, rollingMode
 * 2): a rollout moves the replicas to the idle group on the new image, marks the CR rolling
 * (label and current-group annotation) and reports Progressing False/Rolling until the new group
 * is up, then scales the old group to zero.
 *
 * <p>Simplifications: no pods (pods stuck terminating are an option, not a state); a group switch
 * in one step rather than one replica at a time; rollouts take a fixed time per component instead
 * of depending on probes; the status is written on every pass rather than by a 30 s syncer.
 */
public final class SimulatedMilvusOperator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SimulatedMilvusOperator.class.getName());
    /** When the current rollout of a Deployment completes, epoch millis; {@link #NEVER} when stuck. */
    static final String READY_AT = "sim.milvus-upgrade.dev/ready-at";
    /** Whether the Deployment is being created (not available) or updated (old pods still serve). */
    static final String ROLLOUT = "sim.milvus-upgrade.dev/rollout";
    static final long NEVER = Long.MAX_VALUE;
    /** The status syncer's 30 s for instances that are not Healthy and Updated, compressed. */
    static final long RESYNC_MILLIS = 1_000;
    /** FACTS §4 "QueryNode two-Deployment rollout": the bookkeeping of rollingMode 2. */
    static final String QN_CURRENT_GROUP = "milvus.io/querynode-current-group-id";
    static final String QN_ROLLING = "milvus.io/querynode-rolling-id";
    static final String QN_GROUP_LABEL = "milvus.io/querynode-group-id";

    static final List<String> COORDS = List.of("rootCoord", "dataCoord", "queryCoord", "indexCoord");
    static final List<String> CLUSTER_GRAPH = List.of("indexnode", "rootcoord", "datacoord", "indexcoord", "querycoord", "querynode", "datanode", "proxy");
    static final List<String> MIXCOORD_GRAPH = List.of("indexnode", "mixcoord", "querynode", "datanode", "proxy");
    static final List<String> STREAMING_GRAPH = List.of("mixcoord", "streamingnode", "querynode", "datanode", "proxy");
    static final List<String> UPGRADE26_GRAPH = List.of("streamingnode", "mixcoord", "querynode", "datanode", "proxy");

    private final KubernetesClient client;
    private final SimulatorOptions options;
    private final KubernetesSerialization json;
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final Map<String, ScheduledFuture<?>> timers = new ConcurrentHashMap<>();
    private final AtomicReference<Instant> lastStatusWrite = new AtomicReference<>();
    private final AtomicLong statusWrites = new AtomicLong();
    private ScheduledExecutorService loop;
    private SharedIndexInformer<GenericKubernetesResource> informer;
    private volatile boolean closed;

    public SimulatedMilvusOperator(KubernetesClient client, SimulatorOptions options) {
        this.client = client;
        this.options = options;
        this.json = client.getKubernetesSerialization();
    }

    /** Watches Milvus resources in all namespaces and reconciles them; returns at once. */
    public void start() {
        loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "simulated-milvus-operator");
            t.setDaemon(true);
            return t;
        });
        informer = client.genericKubernetesResources(MilvusApi.MILVUS).inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource obj) {
                enqueue(key(obj));
            }

            @Override
            public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
                enqueue(key(newObj));
            }

            @Override
            public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
                // the real operator cleans up through a finalizer; nothing to simulate for the upgrade
            }
        }, 0);
    }

    public Optional<Instant> lastStatusWriteAt() {
        return Optional.ofNullable(lastStatusWrite.get());
    }

    public long statusWrites() {
        return statusWrites.get();
    }

    @Override
    public void close() {
        closed = true;
        if (informer != null) {
            informer.close();
        }
        if (loop != null) {
            loop.shutdownNow();
            try {
                loop.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String key(GenericKubernetesResource r) {
        return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
    }

    private void enqueue(String key) {
        if (closed || !queued.add(key)) {
            return;
        }
        try {
            loop.execute(() -> {
                queued.remove(key);
                reconcileSafely(key);
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            queued.remove(key);
        }
    }

    private void enqueueAt(String key, long epochMillis) {
        long delay = Math.max(0, epochMillis - System.currentTimeMillis());
        ScheduledFuture<?> previous = timers.get(key);
        // A timer whose delay has run out is the one running this very reconcile (not done until it returns):
        // it does not stand for a later pass, so it must not swallow this one.
        long pending = previous == null || previous.isDone() ? -1 : previous.getDelay(TimeUnit.MILLISECONDS);
        if (pending > 0 && pending <= delay) {
            return;
        }
        if (previous != null) {
            previous.cancel(false);
        }
        if (!closed) {
            try {
                timers.put(key, loop.schedule(() -> reconcileSafely(key), delay, TimeUnit.MILLISECONDS));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    private void reconcileSafely(String key) {
        if (closed) {
            return;
        }
        try {
            String[] k = key.split("/", 2);
            reconcile(k[0], k[1]);
        } catch (KubernetesClientException e) {
            if (closed) {
                return;
            }
            // 409 and transient errors: the real controller requeues; so do we.
            enqueueAt(key, System.currentTimeMillis() + 50);
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.log(Level.WARNING, "simulated operator failed on " + key, e);
                enqueueAt(key, System.currentTimeMillis() + 200);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void reconcile(String ns, String name) {
        GenericKubernetesResource cr = client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).withName(name).get();
        if (cr == null) {
            return;
        }
        Map<String, String> annotations = Optional.ofNullable(cr.getMetadata().getAnnotations()).orElse(Map.of());
        if ("true".equals(annotations.get("milvus.io/pause-reconcile"))) {
            return;
        }
        Map<String, Object> spec = copy(map(cr.getAdditionalProperties().get("spec")));
        if (!"cluster".equals(spec.get("mode"))) {
            return; // this simulator models cluster mode only
        }
        Map<String, Object> status = map(cr.getAdditionalProperties().get("status"));
        // FACTS §1: with webhooks off the controller writes the defaults back, bumping generation.
        if (applyDefaults(spec, defaultImage(options.operatorVersion()))) {
            cr.setAdditionalProperty("spec", spec);
            client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).resource(cr).update();
            return;
        }
        Map<String, Object> components = map(spec.get("components"));
        String image = str(components.get("image"));
        boolean ge26 = isVersionGE26(components);
        String currentImage = str(status.get("currentImage"));
        boolean upgrading26 = ge26 && !currentImage.isEmpty() && !isImageGE26(currentImage);
        List<String> expected = componentsBySpec(components, ge26);
        // FACTS §4 "Rolling order": UseStreamingNode() picks the streaming graph on 2.5 too.
        boolean useStreamingNode = ge26 || Boolean.TRUE.equals(components.get("streamingMode")) || components.get("streamingNode") != null;
        List<String> graph = upgrading26 ? UPGRADE26_GRAPH : useStreamingNode ? STREAMING_GRAPH
                : components.get("mixCoord") != null ? MIXCOORD_GRAPH : CLUSTER_GRAPH;

        // The query node runs as two Deployments (groups 0 and 1); "querynode" below is the current group's.
        String currentGroup = annotations.getOrDefault(QN_CURRENT_GROUP, "0");
        Map<String, String> labels = Optional.ofNullable(cr.getMetadata().getLabels()).orElse(Map.of());
        boolean rollingUpgrade = followsDependencyGraph(components);
        Map<String, Deployment> deployments = new HashMap<>();
        Deployment otherGroup = null;
        for (Deployment d : client.apps().deployments().inNamespace(ns).withLabel(MilvusApi.LABEL_INSTANCE, name).list().getItems()) {
            String comp = d.getMetadata().getLabels().get(MilvusApi.LABEL_COMPONENT);
            String group = d.getMetadata().getLabels().get(QN_GROUP_LABEL);
            if (group != null && !group.equals(currentGroup)) {
                otherGroup = d;
            } else {
                deployments.put(comp, d);
            }
        }
        long now = System.currentTimeMillis();
        if (labels.containsKey(QN_ROLLING) && deployments.get("querynode") != null && now >= readyAt(deployments.get("querynode"))) {
            // The new group is up: the old one is scaled down and the rollout is over.
            if (otherGroup != null) {
                otherGroup.getSpec().setReplicas(0);
                syncDeploymentStatus(client.apps().deployments().inNamespace(ns).resource(otherGroup).update(), now);
            }
            cr.getMetadata().getLabels().remove(QN_ROLLING);
            client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).resource(cr).update();
            return;
        }
        for (String comp : expected) {
            Deployment d = deployments.get(comp);
            int replicas = replicas(components, comp);
            if (d == null) {
                d = create(ns, name, comp, image, replicas, now);
            } else if ("querynode".equals(comp) && otherGroup != null && !image.equals(imageOf(d))
                    && (!rollingUpgrade || predecessorsUpdated(comp, graph, deployments, expected, image, now))) {
                // Roll by switching groups: the idle group gets the new image and the replicas, becomes current,
                // and the CR is labelled as rolling until it is up.
                otherGroup.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
                otherGroup.getSpec().setReplicas(replicas);
                long readyAt = options.stuckComponents().contains(comp) ? NEVER : now + options.delayOf(comp).toMillis();
                otherGroup.getMetadata().getAnnotations().put(READY_AT, Long.toString(readyAt));
                otherGroup.getMetadata().getAnnotations().put(ROLLOUT, "update");
                syncDeploymentStatus(client.apps().deployments().inNamespace(ns).resource(otherGroup).update(), now);
                cr.getMetadata().getAnnotations().put(QN_CURRENT_GROUP, otherGroup.getMetadata().getLabels().get(QN_GROUP_LABEL));
                cr.getMetadata().setLabels(new LinkedHashMap<>(labels));
                cr.getMetadata().getLabels().put(QN_ROLLING, Long.toString(cr.getMetadata().getGeneration()));
                client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).resource(cr).update();
                return;
            } else if (!image.equals(imageOf(d)) && (!rollingUpgrade || predecessorsUpdated(comp, graph, deployments, expected, image, now))) {
                d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
                d.getSpec().setReplicas(replicas);
                long readyAt = options.stuckComponents().contains(comp) ? NEVER : now + options.delayOf(comp).toMillis();
                d.getMetadata().getAnnotations().put(READY_AT, Long.toString(readyAt));
                d.getMetadata().getAnnotations().put(ROLLOUT, "update");
                d = client.apps().deployments().inNamespace(ns).resource(d).update();
            }
            d = holdIfDeadlocked(comp, d, deployments, image, upgrading26, now);
            deployments.put(comp, syncDeploymentStatus(d, now));
        }

        // The status of this pass is written before the cleanups below, which run on the next pass: so
        // there is a moment where the status says Ready, Updated and currentImage while the spec still
        // holds the separate coordinators or the index node (FACTS §3 item 7 is what tells it apart).
        boolean statusChanged = writeStatus(cr, components, status, expected, deployments, image, now);
        // FACTS §4 step 1.5: once mixcoord runs the spec image, the operator removes the separate coordinators.
        boolean coordsCleanup = components.get("mixCoord") != null && COORDS.stream().anyMatch(c -> components.get(c) != null)
                && isUpdated(deployments.get("mixcoord"), image, now);
        // FACTS §4 step 2.5: on 2.6, once the proxy is updated, the operator removes the index node.
        boolean indexNodeCleanup = ge26 && components.get("indexNode") != null && isUpdated(deployments.get("proxy"), image, now);
        if (!statusChanged && (coordsCleanup || indexNodeCleanup)) {
            List<String> removed = coordsCleanup ? COORDS : List.of("indexNode");
            for (String c : removed) {
                client.apps().deployments().inNamespace(ns).withName(name + "-milvus-" + c.toLowerCase()).delete();
                components.remove(c);
            }
            // No status was written in this pass, so cr still carries the resourceVersion this pass read: a
            // change made since (our tool's patch) makes this update conflict and the pass run again.
            cr.setAdditionalProperty("spec", spec);
            client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).resource(cr).update();
            return;
        }
        long next = deployments.values().stream().mapToLong(SimulatedMilvusOperator::readyAt).filter(t -> t > now && t != NEVER).min().orElse(0);
        if (next > 0) {
            enqueueAt(ns + "/" + name, next);
        }
        // The real operator's status syncer revisits an instance that is not Healthy and Updated every 30 s
        // (FACTS §3); compressed here, it also keeps one missed trigger from stalling a rollout for good.
        if (statusChanged || next > 0 || expected.stream().anyMatch(c -> !image.equals(imageOf(deployments.get(c))))) {
            enqueueAt(ns + "/" + name, now + RESYNC_MILLIS);
        }
    }

    /** Issue 446: the new streaming node cannot become ready while mixcoord still runs 2.5. */
    private Deployment holdIfDeadlocked(String comp, Deployment d, Map<String, Deployment> deps, String image, boolean upgrading26, long now) {
        if (!options.deadlock446() || !"streamingnode".equals(comp)) {
            return d;
        }
        boolean holds = upgrading26 && image.equals(imageOf(d)) && deps.get("mixcoord") != null && !image.equals(imageOf(deps.get("mixcoord")));
        long readyAt = readyAt(d);
        if (holds && readyAt != NEVER && readyAt > now - 1) {
            d.getMetadata().getAnnotations().put(READY_AT, Long.toString(NEVER));
            return client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).update();
        }
        if (!holds && readyAt == NEVER && !options.stuckComponents().contains(comp)) {
            d.getMetadata().getAnnotations().put(READY_AT, Long.toString(now + options.delayOf(comp).toMillis()));
            return client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).update();
        }
        return d;
    }

    private Deployment create(String ns, String release, String comp, String image, int replicas, long now) {
        if ("querynode".equals(comp)) {
            // Group 1 waits with no replicas on the operator's placeholder image until the first rollout.
            create(ns, release, comp, "1", "dummy", 0, now);
            return create(ns, release, comp, "0", image, replicas, now);
        }
        return create(ns, release, comp, null, image, replicas, now);
    }

    private Deployment create(String ns, String release, String comp, String group, String image, int replicas, long now) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MilvusApi.LABEL_INSTANCE, release);
        labels.put(MilvusApi.LABEL_COMPONENT, comp);
        labels.put(MilvusApi.LABEL_NAME, "milvus");
        labels.put(MilvusApi.LABEL_MANAGED_BY, "milvus-operator");
        if (group != null) {
            labels.put(QN_GROUP_LABEL, group);
        }
        String name = release + "-milvus-" + comp + (group == null ? "" : "-" + group);
        long readyAt = replicas == 0 ? now : now + options.delayOf(comp).toMillis();
        Deployment d = new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(ns).withLabels(labels)
                .withAnnotations(new LinkedHashMap<>(Map.of(READY_AT, Long.toString(readyAt), ROLLOUT, "create"))).endMetadata()
                .withNewSpec().withReplicas(replicas).withMinReadySeconds(30).withProgressDeadlineSeconds(2_592_000)
                .withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName(comp).withImage(image).endContainer().endSpec().endTemplate()
                .endSpec().build();
        return client.apps().deployments().inNamespace(ns).resource(d).create();
    }

    private Deployment syncDeploymentStatus(Deployment d, long now) {
        int replicas = Optional.ofNullable(d.getSpec().getReplicas()).orElse(1);
        boolean complete = now >= readyAt(d);
        boolean creating = "create".equals(d.getMetadata().getAnnotations().get(ROLLOUT));
        int ready = complete || !creating ? replicas : 0;
        List<DeploymentCondition> conditions = List.of(
                new DeploymentConditionBuilder().withType("Available").withStatus(ready >= replicas ? "True" : "False")
                        .withReason(ready >= replicas ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable").build(),
                new DeploymentConditionBuilder().withType("Progressing").withStatus("True")
                        .withReason(complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated").build());
        DeploymentStatus wanted = new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(replicas).withReadyReplicas(ready).withAvailableReplicas(ready).withUpdatedReplicas(complete ? replicas : 0)
                .withConditions(conditions).build();
        if (wanted.equals(d.getStatus())) {
            return d;
        }
        d.setStatus(wanted);
        return client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).updateStatus();
    }

    private boolean predecessorsUpdated(String comp, List<String> graph, Map<String, Deployment> deps, List<String> expected, String image, long now) {
        int at = graph.indexOf(comp);
        for (int i = 0; i < at; i++) {
            String p = graph.get(i);
            if (expected.contains(p) && !isUpdated(deps.get(p), image, now)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isUpdated(Deployment d, String image, long now) {
        return d != null && image.equals(imageOf(d)) && now >= readyAt(d);
    }

    /** Writes the status this pass computes; returns whether it changed (a write triggers another pass). */
    private boolean writeStatus(GenericKubernetesResource cr, Map<String, Object> components, Map<String, Object> old, List<String> expected,
            Map<String, Deployment> deps, String image, long now) {
        boolean rolling = Optional.ofNullable(cr.getMetadata().getLabels()).map(l -> l.containsKey(QN_ROLLING)).orElse(false);
        boolean rollingUpgrade = followsDependencyGraph(components);
        Map<String, Object> deployStatus = new LinkedHashMap<>();
        if (Version.parse(options.operatorVersion()).map(v -> v.isBefore(Version.of(1, 3, 8))).orElse(false)) {
            deployStatus.putAll(map(old.get("componentsDeployStatus"))); // v1.3.0-1.3.7 never prune stale keys (FACTS §1)
        }
        List<String> notReady = new ArrayList<>();
        List<String> updating = new ArrayList<>();
        boolean updatingImage = false;
        for (String comp : expected) {
            Deployment d = deps.get(comp);
            DeploymentStatus ds = d.getStatus();
            if ("querynode".equals(comp) && rolling) {
                // makeWorkloadDeploymentMap: a two-Deployment component that is rolling reports Progressing False/Rolling.
                ds = new DeploymentStatusBuilder(ds).withConditions(ds.getConditions().stream().map(c -> "Progressing".equals(c.getType())
                        ? new DeploymentConditionBuilder(c).withStatus("False").withReason("Rolling").build() : c).toList()).build();
                updating.add(comp); // IsComponentRolling keeps MilvusUpdated False
            }
            deployStatus.put(comp, json.unmarshal(json.asJson(Map.of("generation", d.getMetadata().getGeneration(), "image", imageOf(d),
                    "status", ds)), Map.class));
            boolean available = ds.getConditions().stream().anyMatch(c -> "Available".equals(c.getType()) && "True".equals(c.getStatus()));
            if (!available) {
                notReady.add(comp);
            }
            if (now < readyAt(d) && !updating.contains(comp)) {
                updating.add(comp);
            }
            if (!image.equals(imageOf(d))) {
                updatingImage = true;
                if (!updating.contains(comp)) {
                    updating.add(comp);
                }
            }
        }
        Deployment proxy = deps.get("proxy");
        boolean ready = notReady.isEmpty() && proxy != null && Optional.ofNullable(proxy.getStatus().getReadyReplicas()).orElse(0) > 0;
        // syncUpdatedCondition: any Terminating pod of the instance keeps MilvusUpdated False (FACTS §3).
        boolean terminating = expected.stream().anyMatch(c -> options.stuckTerminating().contains(c)
                && "update".equals(deps.get(c).getMetadata().getAnnotations().get(ROLLOUT)) && now >= readyAt(deps.get(c)));
        boolean updated = updating.isEmpty() && !terminating;
        String previous = str(old.get("status"));
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("status", ready ? "Healthy" : "Healthy".equals(previous) || "Unhealthy".equals(previous) ? "Unhealthy" : "Pending");
        status.put("observedGeneration", cr.getMetadata().getGeneration());
        List<Map<String, Object>> conditions = new ArrayList<>();
        conditions.add(condition(old, "EtcdReady", true, "EtcdReady", "Etcd endpoints is healthy"));
        conditions.add(condition(old, "StorageReady", true, "StorageReady", ""));
        conditions.add(condition(old, "MsgStreamReady", true, "MsgStreamReady", ""));
        conditions.add(condition(old, "MilvusReady", ready, ready ? "ReasonMilvusHealthy" : "MilvusComponentNotHealthy",
                ready ? "All Milvus components are healthy" : notReady + " not ready, detail: component not available"));
        conditions.add(condition(old, "MilvusUpdated", updated,
                updated ? "MilvusComponentsUpdated" : updatingImage && rollingUpgrade ? "MilvusUpgradingImage" : "MilvusComponentsUpdating",
                updated ? "Milvus components are all updated" : updatingImage && rollingUpgrade ? "Milvus is performing rolling upgrade pending components" + updating
                        : updating.isEmpty() ? "Milvus has terminating pods" : "Milvus components" + updating + " are updating"));
        status.put("conditions", conditions);
        status.put("componentsDeployStatus", deployStatus);
        status.put("endpoint", cr.getMetadata().getName() + "-milvus." + cr.getMetadata().getNamespace() + ":19530");
        status.put("rollingModeVersion", 2);
        status.put("currentImage", ready && updated ? image : str(old.get("currentImage")));
        status.put("currentVersion", ready && updated ? str(components.get("version")) : str(old.get("currentVersion")));
        Map<String, Object> normalised = json.unmarshal(json.asJson(status), Map.class);
        if (normalised.equals(old)) {
            return false;
        }
        cr.setAdditionalProperty("status", normalised);
        client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(cr.getMetadata().getNamespace()).resource(cr).updateStatus();
        lastStatusWrite.set(Instant.now());
        statusWrites.incrementAndGet();
        return true;
    }

    private static Map<String, Object> condition(Map<String, Object> old, String type, boolean ok, String reason, String message) {
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

    /** FACTS Sources: config.DefaultMilvusImage is v2.6.11 from operator v1.3.6 on, v2.6.0 before. */
    static String defaultImage(String operatorVersion) {
        boolean recent = Version.parse(operatorVersion).map(v -> v.isAtLeast(Version.of(1, 3, 6))).orElse(true);
        return "milvusdb/milvus:" + (recent ? "v2.6.11" : "v2.6.0");
    }

    /** FACTS §2 "Defaults for cluster mode"; returns whether anything changed. */
    static boolean applyDefaults(Map<String, Object> spec, String defaultImage) {
        Map<String, Object> before = deepCopy(spec);
        Map<String, Object> components = child(spec, "components");
        Map<String, Object> dependencies = child(spec, "dependencies");
        components.putIfAbsent("image", defaultImage);
        components.putIfAbsent("imageUpdateMode", "rollingUpgrade");
        components.putIfAbsent("enableRollingUpdate", true);
        components.putIfAbsent("rollingMode", 2);
        boolean ge26 = isVersionGE26(components);
        boolean anyCoord = COORDS.stream().anyMatch(c -> components.get(c) != null);
        if (anyCoord) {
            COORDS.forEach(c -> defaultReplicas(components, c, 1));
        } else if (components.get("mixCoord") == null) {
            defaultReplicas(components, "mixCoord", 1);
        }
        if (ge26) {
            defaultReplicas(components, "mixCoord", 1);
            defaultReplicas(components, "streamingNode", 1);
            components.put("streamingMode", true);
        } else {
            defaultReplicas(components, "indexNode", 1);
            if (components.get("streamingNode") != null) {
                components.put("streamingMode", true); // UseStreamingNode() (FACTS §2 streamingMode)
            }
        }
        for (String c : List.of("dataNode", "queryNode", "proxy")) {
            defaultReplicas(components, c, 1);
        }
        defaultReplicas(components, "standalone", 0);
        dependencies.putIfAbsent("msgStreamType", "pulsar");
        return !before.equals(spec);
    }

    /** FACTS §4 "Which components are reconciled". */
    static List<String> componentsBySpec(Map<String, Object> components, boolean ge26) {
        List<String> list = new ArrayList<>();
        if (components.get("cdc") != null) {
            list.add("cdc");
        }
        if (ge26) {
            list.addAll(List.of("mixcoord", "datanode", "streamingnode", "querynode", "proxy", "standalone"));
            return list;
        }
        if (components.get("mixCoord") != null) {
            list.addAll(List.of("mixcoord", "datanode", "querynode", "indexnode", "proxy", "standalone"));
        } else {
            list.addAll(List.of("rootcoord", "datacoord", "querycoord", "indexcoord", "datanode", "querynode", "indexnode", "proxy", "standalone"));
        }
        if (Boolean.TRUE.equals(components.get("streamingMode")) || components.get("streamingNode") != null) {
            list.add("streamingnode");
        }
        return list;
    }

    /**
     * FACTS §2 imageUpdateMode: only rollingUpgrade with rolling update on follows the dependency
     * graph; all, force or rolling update off set every component's image at once.
     */
    static boolean followsDependencyGraph(Map<String, Object> components) {
        return !Boolean.FALSE.equals(components.get("enableRollingUpdate"))
                && "rollingUpgrade".equals(str(components.getOrDefault("imageUpdateMode", "rollingUpgrade")));
    }

    /** FACTS §2 "The 2.6 check": spec.components.version wins, else the image tag; master- counts as 2.6. */
    static boolean isVersionGE26(Map<String, Object> components) {
        String version = str(components.get("version"));
        if (!version.isEmpty()) {
            return Version.parse(version).map(v -> v.release().isAtLeast(Version.of(2, 6, 0))).orElse(false);
        }
        return isImageGE26(str(components.get("image")));
    }

    static boolean isImageGE26(String image) {
        int colon = image.lastIndexOf(':');
        String tag = colon > image.lastIndexOf('/') ? image.substring(colon + 1) : "";
        if (tag.startsWith("master-")) {
            return true;
        }
        return Version.parse(tag).map(v -> v.release().isAtLeast(Version.of(2, 6, 0))).orElse(false);
    }

    private static int replicas(Map<String, Object> components, String comp) {
        String specKey = switch (comp) {
            case "mixcoord" -> "mixCoord";
            case "rootcoord" -> "rootCoord";
            case "datacoord" -> "dataCoord";
            case "querycoord" -> "queryCoord";
            case "indexcoord" -> "indexCoord";
            case "datanode" -> "dataNode";
            case "querynode" -> "queryNode";
            case "indexnode" -> "indexNode";
            case "streamingnode" -> "streamingNode";
            default -> comp;
        };
        Object r = map(components.get(specKey)).get("replicas");
        return r instanceof Number n ? Math.max(0, n.intValue()) : "standalone".equals(comp) ? 0 : 1;
    }

    private static void defaultReplicas(Map<String, Object> components, String key, int replicas) {
        Map<String, Object> c = components.get(key) instanceof Map<?, ?> ? child(components, key) : new LinkedHashMap<>();
        c.putIfAbsent("replicas", replicas);
        components.put(key, c);
    }

    static long readyAt(Deployment d) {
        return Long.parseLong(Objects.requireNonNullElse(d.getMetadata().getAnnotations().get(READY_AT), "0"));
    }

    static String imageOf(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> child(Map<String, Object> parent, String key) {
        Object v = parent.get(key);
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> mutable = new LinkedHashMap<>((Map<String, Object>) m);
            parent.put(key, mutable);
            return mutable;
        }
        Map<String, Object> created = new LinkedHashMap<>();
        parent.put(key, created);
        return created;
    }

    private Map<String, Object> copy(Map<String, Object> m) {
        return deepCopy(m);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> deepCopy(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> mm ? deepCopy((Map<String, Object>) mm)
                : v instanceof List<?> l ? new ArrayList<>(l) : v));
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    static String str(Object o) {
        return o == null ? "" : o.toString();
    }
}

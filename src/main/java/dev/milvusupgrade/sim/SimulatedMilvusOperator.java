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
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
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
 * A simulated Milvus Operator (v1.3.x, or v1.2.x by option) for the mock API server: it reacts to
 * changes of Milvus resources the way the real controller does, as described in FACTS.md (the
 * operator facts of this project's shared reference) and the operator's source, with time
 * compressed. It is the test double of every run test and the engine of {@code demo}.
 *
 * <p>What it reproduces: defaults written back into the spec (each such write bumps
 * metadata.generation: the mock API server, with the Milvus CRD's status subresource registered,
 * bumps generation on spec changes only, keeps status apart and answers stale resourceVersions
 * with 409, as a real one does), including {@code streamingMode} written true or false (§8.7); the
 * component set per version and layout (§4); Deployments named {@code <release>-milvus-<component>}
 * with the operator's labels (§5); rolling the image along the dependency graphs, a component only
 * after its predecessor is updated and Complete, new Deployments directly on the new image (§4);
 * a per-component image that wins for the container but never counts as updated (§8.3);
 * {@code paused} and {@code enableManualMode} (§8.4); the dependency gate (§8.5); a
 * {@code podAnnotations} change rolling that component alone (§8.11); deleting the separate
 * coordinators once mixcoord is updated, and the indexnode once the proxy is updated on 2.6, both
 * by exact name and only when their spec is still there (§4 steps 1.5 and 2.5, §8.1, §8.2); status
 * with observedGeneration, MilvusReady and MilvusUpdated with the real reasons,
 * componentsDeployStatus, and currentImage only when Ready and Updated (§3); an operator older than
 * 1.3.0 (§8.8).
 *
 * <p>Two-Deployment components: the query node always (rollingMode 2), every component with
 * {@code spec.components.rollingMode: 3} (§8.1; deployments.go componentUsesTwoDeployments). They
 * run as {@code <release>-milvus-<component>-0/-1} labelled {@code milvus.io/<component>-group-id}
 * (deploy_ctrl_util.go CreateDeploy, formatComponentDeployName); a rollout moves the replicas to
 * the idle group with the new pod template, marks the CR rolling (label
 * {@code milvus.io/<component>-rolling-id} and annotation {@code milvus.io/<component>-current-group-id})
 * and reports Progressing False/Rolling until the new group is up, then scales the old group to zero.
 *
 * <p>Simplifications: no pods (pods stuck terminating are an option, not a state); a group switch
 * in one step rather than one replica at a time, both groups created at once with their replicas
 * (the operator creates group 0 with 0 replicas and scales it); a missing current-group annotation
 * reads as group 0 (the operator writes "0" when it creates group 0); changing
 * {@code rollingMode} on a live instance (the operator's deploy-mode changer) is not modelled;
 * rollouts take a fixed time per component instead of depending on probes; the status is written
 * on every pass rather than by a 30 s syncer, and it carries the dependency conditions, which only
 * the syncer writes in the operator.
 */
public final class SimulatedMilvusOperator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SimulatedMilvusOperator.class.getName());
    /** When the current rollout of a Deployment completes, epoch millis; {@link #NEVER} when stuck. */
    static final String READY_AT = "sim.milvus-upgrade.dev/ready-at";
    /** Whether the Deployment is being created (not available) or updated (old pods still serve). */
    static final String ROLLOUT = "sim.milvus-upgrade.dev/rollout";
    /** A pod-template change the Kubernetes Deployment controller does not roll out while the Deployment is paused. */
    static final String HELD = "sim.milvus-upgrade.dev/held";
    static final long NEVER = Long.MAX_VALUE;
    /** FACTS §4 "QueryNode two-Deployment rollout": the bookkeeping of rollingMode 2. */
    static final String QN_CURRENT_GROUP = currentGroupAnnotation("querynode");
    static final String QN_ROLLING = rollingLabel("querynode");
    static final String QN_GROUP_LABEL = groupLabel("querynode");

    static final List<String> COORDS = List.of("rootCoord", "dataCoord", "queryCoord", "indexCoord");
    static final List<String> CLUSTER_GRAPH = List.of("indexnode", "rootcoord", "datacoord", "indexcoord", "querycoord", "querynode", "datanode", "proxy");
    static final List<String> MIXCOORD_GRAPH = List.of("indexnode", "mixcoord", "querynode", "datanode", "proxy");
    static final List<String> STREAMING_GRAPH = List.of("mixcoord", "streamingnode", "querynode", "datanode", "proxy");
    /** v1.2.8 dependency_graph.go: its streaming graph still starts with the index node. */
    static final List<String> LEGACY_STREAMING_GRAPH = List.of("indexnode", "mixcoord", "streamingnode", "querynode", "datanode", "proxy");
    static final List<String> UPGRADE26_GRAPH = List.of("streamingnode", "mixcoord", "querynode", "datanode", "proxy");

    /**
     * pkg/config/config.go DefaultMilvusVersion per operator release (git show v1.x.y:pkg/config/config.go);
     * unchanged between the releases listed. Releases before 1.2.0 were not checked.
     */
    private static final NavigableMap<Version, String> DEFAULT_MILVUS_TAG = new TreeMap<>(Map.ofEntries(
            Map.entry(Version.of(1, 2, 0), "v2.5.4"), Map.entry(Version.of(1, 2, 2), "v2.5.5"), Map.entry(Version.of(1, 2, 3), "v2.5.6"),
            Map.entry(Version.of(1, 2, 4), "v2.5.7"), Map.entry(Version.of(1, 2, 5), "v2.5.10"), Map.entry(Version.of(1, 2, 7), "v2.5.13"),
            Map.entry(Version.of(1, 2, 8), "v2.5.14"), Map.entry(Version.of(1, 3, 0), "v2.6.0"), Map.entry(Version.of(1, 3, 2), "v2.6.3"),
            Map.entry(Version.of(1, 3, 3), "v2.6.5"), Map.entry(Version.of(1, 3, 4), "v2.6.6"), Map.entry(Version.of(1, 3, 5), "v2.6.7"),
            Map.entry(Version.of(1, 3, 6), "v2.6.11"),
            // FACTS §9.1: v1.3.9 keeps v2.6.11; main after #535 and v1.3.10 default to v2.6.24 (pkg/config/config.go @6fe54d79).
            Map.entry(Version.of(1, 3, 10), "v2.6.24")));

    private final KubernetesClient client;
    private final SimulatorOptions options;
    private final KubernetesSerialization json;
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final Map<String, ScheduledFuture<?>> timers = new ConcurrentHashMap<>();
    private final AtomicReference<Instant> lastStatusWrite = new AtomicReference<>();
    private final AtomicLong statusWrites = new AtomicLong();
    private final AtomicLong passes = new AtomicLong();
    /** FACTS §8.5: the dependency conditions the operator currently finds not ready, by condition type. */
    private final Map<String, SimulatorOptions.Dependency> dependenciesDown = new ConcurrentHashMap<>();
    private ScheduledExecutorService loop;
    private SharedIndexInformer<GenericKubernetesResource> informer;
    private volatile boolean closed;

    public SimulatedMilvusOperator(KubernetesClient client, SimulatorOptions options) {
        this.client = client;
        this.options = options;
        this.json = client.getKubernetesSerialization();
        this.dependenciesDown.putAll(options.dependenciesDown());
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

    /** How many reconcile passes have finished, whatever they did: lets a test wait for passes instead of time. */
    public long passes() {
        return passes.get();
    }

    /**
     * From now on the operator finds {@code condition} (EtcdReady, StorageReady or MsgStreamReady) not ready: the
     * status says so with {@code reason} and {@code message} and, once it does, no Deployment is touched (FACTS §8.5;
     * milvus.go ReconcileMilvus, utils.go IsDependencyReady). See {@link SimulatorOptions.Dependency} for real pairs.
     */
    public void setDependencyDown(String condition, String reason, String message) {
        dependenciesDown.put(SimulatorOptions.checkCondition(condition), new SimulatorOptions.Dependency(reason, message));
        resyncAll();
    }

    /** The dependency is ready again: the status says so and the next pass reconciles Deployments again. */
    public void setDependencyUp(String condition) {
        dependenciesDown.remove(SimulatorOptions.checkCondition(condition));
        resyncAll();
    }

    /** The operator's status syncer visits every instance; here a switch flip asks for that at once. */
    private void resyncAll() {
        if (informer != null) {
            informer.getStore().list().forEach(r -> enqueue(key(r)));
        }
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
            try {
                reconcile(k[0], k[1]);
            } finally {
                passes.incrementAndGet();
            }
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

    /** What one pass derives from the CR once. */
    private record Pass(String ns, String name, GenericKubernetesResource cr, Map<String, Object> components, String image, boolean ge26,
            boolean upgrading26, boolean legacy, List<String> expected, List<String> graph, long now) {

        /** deployments.go componentUsesTwoDeployments: the query node, or every component with rollingMode 3 (FACTS §8.1). */
        boolean twoDeployments(String comp) {
            return "querynode".equals(comp) || Integer.valueOf(3).equals(asInt(components.get("rollingMode")));
        }

        /** FACTS §2 imageUpdateMode; see {@link #followsDependencyGraph}. */
        boolean rollingUpgrade() {
            return followsDependencyGraph(components);
        }

        /** FACTS §8.4: with enableManualMode the operator stops tracking replicas (components_types.go EnableManualMode). */
        boolean manual() {
            return Boolean.TRUE.equals(components.get("enableManualMode"));
        }

        boolean rolling(String comp) {
            Map<String, String> labels = cr.getMetadata().getLabels();
            return twoDeployments(comp) && labels != null && labels.containsKey(rollingLabel(comp));
        }
    }

    /** The part of a pod template the operator renders and the simulator compares: the component container's image and the pod annotations. */
    private record Template(String image, Map<String, String> podAnnotations) {
        static Template of(Deployment d) {
            return new Template(imageOf(d), podAnnotationsOf(d));
        }

        void applyTo(Deployment d) {
            d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
            d.getSpec().getTemplate().getMetadata().setAnnotations(new LinkedHashMap<>(podAnnotations));
        }
    }

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
        boolean legacy = isLegacy(options.operatorVersion());
        // FACTS §1: with webhooks off the controller writes the defaults back, bumping generation.
        if (applyDefaults(spec, defaultImage(options.operatorVersion()), legacy)) {
            cr.setAdditionalProperty("spec", spec);
            client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).resource(cr).update();
            return;
        }
        Map<String, Object> components = map(spec.get("components"));
        String image = str(components.get("image"));
        // FACTS §8.8: an operator before 1.3.0 has no 2.6 logic at all.
        boolean ge26 = !legacy && isVersionGE26(components);
        String currentImage = str(status.get("currentImage"));
        boolean upgrading26 = ge26 && !currentImage.isEmpty() && !isImageGE26(currentImage);
        Pass p = new Pass(ns, name, cr, components, image, ge26, upgrading26, legacy, componentsBySpec(components, ge26, legacy),
                dependencyGraph(components, upgrading26, legacy), System.currentTimeMillis());

        // A two-Deployment component: "deployments" holds its current group, "idle" the other one.
        Map<String, Deployment> deployments = new HashMap<>();
        Map<String, Deployment> idle = new HashMap<>();
        for (Deployment d : client.apps().deployments().inNamespace(ns).withLabel(MilvusApi.LABEL_INSTANCE, name).list().getItems()) {
            String comp = d.getMetadata().getLabels().get(MilvusApi.LABEL_COMPONENT);
            String group = d.getMetadata().getLabels().get(groupLabel(comp));
            if (group != null && !group.equals(annotations.getOrDefault(currentGroupAnnotation(comp), "0"))) {
                idle.put(comp, d);
            } else {
                deployments.put(comp, d);
            }
        }
        // FACTS §8.5: ReconcileMilvus returns before touching any Deployment unless the dependency conditions
        // the status holds are all True (milvus.go ~56-59, utils.go IsDependencyReady ~285-297); the status is still written.
        boolean dependencyReady = isDependencyReady(status);
        if (dependencyReady) {
            if (finishRollouts(p, deployments, idle)) {
                return;
            }
            for (String comp : p.expected()) {
                if (reconcileComponent(p, comp, deployments, idle)) {
                    return;
                }
            }
        } else {
            // Kubernetes' Deployment controller still reports on the Deployments the operator leaves alone.
            for (String comp : p.expected()) {
                Optional.ofNullable(deployments.get(comp)).ifPresent(d -> deployments.put(comp, syncDeploymentStatus(d, p.now())));
            }
        }

        // The status of this pass is written before the cleanups below, which run on the next pass: so
        // there is a moment where the status says Ready, Updated and currentImage while the spec still
        // holds the separate coordinators or the index node (FACTS §3 item 7 is what tells it apart).
        boolean statusChanged = writeStatus(p, status, deployments);
        if (dependencyReady && !statusChanged && cleanUp(p, spec, deployments)) {
            return;
        }
        long now = p.now();
        long next = deployments.values().stream().mapToLong(SimulatedMilvusOperator::readyAt).filter(t -> t > now && t != NEVER).min().orElse(0);
        if (next > 0) {
            enqueueAt(ns + "/" + name, next);
        }
        // The real operator's status syncer revisits an instance that is not Healthy and Updated every 30 s
        // (FACTS §3); compressed here, it also keeps one missed trigger from stalling a rollout for good.
        if (statusChanged || next > 0 || p.expected().stream().anyMatch(c -> deployments.get(c) == null || !image.equals(imageOf(deployments.get(c))))) {
            enqueueAt(ns + "/" + name, now + options.resync().toMillis());
        }
    }

    /**
     * FACTS §4 step 1.5 and 2.5, §8.1, §8.2 (deployments.go ReconcileDeployments ~382-390, cleanupIndexNodeIfNeeded ~507,
     * cleanupCoordinatorsIfNeeded ~530): on 2.6 once the proxy is updated the index node goes, once mixcoord is updated
     * the separate coordinators go, each only while its spec is still there (HasCoordsSpec, components.go ~269), so
     * fields a patch removed by hand leave their Deployments for good. The index node cleanup runs first; the
     * operator's second cleanup of the same reconcile conflicts on the first's update, so one per pass here.
     * Returns whether it changed the spec. An operator before 1.3.0 has neither cleanup (FACTS §8.8).
     */
    private boolean cleanUp(Pass p, Map<String, Object> spec, Map<String, Deployment> deployments) {
        if (p.legacy()) {
            return false;
        }
        Map<String, Object> components = p.components();
        boolean indexNodeCleanup = p.ge26() && components.get("indexNode") != null && isUpdated(p, "proxy", deployments);
        boolean coordsCleanup = components.get("mixCoord") != null && COORDS.stream().anyMatch(c -> components.get(c) != null)
                && isUpdated(p, "mixcoord", deployments);
        if (!indexNodeCleanup && !coordsCleanup) {
            return false;
        }
        for (String c : indexNodeCleanup ? List.of("indexNode") : COORDS) {
            // DeleteDeploymentsIfExists (deployments.go ~188-216) deletes <release>-milvus-<component> by exact name and
            // skips NotFound: with rollingMode 3 the Deployments are <release>-milvus-<component>-0/-1 and stay (FACTS §8.1).
            client.apps().deployments().inNamespace(p.ns()).withName(p.name() + "-milvus-" + c.toLowerCase()).delete();
            components.remove(c);
        }
        // No status was written in this pass, so cr still carries the resourceVersion this pass read: a
        // change made since (our tool's patch) makes this update conflict and the pass run again.
        p.cr().setAdditionalProperty("spec", spec);
        client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(p.ns()).resource(p.cr()).update();
        return true;
    }

    /**
     * A two-Deployment component whose new group is up: the old group is scaled to zero and the rolling label
     * removed (deploy_ctrl_util.go ScaleDeployments, LastRolloutFinished). Not while paused or in manual mode,
     * where deploy_ctrl.go returns before HandleRolling (~93-99). Returns whether it updated the CR.
     */
    private boolean finishRollouts(Pass p, Map<String, Deployment> deployments, Map<String, Deployment> idle) {
        List<String> done = new ArrayList<>();
        for (String comp : p.expected()) {
            Deployment current = deployments.get(comp);
            if (!p.rolling(comp) || isPaused(p.components(), comp) || p.manual() || current == null || !rolloutComplete(current, p.now())) {
                continue;
            }
            Deployment old = idle.get(comp);
            if (old != null && replicasOf(old) != 0 && hpaManaged(p.components(), comp) && userHpaHangs()) {
                // FACTS §9.4: up to v1.3.5 (deploy_ctrl_util.go :385-391) the rollout waits for the old group to scale down,
                // which a user's HPA never does: the component stays rolling (milvus-operator#469; #458 fixed it in v1.3.6).
                continue;
            }
            if (old != null && replicasOf(old) != 0) {
                old.getSpec().setReplicas(0);
                idle.put(comp, syncDeploymentStatus(client.apps().deployments().inNamespace(p.ns()).resource(old).update(), p.now()));
            }
            done.add(comp);
        }
        if (done.isEmpty()) {
            return false;
        }
        p.cr().getMetadata().setLabels(new LinkedHashMap<>(p.cr().getMetadata().getLabels()));
        done.forEach(c -> p.cr().getMetadata().getLabels().remove(rollingLabel(c)));
        client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(p.ns()).resource(p.cr()).update();
        return true;
    }

    /** Creates or updates one component's Deployment(s); returns whether the pass must end (it updated the CR). */
    private boolean reconcileComponent(Pass p, String comp, Map<String, Deployment> deployments, Map<String, Deployment> idle) {
        Deployment d = deployments.get(comp);
        boolean paused = isPaused(p.components(), comp);
        if (d == null) {
            d = create(p, comp, paused, deployments);
        } else if (p.twoDeployments(comp)) {
            // deploy_ctrl.go ~93: a paused two-Deployment component is neither rolled nor scaled (FACTS §8.4).
            if (!paused && p.manual()) {
                d = manualMode(p, comp, d, deployments);
            } else if (!paused && !p.rolling(comp)) {
                boolean stopped = hpaManaged(p.components(), comp) ? replicasOf(d) == 0 : replicas(p.components(), comp) == 0;
                Template want = desiredTemplate(p, comp, d, deployments, stopped);
                Deployment other = idle.get(comp);
                if (!want.equals(Template.of(d)) && other != null) {
                    switchGroups(p, comp, other, want, replicasOf(d));
                    return true;
                }
                if (!want.equals(Template.of(d))) {
                    want.applyTo(d); // no idle group (rollingMode changed on a live instance): not modelled, roll in place
                    startRollout(d, comp, false, p.now());
                    d = client.apps().deployments().inNamespace(p.ns()).resource(d).update();
                }
            }
        } else {
            d = reconcileOneDeployment(p, comp, d, paused, deployments);
        }
        d = holdIfDeadlocked(comp, d, deployments, p.image(), p.upgrading26(), p.now());
        deployments.put(comp, syncDeploymentStatus(d, p.now()));
        return false;
    }

    /**
     * Roll by switching groups (deploy_ctrl.go HandleRolling, deploy_ctrl_util.go PrepareNewRollout): the idle group
     * gets the new pod template and the replicas, becomes current, and the CR is labelled as rolling until it is up.
     */
    private void switchGroups(Pass p, String comp, Deployment other, Template want, int currentReplicas) {
        want.applyTo(other);
        // FACTS §9.4, planScaleForHPA: under a user's HPA the new group takes the old group's count, not the spec's -1.
        other.getSpec().setReplicas(hpaManaged(p.components(), comp) ? Math.max(1, currentReplicas) : replicas(p.components(), comp));
        startRollout(other, comp, false, p.now());
        syncDeploymentStatus(client.apps().deployments().inNamespace(p.ns()).resource(other).update(), p.now());
        GenericKubernetesResource cr = p.cr();
        if (cr.getMetadata().getAnnotations() == null) {
            cr.getMetadata().setAnnotations(new LinkedHashMap<>());
        }
        cr.getMetadata().getAnnotations().put(currentGroupAnnotation(comp), other.getMetadata().getLabels().get(groupLabel(comp)));
        cr.getMetadata().setLabels(new LinkedHashMap<>(Optional.ofNullable(cr.getMetadata().getLabels()).orElse(Map.of())));
        cr.getMetadata().getLabels().put(rollingLabel(comp), Long.toString(cr.getMetadata().getGeneration()));
        client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(p.ns()).resource(cr).update();
    }

    /**
     * FACTS §8.4, deploy_ctrl.go HandleManualMode (~345-369): in manual mode a two-Deployment component's current
     * Deployment is updated only while it has 0 replicas, then at once (no dependency order); nothing is rolled or scaled.
     */
    private Deployment manualMode(Pass p, String comp, Deployment d, Map<String, Deployment> deployments) {
        if (replicasOf(d) != 0) {
            return d;
        }
        Template want = desiredTemplate(p, comp, d, deployments, true);
        if (want.equals(Template.of(d))) {
            return d;
        }
        want.applyTo(d);
        startRollout(d, comp, false, p.now());
        return client.apps().deployments().inNamespace(p.ns()).resource(d).update();
    }

    /**
     * A one-Deployment component (deployments.go ReconcileComponentDeployment, deployment_updater.go updateDeployment):
     * {@code spec.paused} follows the merged {@code paused} (~132), replicas follow the spec unless in manual mode
     * (~138), and the pod template is re-rendered; a changed template is a rollout, which Kubernetes holds while the
     * Deployment is paused (FACTS §8.4) and resumes when it is unpaused.
     */
    private Deployment reconcileOneDeployment(Pass p, String comp, Deployment d, boolean paused, Map<String, Deployment> deployments) {
        // deployment_updater.go updateDeploymentReplicas: under a user's HPA (replicas -1) the count is the HPA's, raised to 1 from 0.
        int replicas = p.manual() ? replicasOf(d) : hpaManaged(p.components(), comp) ? Math.max(1, replicasOf(d)) : replicas(p.components(), comp);
        Template want = desiredTemplate(p, comp, d, deployments, replicas == 0);
        boolean templateChanged = !want.equals(Template.of(d));
        boolean wasPaused = Boolean.TRUE.equals(d.getSpec().getPaused());
        if (!templateChanged && wasPaused == paused && replicas == replicasOf(d)) {
            return d;
        }
        want.applyTo(d);
        d.getSpec().setReplicas(replicas);
        d.getSpec().setPaused(paused ? Boolean.TRUE : null);
        Map<String, String> a = d.getMetadata().getAnnotations();
        if (templateChanged) {
            startRollout(d, comp, paused, p.now());
        } else if (paused && !wasPaused && p.now() < readyAt(d)) {
            a.put(HELD, "true"); // paused mid-rollout: Kubernetes stops where it is
        } else if (!paused && wasPaused && a.remove(HELD) != null) {
            a.put(READY_AT, Long.toString(readyAtFrom(comp, p.now())));
        }
        return client.apps().deployments().inNamespace(p.ns()).resource(d).update();
    }

    /** A new pod template: rolled out now, or held until the Deployment is resumed (old pods keep serving meanwhile). */
    private void startRollout(Deployment d, String comp, boolean paused, long now) {
        Map<String, String> a = d.getMetadata().getAnnotations();
        a.put(ROLLOUT, "update");
        if (paused) {
            a.put(HELD, "true");
        } else {
            a.remove(HELD);
            a.put(READY_AT, Long.toString(readyAtFrom(comp, now)));
        }
    }

    private long readyAtFrom(String comp, long now) {
        return options.stuckComponents().contains(comp) ? NEVER : now + options.delayOf(comp).toMillis();
    }

    /**
     * The pod template the operator renders for {@code comp} from its current one (deployment_updater.go
     * updatePodTemplate): the merged image (FACTS §8.3; MergeComponentSpec, components.go ~734) only when
     * {@code force} (a new or stopped Deployment, ~176), rolling update is off, the mode is all or force, or the
     * dependencies are updated (~403-409), else the image it has; the merged pod annotations added to the template's
     * (FACTS §8.11; updatePodMeta ~248 adds and overwrites keys, never removes one), whatever the dependencies.
     */
    private Template desiredTemplate(Pass p, String comp, Deployment d, Map<String, Deployment> deployments, boolean force) {
        boolean imageMoves = d == null || force || !p.rollingUpgrade() || predecessorsUpdated(p, comp, deployments);
        Map<String, String> annotations = new LinkedHashMap<>(d == null ? Map.of() : podAnnotationsOf(d));
        annotations.putAll(podAnnotations(p.components(), comp));
        return new Template(imageMoves ? targetImage(p.components(), comp) : imageOf(d), annotations);
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
        if (!holds && readyAt == NEVER && !options.stuckComponents().contains(comp) && !isHeld(d)) {
            d.getMetadata().getAnnotations().put(READY_AT, Long.toString(now + options.delayOf(comp).toMillis()));
            return client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).update();
        }
        return d;
    }

    /**
     * A new component: one Deployment, or for a two-Deployment component group 0 with the pod template and group 1
     * idle with no replicas on the placeholder image {@code dummy} or {@code spec.components.dummyImage}
     * (deploy_ctrl_util.go CreateDeploy ~171-215). Either starts paused when the merged {@code paused} says so; the
     * operator sets {@code spec.paused} of a two-Deployment component only there, never later.
     */
    private Deployment create(Pass p, String comp, boolean paused, Map<String, Deployment> deployments) {
        Template t = desiredTemplate(p, comp, null, deployments, true);
        // FACTS §9.4, deploy_ctrl_util.go planScaleForHPA and deployment_updater.go updateDeploymentReplicas: with replicas -1
        // (a user's HPA) the operator starts a component at 1 replica, since an HPA cannot scale from 0.
        int replicas = hpaManaged(p.components(), comp) ? 1 : replicas(p.components(), comp);
        if (p.twoDeployments(comp)) {
            String dummy = str(p.components().getOrDefault("dummyImage", "dummy"));
            create(p, comp, "1", new Template(dummy.isEmpty() ? "dummy" : dummy, t.podAnnotations()), 0, paused);
            // In manual mode nothing scales group 0 up from the 0 replicas it is created with (deploy_ctrl.go ~97).
            return create(p, comp, "0", t, p.manual() ? 0 : replicas, paused);
        }
        // In manual mode replicas are left unset (deployment_updater.go ~138): the API server's default is 1.
        return create(p, comp, null, t, p.manual() ? 1 : replicas, paused);
    }

    private Deployment create(Pass p, String comp, String group, Template template, int replicas, boolean paused) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MilvusApi.LABEL_INSTANCE, p.name());
        labels.put(MilvusApi.LABEL_COMPONENT, comp);
        labels.put(MilvusApi.LABEL_NAME, "milvus");
        labels.put(MilvusApi.LABEL_MANAGED_BY, "milvus-operator");
        if (group != null) {
            labels.put(groupLabel(comp), group);
        }
        String name = p.name() + "-milvus-" + comp + (group == null ? "" : "-" + group);
        long now = p.now();
        Map<String, String> annotations = new LinkedHashMap<>(Map.of(ROLLOUT, "create"));
        if (replicas == 0) {
            annotations.put(READY_AT, Long.toString(now));
        } else if (paused) {
            // A Deployment created paused gets no ReplicaSet and so no pods until it is resumed.
            annotations.put(READY_AT, Long.toString(NEVER));
            annotations.put(HELD, "true");
        } else {
            annotations.put(READY_AT, Long.toString(now + options.delayOf(comp).toMillis()));
        }
        Deployment d = new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(p.ns()).withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec().withReplicas(replicas).withPaused(paused ? Boolean.TRUE : null).withMinReadySeconds(30).withProgressDeadlineSeconds(2_592_000)
                .withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).withAnnotations(new LinkedHashMap<>(template.podAnnotations())).endMetadata()
                .withNewSpec().addNewContainer().withName(comp).withImage(template.image()).endContainer().endSpec().endTemplate()
                .endSpec().build();
        return client.apps().deployments().inNamespace(p.ns()).resource(d).create();
    }

    /**
     * What Kubernetes' Deployment controller reports. A paused Deployment has Progressing Unknown/DeploymentPaused
     * (the operator's DeployState Paused, FACTS §8.4) and rolls nothing: its old pods keep serving.
     */
    private Deployment syncDeploymentStatus(Deployment d, long now) {
        int replicas = replicasOf(d);
        boolean complete = rolloutComplete(d, now);
        boolean creating = "create".equals(d.getMetadata().getAnnotations().get(ROLLOUT));
        boolean paused = Boolean.TRUE.equals(d.getSpec().getPaused());
        int ready = complete || !creating ? replicas : 0;
        DeploymentCondition progressing = paused
                ? new DeploymentConditionBuilder().withType("Progressing").withStatus("Unknown").withReason("DeploymentPaused")
                        .withMessage("Deployment is paused").build()
                : new DeploymentConditionBuilder().withType("Progressing").withStatus("True")
                        .withReason(complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated").build();
        List<DeploymentCondition> conditions = List.of(
                new DeploymentConditionBuilder().withType("Available").withStatus(ready >= replicas ? "True" : "False")
                        .withReason(ready >= replicas ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable").build(),
                progressing);
        DeploymentStatus wanted = new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(replicas).withReadyReplicas(ready).withAvailableReplicas(ready).withUpdatedReplicas(complete ? replicas : 0)
                .withConditions(conditions).build();
        if (wanted.equals(d.getStatus())) {
            return d;
        }
        d.setStatus(wanted);
        return client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).updateStatus();
    }

    /**
     * RollingUpdateImageDependencyReady (deployment_updater.go ~682) asks the component's predecessor in the graph
     * whether it IsImageUpdated; asking every earlier component present, as here, comes to the same order.
     */
    private static boolean predecessorsUpdated(Pass p, String comp, Map<String, Deployment> deps) {
        int at = p.graph().indexOf(comp);
        for (int i = 0; i < at; i++) {
            String pred = p.graph().get(i);
            if (p.expected().contains(pred) && !isUpdated(p, pred, deps)) {
                return false;
            }
        }
        return true;
    }

    /**
     * IsImageUpdated (components.go ~561): the Deployment's container image equals the GLOBAL
     * {@code spec.components.image} (so a component pinned to its own image never counts, FACTS §8.3) and its state
     * is Complete: not paused (FACTS §8.4), not held, not rolling, the rollout done.
     */
    private static boolean isUpdated(Pass p, String comp, Map<String, Deployment> deps) {
        Deployment d = deps.get(comp);
        return d != null && p.image().equals(imageOf(d)) && !Boolean.TRUE.equals(d.getSpec().getPaused()) && rolloutComplete(d, p.now())
                && !p.rolling(comp);
    }

    private static boolean rolloutComplete(Deployment d, long now) {
        return now >= readyAt(d) && !isHeld(d);
    }

    private static boolean isHeld(Deployment d) {
        return "true".equals(d.getMetadata().getAnnotations().get(HELD));
    }

    /** ComponentDeployStatus.GetState (milvus_types.go ~324) on the status as reported. */
    private static String state(long generation, DeploymentStatus ds) {
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
    private boolean writeStatus(Pass p, Map<String, Object> old, Map<String, Deployment> deps) {
        Map<String, Object> components = p.components();
        String image = p.image();
        Map<String, Object> deployStatus = new LinkedHashMap<>();
        if (Version.parse(options.operatorVersion()).map(v -> v.isBefore(Version.of(1, 3, 8))).orElse(false)) {
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
                // makeWorkloadDeploymentMap (conditions.go ~380): a two-Deployment component that is rolling reports Progressing False/Rolling.
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
                && options.stuckTerminating().contains(d.getMetadata().getLabels().get(MilvusApi.LABEL_COMPONENT))
                && "update".equals(d.getMetadata().getAnnotations().get(ROLLOUT)) && rolloutComplete(d, p.now()));
        String mode = str(components.getOrDefault("imageUpdateMode", "rollingUpgrade"));
        String pending = "[" + String.join(",", updating) + "]";
        Map<String, Object> updatedCondition = terminating
                ? condition(old, "MilvusUpdated", false, "MilvusComponentsUpdating", "Milvus has terminating pods")
                : updatingImage && "rollingUpgrade".equals(mode)
                ? condition(old, "MilvusUpdated", false, "MilvusUpgradingImage", "Milvus is performing rolling upgrade pending components" + pending)
                : updatingImage && "rollingDowngrade".equals(mode)
                ? condition(old, "MilvusUpdated", false, "MilvusDowngradingImage", "{Milvus is performing rolling downgrade, pending components" + pending + "}")
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
        client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(p.ns()).resource(p.cr()).updateStatus();
        lastStatusWrite.set(Instant.now());
        statusWrites.incrementAndGet();
        return true;
    }

    /**
     * FACTS §3 and §8.5: EtcdReady, StorageReady and MsgStreamReady as the status syncer writes them: ready with the
     * operator's reasons and messages (conditions.go GetEtcdCondition, GetMinioCondition; pkg/external/pulsar.go
     * MQReadyCondition), or False as {@link #setDependencyDown} says.
     */
    private List<Map<String, Object>> dependencyConditions(Map<String, Object> old) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String type : SimulatorOptions.DEPENDENCY_CONDITIONS) {
            SimulatorOptions.Dependency down = dependenciesDown.get(type);
            out.add(down != null ? condition(old, type, false, down.reason(), down.message())
                    : condition(old, type, true, type, "EtcdReady".equals(type) ? "Etcd endpoints is healthy" : ""));
        }
        return out;
    }

    /** IsDependencyReady (utils.go ~285): all three dependency conditions True in the status as stored. */
    private static boolean isDependencyReady(Map<String, Object> status) {
        if (!(status.get("conditions") instanceof List<?> list)) {
            return false; // not probed yet: a new instance waits for the first status write, as it waits for the operator's syncer
        }
        return SimulatorOptions.DEPENDENCY_CONDITIONS.stream().allMatch(type -> list.stream().map(SimulatedMilvusOperator::map)
                .anyMatch(c -> type.equals(c.get("type")) && "True".equals(c.get("status"))));
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

    /** FACTS §8.8: an operator release before 1.3.0 (v1.2.x) has none of the 2.6 logic. */
    static boolean isLegacy(String operatorVersion) {
        return Version.parse(operatorVersion).map(v -> v.release().isBefore(Version.of(1, 3, 0))).orElse(false);
    }

    /** config.DefaultMilvusImage of the operator release (see {@link #DEFAULT_MILVUS_TAG}); the newest when unparsable. */
    static String defaultImage(String operatorVersion) {
        Version v = Version.parse(operatorVersion).map(Version::release).orElse(DEFAULT_MILVUS_TAG.lastKey());
        Map.Entry<Version, String> e = Optional.ofNullable(DEFAULT_MILVUS_TAG.floorEntry(v)).orElse(DEFAULT_MILVUS_TAG.firstEntry());
        return "milvusdb/milvus:" + e.getValue();
    }

    /**
     * FACTS §2 "Defaults for cluster mode" (milvus_webhook.go DefaultComponents ~388-446, defaultComponentsReplicas
     * ~448-509; v1.2.8 for {@code legacy}); returns whether anything changed.
     */
    static boolean applyDefaults(Map<String, Object> spec, String defaultImage, boolean legacy) {
        Map<String, Object> before = deepCopy(spec);
        Map<String, Object> components = child(spec, "components");
        Map<String, Object> dependencies = child(spec, "dependencies");
        components.putIfAbsent("image", defaultImage);
        components.putIfAbsent("imageUpdateMode", "rollingUpgrade");
        components.putIfAbsent("enableRollingUpdate", true);
        components.putIfAbsent("rollingMode", 2);
        boolean ge26 = !legacy && isVersionGE26(components);
        boolean anyCoord = COORDS.stream().anyMatch(c -> components.get(c) != null);
        if (components.get("mixCoord") == null) {
            if (!anyCoord) {
                components.put("mixCoord", new LinkedHashMap<String, Object>());
            } else {
                COORDS.forEach(c -> components.computeIfAbsent(c, k -> new LinkedHashMap<String, Object>()));
            }
        }
        if (ge26 && components.get("mixCoord") == null) {
            components.put("mixCoord", new LinkedHashMap<String, Object>()); // ≥ 2.6 forces mixCoord, even with separate coordinators
        }
        if (components.get("mixCoord") != null) {
            defaultReplicas(components, "mixCoord", 1);
        } else {
            COORDS.forEach(c -> defaultReplicas(components, c, 1));
        }
        if (!ge26) {
            defaultReplicas(components, "indexNode", 1);
        }
        boolean streaming = useStreamingNode(components, legacy);
        if (streaming) {
            defaultReplicas(components, "streamingNode", 1); // FACTS §8.14: one streaming node unless the spec says otherwise
        }
        if (!legacy) {
            // FACTS §8.7 (~433-440): cluster mode always writes streamingMode, true or false. On ≥ 2.6 UseStreamingNode
            // is true whatever streamingMode says, so an explicit false becomes true when the image moves to 2.6.
            components.put("streamingMode", streaming);
        }
        for (String c : List.of("dataNode", "queryNode", "proxy")) {
            defaultReplicas(components, c, 1);
        }
        defaultReplicas(components, "standalone", 0);
        dependencies.putIfAbsent("msgStreamType", "pulsar");
        return !before.equals(spec);
    }

    /**
     * UseStreamingNode (milvus_types.go ~191-203, FACTS §8.7): ≥ 2.6 always; else an explicit streamingMode wins;
     * else whether a streamingNode spec is there. v1.2.8 knows no streamingMode and no 2.6: the spec alone decides.
     */
    static boolean useStreamingNode(Map<String, Object> components, boolean legacy) {
        if (legacy) {
            return components.get("streamingNode") != null;
        }
        if (isVersionGE26(components)) {
            return true;
        }
        if (components.get("streamingMode") instanceof Boolean explicit) {
            return explicit;
        }
        return components.get("streamingNode") != null;
    }

    /** FACTS §4 "Which components are reconciled" (components.go GetComponentsBySpec ~138). */
    static List<String> componentsBySpec(Map<String, Object> components, boolean ge26, boolean legacy) {
        List<String> list = new ArrayList<>();
        if (components.get("cdc") != null && !legacy) {
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
        if (useStreamingNode(components, legacy)) {
            list.add("streamingnode");
        }
        return list;
    }

    /** FACTS §4 "Rolling order" (components.go GetDependencies, deployment_updater.go IsUpgradingTo26 ~717). */
    static List<String> dependencyGraph(Map<String, Object> components, boolean upgrading26, boolean legacy) {
        if (upgrading26) {
            return UPGRADE26_GRAPH;
        }
        if (useStreamingNode(components, legacy)) {
            return legacy ? LEGACY_STREAMING_GRAPH : STREAMING_GRAPH;
        }
        return components.get("mixCoord") != null ? MIXCOORD_GRAPH : CLUSTER_GRAPH;
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

    /** The component's field under spec.components, e.g. {@code queryNode} for {@code querynode}. */
    static String specKey(String comp) {
        return switch (comp) {
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
    }

    /** FACTS §2, §9.4: {@code replicas: -1} means a user's HPA manages the component (milvusDeploymentUpdater.IsHPAEnabled). */
    static boolean hpaManaged(Map<String, Object> components, String comp) {
        return map(components.get(specKey(comp))).get("replicas") instanceof Number n && n.intValue() < 0;
    }

    /** Operators before v1.3.6 never finish a two-Deployment rollout under a user's HPA (FACTS §9.4, #458). */
    private boolean userHpaHangs() {
        return Version.parse(options.operatorVersion()).map(v -> v.release().isBefore(Version.of(1, 3, 6))).orElse(false);
    }

    private static int replicas(Map<String, Object> components, String comp) {
        Object r = map(components.get(specKey(comp))).get("replicas");
        return r instanceof Number n ? Math.max(0, n.intValue()) : "standalone".equals(comp) ? 0 : 1;
    }

    /** FACTS §8.3: {@code spec.components.<c>.image} wins over the global image for that component's container (MergeComponentSpec ~734). */
    static String targetImage(Map<String, Object> components, String comp) {
        String own = str(map(components.get(specKey(comp))).get("image"));
        return own.isEmpty() ? str(components.get("image")) : own;
    }

    /** FACTS §8.4: the merged {@code paused}: the global one or the component's (MergeComponentSpec ~730; deploy_ctrl.go IsPaused ~209). */
    static boolean isPaused(Map<String, Object> components, String comp) {
        return Boolean.TRUE.equals(components.get("paused")) || Boolean.TRUE.equals(map(components.get(specKey(comp))).get("paused"));
    }

    /**
     * FACTS §8.11: the merged pod annotations, the component's with the global ones over them: MergeComponentSpec
     * (~728) merges with the global map last, and MergeLabels lets the later map win on a shared key.
     */
    static Map<String, String> podAnnotations(Map<String, Object> components, String comp) {
        Map<String, String> out = new LinkedHashMap<>();
        map(map(components.get(specKey(comp))).get("podAnnotations")).forEach((k, v) -> out.put(k, str(v)));
        map(components.get("podAnnotations")).forEach((k, v) -> out.put(k, str(v)));
        return out;
    }

    private static void defaultReplicas(Map<String, Object> components, String key, int replicas) {
        Map<String, Object> c = components.get(key) instanceof Map<?, ?> ? child(components, key) : new LinkedHashMap<>();
        c.putIfAbsent("replicas", replicas);
        components.put(key, c);
    }

    /** The two-Deployment bookkeeping keys (label_annotations.go): the group a Deployment is, on the Deployment. */
    static String groupLabel(String comp) {
        return "milvus.io/" + comp + "-group-id";
    }

    /** The group that is current, an annotation on the CR. */
    static String currentGroupAnnotation(String comp) {
        return "milvus.io/" + comp + "-current-group-id";
    }

    /** Present on the CR while the component rolls, its value the generation that started it. */
    static String rollingLabel(String comp) {
        return "milvus.io/" + comp + "-rolling-id";
    }

    static long readyAt(Deployment d) {
        return Long.parseLong(Objects.requireNonNullElse(d.getMetadata().getAnnotations().get(READY_AT), "0"));
    }

    static String imageOf(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    static Map<String, String> podAnnotationsOf(Deployment d) {
        return Optional.ofNullable(d.getSpec().getTemplate().getMetadata()).map(m -> m.getAnnotations()).map(Map::copyOf).orElse(Map.of());
    }

    private static int replicasOf(Deployment d) {
        return Optional.ofNullable(d.getSpec().getReplicas()).orElse(1);
    }

    private static Integer asInt(Object o) {
        return o instanceof Number n ? n.intValue() : null;
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

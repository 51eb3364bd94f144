package dev.milvusupgrade.sim;

import static dev.milvusupgrade.sim.OperatorComponents.componentsBySpec;
import static dev.milvusupgrade.sim.OperatorComponents.dependencyGraph;
import static dev.milvusupgrade.sim.OperatorComponents.isImageGE26;
import static dev.milvusupgrade.sim.OperatorComponents.isVersionGE26;
import static dev.milvusupgrade.sim.OperatorDefaults.applyDefaults;
import static dev.milvusupgrade.sim.OperatorDefaults.defaultImage;
import static dev.milvusupgrade.sim.OperatorDefaults.isLegacy;
import static dev.milvusupgrade.sim.OperatorFacts.currentGroupAnnotation;
import static dev.milvusupgrade.sim.OperatorFacts.groupLabel;
import static dev.milvusupgrade.sim.OperatorStatus.isDependencyReady;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.NEVER;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.imageOf;
import static dev.milvusupgrade.sim.Unstructured.deepCopy;
import static dev.milvusupgrade.sim.Unstructured.map;
import static dev.milvusupgrade.sim.Unstructured.str;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 *
 * <p>Its parts follow the operator's own source files: this class is the controller loop and ReconcileMilvus
 * (milvus_controller.go, milvus.go); {@link OperatorDefaults} (milvus_webhook.go), {@link OperatorComponents}
 * (components.go), {@link OperatorRollout} (deployments.go, deploy_ctrl*.go, deployment_updater.go),
 * {@link OperatorStatus} (status_cluster.go, conditions.go), {@link OperatorCleanup} (deployments.go
 * cleanup*IfNeeded); the operator's names are in {@link OperatorFacts}. {@link SimulatedDeploymentController} plays
 * Kubernetes' Deployment controller. To add a behaviour: find the operator file that has it, add it to the part named
 * after that file, and cite the FACTS section or the file and function.
 */
public final class SimulatedMilvusOperator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SimulatedMilvusOperator.class.getName());

    private final KubernetesClient client;
    private final SimulatorOptions options;
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final Map<String, ScheduledFuture<?>> timers = new ConcurrentHashMap<>();
    private final AtomicLong passes = new AtomicLong();
    /** FACTS §8.5: the dependency conditions the operator currently finds not ready, by condition type. */
    private final Map<String, SimulatorOptions.Dependency> dependenciesDown = new ConcurrentHashMap<>();
    /** Kubernetes' Deployment controller, and the operator's own parts as its source files divide them. */
    private final SimulatedDeploymentController kube;
    private final OperatorRollout rollout;
    private final OperatorStatus status;
    private final OperatorCleanup cleanup;
    private ScheduledExecutorService loop;
    private SharedIndexInformer<GenericKubernetesResource> informer;
    private volatile boolean closed;

    public SimulatedMilvusOperator(KubernetesClient client, SimulatorOptions options) {
        this.client = client;
        this.options = options;
        this.dependenciesDown.putAll(options.dependenciesDown());
        this.kube = new SimulatedDeploymentController(client, options);
        this.rollout = new OperatorRollout(client, options, kube);
        this.status = new OperatorStatus(client, options, dependenciesDown);
        this.cleanup = new OperatorCleanup(client);
    }

    /** Watches Milvus resources in all namespaces and reconciles them; returns at once. */
    public void start() {
        loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "simulated-milvus-operator");
            t.setDaemon(true);
            return t;
        });
        informer = client.genericKubernetesResources(OperatorFacts.MILVUS).inAnyNamespace().inform(new ResourceEventHandler<>() {
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
        return status.lastWriteAt();
    }

    public long statusWrites() {
        return status.writes();
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

    private void reconcile(String ns, String name) {
        GenericKubernetesResource cr = client.genericKubernetesResources(OperatorFacts.MILVUS).inNamespace(ns).withName(name).get();
        if (cr == null) {
            return;
        }
        Map<String, String> annotations = Optional.ofNullable(cr.getMetadata().getAnnotations()).orElse(Map.of());
        if ("true".equals(annotations.get(OperatorFacts.PAUSE_RECONCILE))) {
            return;
        }
        Map<String, Object> spec = deepCopy(map(cr.getAdditionalProperties().get("spec")));
        if (!"cluster".equals(spec.get("mode"))) {
            return; // this simulator models cluster mode only
        }
        Map<String, Object> status = map(cr.getAdditionalProperties().get("status"));
        boolean legacy = isLegacy(options.operatorVersion());
        // FACTS §1: with webhooks off the controller writes the defaults back, bumping generation.
        if (applyDefaults(spec, defaultImage(options.operatorVersion()), legacy)) {
            cr.setAdditionalProperty("spec", spec);
            client.genericKubernetesResources(OperatorFacts.MILVUS).inNamespace(ns).resource(cr).update();
            return;
        }
        Map<String, Object> components = map(spec.get("components"));
        String image = str(components.get("image"));
        // FACTS §8.8: an operator before 1.3.0 has no 2.6 logic at all.
        boolean ge26 = !legacy && isVersionGE26(components);
        String currentImage = str(status.get("currentImage"));
        boolean upgrading26 = ge26 && !currentImage.isEmpty() && !isImageGE26(currentImage);
        ReconcilePass p = new ReconcilePass(ns, name, cr, components, image, ge26, upgrading26, legacy,
                componentsBySpec(components, ge26, legacy), dependencyGraph(components, upgrading26, legacy), System.currentTimeMillis());

        // A two-Deployment component: "deployments" holds its current group, "idle" the other one.
        Map<String, Deployment> deployments = new HashMap<>();
        Map<String, Deployment> idle = new HashMap<>();
        for (Deployment d : client.apps().deployments().inNamespace(ns).withLabel(OperatorFacts.LABEL_INSTANCE, name).list().getItems()) {
            String comp = d.getMetadata().getLabels().get(OperatorFacts.LABEL_COMPONENT);
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
            if (rollout.finishRollouts(p, deployments, idle)) {
                return;
            }
            for (String comp : p.expected()) {
                if (rollout.reconcileComponent(p, comp, deployments, idle)) {
                    return;
                }
            }
        } else {
            // Kubernetes' Deployment controller still reports on the Deployments the operator leaves alone.
            for (String comp : p.expected()) {
                Optional.ofNullable(deployments.get(comp)).ifPresent(d -> deployments.put(comp, kube.syncDeploymentStatus(d, p.now())));
            }
        }

        // The status of this pass is written before the cleanups below, which run on the next pass: so
        // there is a moment where the status says Ready, Updated and currentImage while the spec still
        // holds the separate coordinators or the index node (FACTS §3 item 7 is what tells it apart).
        boolean statusChanged = this.status.writeStatus(p, status, deployments);
        if (dependencyReady && !statusChanged && cleanup.cleanUp(p, spec, deployments)) {
            return;
        }
        long now = p.now();
        long next = deployments.values().stream().mapToLong(SimulatedDeploymentController::readyAt).filter(t -> t > now && t != NEVER)
                .min().orElse(0);
        if (next > 0) {
            enqueueAt(ns + "/" + name, next);
        }
        // The real operator's status syncer revisits an instance that is not Healthy and Updated every 30 s
        // (FACTS §3); compressed here, it also keeps one missed trigger from stalling a rollout for good.
        boolean behind = p.expected().stream().anyMatch(c -> deployments.get(c) == null || !image.equals(imageOf(deployments.get(c))));
        if (statusChanged || next > 0 || behind) {
            enqueueAt(ns + "/" + name, now + options.resync().toMillis());
        }
    }
}

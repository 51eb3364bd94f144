package dev.milvusupgrade.sim;

import static dev.milvusupgrade.sim.OperatorComponents.hpaManaged;
import static dev.milvusupgrade.sim.OperatorComponents.isPaused;
import static dev.milvusupgrade.sim.OperatorComponents.podAnnotations;
import static dev.milvusupgrade.sim.OperatorComponents.replicas;
import static dev.milvusupgrade.sim.OperatorComponents.targetImage;
import static dev.milvusupgrade.sim.OperatorFacts.currentGroupAnnotation;
import static dev.milvusupgrade.sim.OperatorFacts.groupLabel;
import static dev.milvusupgrade.sim.OperatorFacts.rollingLabel;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.HELD;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.NEVER;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.READY_AT;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.ROLLOUT;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.imageOf;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.isHeld;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.podAnnotationsOf;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.readyAt;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.replicasOf;
import static dev.milvusupgrade.sim.SimulatedDeploymentController.rolloutComplete;
import static dev.milvusupgrade.sim.Unstructured.str;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rolls the component Deployments: creates them, re-renders their pod templates along the dependency graph, switches
 * the groups of two-Deployment components and finishes their rollouts (pkg/controllers/deployments.go, deploy_ctrl.go,
 * deploy_ctrl_util.go, deployment_updater.go; FACTS §4, §8.1, §8.3, §8.4, §8.11, §9.4).
 */
final class OperatorRollout {

    private final KubernetesClient client;
    private final SimulatorOptions options;
    private final SimulatedDeploymentController kube;

    OperatorRollout(KubernetesClient client, SimulatorOptions options, SimulatedDeploymentController kube) {
        this.client = client;
        this.options = options;
        this.kube = kube;
    }

    /**
     * The part of a pod template the operator renders and the simulator compares: the component container's image and the
     * pod annotations.
     */
    record Template(String image, Map<String, String> podAnnotations) {
        static Template of(Deployment d) {
            return new Template(imageOf(d), podAnnotationsOf(d));
        }

        void applyTo(Deployment d) {
            d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
            d.getSpec().getTemplate().getMetadata().setAnnotations(new LinkedHashMap<>(podAnnotations));
        }
    }

    /**
     * A two-Deployment component whose new group is up: the old group is scaled to zero and the rolling label
     * removed (deploy_ctrl_util.go ScaleDeployments, LastRolloutFinished). Not while paused or in manual mode,
     * where deploy_ctrl.go returns before HandleRolling (~93-99). Returns whether it updated the CR.
     */
    boolean finishRollouts(ReconcilePass p, Map<String, Deployment> deployments, Map<String, Deployment> idle) {
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
                idle.put(comp, kube.syncDeploymentStatus(client.apps().deployments().inNamespace(p.ns()).resource(old).update(), p.now()));
            }
            done.add(comp);
        }
        if (done.isEmpty()) {
            return false;
        }
        p.cr().getMetadata().setLabels(new LinkedHashMap<>(p.cr().getMetadata().getLabels()));
        done.forEach(c -> p.cr().getMetadata().getLabels().remove(rollingLabel(c)));
        client.genericKubernetesResources(OperatorFacts.MILVUS).inNamespace(p.ns()).resource(p.cr()).update();
        return true;
    }

    /** Creates or updates one component's Deployment(s); returns whether the pass must end (it updated the CR). */
    boolean reconcileComponent(ReconcilePass p, String comp, Map<String, Deployment> deployments, Map<String, Deployment> idle) {
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
                    kube.startRollout(d, comp, false, p.now());
                    d = client.apps().deployments().inNamespace(p.ns()).resource(d).update();
                }
            }
        } else {
            d = reconcileOneDeployment(p, comp, d, paused, deployments);
        }
        d = holdIfDeadlocked(comp, d, deployments, p.image(), p.upgrading26(), p.now());
        deployments.put(comp, kube.syncDeploymentStatus(d, p.now()));
        return false;
    }

    /**
     * Roll by switching groups (deploy_ctrl.go HandleRolling, deploy_ctrl_util.go PrepareNewRollout): the idle group
     * gets the new pod template and the replicas, becomes current, and the CR is labelled as rolling until it is up.
     */
    void switchGroups(ReconcilePass p, String comp, Deployment other, Template want, int currentReplicas) {
        want.applyTo(other);
        // FACTS §9.4, planScaleForHPA: under a user's HPA the new group takes the old group's count, not the spec's -1.
        other.getSpec().setReplicas(hpaManaged(p.components(), comp) ? Math.max(1, currentReplicas) : replicas(p.components(), comp));
        kube.startRollout(other, comp, false, p.now());
        kube.syncDeploymentStatus(client.apps().deployments().inNamespace(p.ns()).resource(other).update(), p.now());
        GenericKubernetesResource cr = p.cr();
        if (cr.getMetadata().getAnnotations() == null) {
            cr.getMetadata().setAnnotations(new LinkedHashMap<>());
        }
        cr.getMetadata().getAnnotations().put(currentGroupAnnotation(comp), other.getMetadata().getLabels().get(groupLabel(comp)));
        cr.getMetadata().setLabels(new LinkedHashMap<>(Optional.ofNullable(cr.getMetadata().getLabels()).orElse(Map.of())));
        cr.getMetadata().getLabels().put(rollingLabel(comp), Long.toString(cr.getMetadata().getGeneration()));
        client.genericKubernetesResources(OperatorFacts.MILVUS).inNamespace(p.ns()).resource(cr).update();
    }

    /**
     * FACTS §8.4, deploy_ctrl.go HandleManualMode (~345-369): in manual mode a two-Deployment component's current
     * Deployment is updated only while it has 0 replicas, then at once (no dependency order); nothing is rolled or scaled.
     */
    Deployment manualMode(ReconcilePass p, String comp, Deployment d, Map<String, Deployment> deployments) {
        if (replicasOf(d) != 0) {
            return d;
        }
        Template want = desiredTemplate(p, comp, d, deployments, true);
        if (want.equals(Template.of(d))) {
            return d;
        }
        want.applyTo(d);
        kube.startRollout(d, comp, false, p.now());
        return client.apps().deployments().inNamespace(p.ns()).resource(d).update();
    }

    /**
     * A one-Deployment component (deployments.go ReconcileComponentDeployment, deployment_updater.go updateDeployment):
     * {@code spec.paused} follows the merged {@code paused} (~132), replicas follow the spec unless in manual mode
     * (~138), and the pod template is re-rendered; a changed template is a rollout, which Kubernetes holds while the
     * Deployment is paused (FACTS §8.4) and resumes when it is unpaused.
     */
    Deployment reconcileOneDeployment(ReconcilePass p, String comp, Deployment d, boolean paused, Map<String, Deployment> deployments) {
        // deployment_updater.go updateDeploymentReplicas: under a user's HPA (replicas -1) the count is the HPA's, raised to 1 from 0.
        int replicas = p.manual() ? replicasOf(d)
                : hpaManaged(p.components(), comp) ? Math.max(1, replicasOf(d)) : replicas(p.components(), comp);
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
            kube.startRollout(d, comp, paused, p.now());
        } else if (paused && !wasPaused && p.now() < readyAt(d)) {
            a.put(HELD, "true"); // paused mid-rollout: Kubernetes stops where it is
        } else if (!paused && wasPaused && a.remove(HELD) != null) {
            a.put(READY_AT, Long.toString(kube.readyAtFrom(comp, p.now())));
        }
        return client.apps().deployments().inNamespace(p.ns()).resource(d).update();
    }

    /**
     * The pod template the operator renders for {@code comp} from its current one (deployment_updater.go
     * updatePodTemplate): the merged image (FACTS §8.3; MergeComponentSpec, components.go ~734) only when
     * {@code force} (a new or stopped Deployment, ~176), rolling update is off, the mode is all or force, or the
     * dependencies are updated (~403-409), else the image it has; the merged pod annotations added to the template's
     * (FACTS §8.11; updatePodMeta ~248 adds and overwrites keys, never removes one), whatever the dependencies.
     */
    Template desiredTemplate(ReconcilePass p, String comp, Deployment d, Map<String, Deployment> deployments, boolean force) {
        boolean imageMoves = d == null || force || !p.rollingUpgrade() || predecessorsUpdated(p, comp, deployments);
        Map<String, String> annotations = new LinkedHashMap<>(d == null ? Map.of() : podAnnotationsOf(d));
        annotations.putAll(podAnnotations(p.components(), comp));
        return new Template(imageMoves ? targetImage(p.components(), comp) : imageOf(d), annotations);
    }

    /** Issue 446: the new streaming node cannot become ready while mixcoord still runs 2.5. */
    Deployment holdIfDeadlocked(String comp, Deployment d, Map<String, Deployment> deps, String image, boolean upgrading26, long now) {
        if (!options.deadlock446() || !"streamingnode".equals(comp)) {
            return d;
        }
        boolean holds = upgrading26 && image.equals(imageOf(d)) && deps.get("mixcoord") != null
                && !image.equals(imageOf(deps.get("mixcoord")));
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
    Deployment create(ReconcilePass p, String comp, boolean paused, Map<String, Deployment> deployments) {
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

    Deployment create(ReconcilePass p, String comp, String group, Template template, int replicas, boolean paused) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(OperatorFacts.LABEL_INSTANCE, p.name());
        labels.put(OperatorFacts.LABEL_COMPONENT, comp);
        labels.put(OperatorFacts.LABEL_NAME, "milvus");
        labels.put(OperatorFacts.LABEL_MANAGED_BY, "milvus-operator");
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
                .withNewSpec().withReplicas(replicas).withPaused(paused ? Boolean.TRUE : null).withMinReadySeconds(30)
                .withProgressDeadlineSeconds(2_592_000)
                .withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).withAnnotations(new LinkedHashMap<>(template.podAnnotations()))
                .endMetadata()
                .withNewSpec().addNewContainer().withName(comp).withImage(template.image()).endContainer().endSpec().endTemplate()
                .endSpec().build();
        return client.apps().deployments().inNamespace(p.ns()).resource(d).create();
    }

    /**
     * RollingUpdateImageDependencyReady (deployment_updater.go ~682) asks the component's predecessor in the graph
     * whether it IsImageUpdated; asking every earlier component present, as here, comes to the same order.
     */
    static boolean predecessorsUpdated(ReconcilePass p, String comp, Map<String, Deployment> deps) {
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
    static boolean isUpdated(ReconcilePass p, String comp, Map<String, Deployment> deps) {
        Deployment d = deps.get(comp);
        return d != null && p.image().equals(imageOf(d)) && !Boolean.TRUE.equals(d.getSpec().getPaused()) && rolloutComplete(d, p.now())
                && !p.rolling(comp);
    }

    /** Operators before v1.3.6 never finish a two-Deployment rollout under a user's HPA (FACTS §9.4, #458). */
    boolean userHpaHangs() {
        return SimVersion.parse(options.operatorVersion()).map(v -> v.release().isBefore(SimVersion.of(1, 3, 6))).orElse(false);
    }
}

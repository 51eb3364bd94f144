package dev.milvusupgrade.k8s;

import dev.milvusupgrade.plan.ClusterSnapshot;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.Progress;
import dev.milvusupgrade.plan.Stage;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Waits for the operator to finish a stage. It watches the Milvus resource and its Deployments
 * with informers and judges every change on the informer caches, so a wait costs two watch
 * streams and no polling. The operator's Deployments never report Failed for a stuck rollout
 * (their progress deadline is 30 days), so the stage timeout is ours.
 */
public final class StageWaiter {

    /** How a wait ended. */
    public sealed interface Outcome {
        record Completed(ClusterSnapshot snapshot) implements Outcome {
        }

        record TimedOut(String message) implements Outcome {
        }

        record Drifted(String message) implements Outcome {
        }

        record Deadlocked(String message) implements Outcome {
        }

        record Vanished(String message) implements Outcome {
        }
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final Duration deadlockGrace;
    private final Duration progressEvery;
    private final Consumer<String> log;

    public StageWaiter(KubernetesClient client, Clock clock, Duration deadlockGrace, Duration progressEvery, Consumer<String> log) {
        this.client = client;
        this.clock = clock;
        this.deadlockGrace = deadlockGrace;
        this.progressEvery = progressEvery;
        this.log = log;
    }

    public Outcome await(ClusterSnapshot start, Stage stage, Duration timeout) {
        return await(start, stage, timeout, () -> { });
    }

    /** Waits; {@code firstPending} runs once, the first time the stage is seen not complete. */
    public Outcome await(ClusterSnapshot start, Stage stage, Duration timeout, Runnable firstPending) {
        String ns = start.namespace();
        String name = start.name();
        Semaphore changed = new Semaphore(0);
        ResourceEventHandler<Object> onAnyChange = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object obj) {
                changed.release();
            }

            @Override
            public void onUpdate(Object oldObj, Object newObj) {
                changed.release();
            }

            @Override
            public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
                changed.release();
            }
        };
        Instant deadline = clock.instant().plus(timeout);
        try (SharedIndexInformer<GenericKubernetesResource> milvus = client.genericKubernetesResources(MilvusApi.MILVUS)
                .inNamespace(ns).withName(name).inform(cast(onAnyChange), 0);
                SharedIndexInformer<Deployment> deployments = client.apps().deployments().inNamespace(ns)
                        .withLabel(MilvusApi.LABEL_INSTANCE, name).inform(cast(onAnyChange), 0)) {
            boolean pendingSeen = false;
            Instant deadlockSince = null;
            String lastSummary = "";
            Instant lastLine = Instant.EPOCH;
            boolean quiet = false;
            while (true) {
                Instant now = clock.instant();
                // The informer caches are the fast path. After a quiet interval we read afresh once: a
                // watch that dropped and resumed may have missed an event, and a cache never tells.
                GenericKubernetesResource m = quiet ? client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).withName(name).get()
                        : milvus.getStore().getByKey(ns + "/" + name);
                if (m == null) {
                    return new Outcome.Vanished("Milvus " + ns + "/" + name + " was deleted during stage " + stage.name()
                            + "; fix: restore it from your manifests, then rerun");
                }
                List<Deployment> deps = quiet ? new ClusterGateway(client).deployments(ns, name) : deployments.getStore().list();
                ClusterSnapshot snap = SnapshotMapper.toSnapshot(m, deps, start.operator());
                Progress p = Progress.evaluate(stage, snap);
                if (p instanceof Progress.Done && !quiet) {
                    // Two watch streams can be out of step: completion is confirmed on one fresh read.
                    quiet = true;
                    continue;
                }
                if (p instanceof Progress.Done) {
                    return new Outcome.Completed(snap);
                }
                if (p instanceof Progress.Drifted d) {
                    return new Outcome.Drifted("spec.components.image changed to " + d.image() + " during stage " + stage.name()
                            + " by " + d.manager().orElse("an unknown field manager") + ", not by this tool"
                            + "; fix: make the owner of the Milvus spec (GitOps repo or person) say " + stage.image() + ", then rerun");
                }
                if (!pendingSeen) {
                    pendingSeen = true;
                    firstPending.run();
                }
                String summary;
                if (p instanceof Progress.Deadlock446 dl) {
                    deadlockSince = deadlockSince == null ? now : deadlockSince;
                    summary = dl.detail() + " (normal while the streaming node starts; operator issue 446 if it lasts "
                            + Intent.format(deadlockGrace) + ")";
                    if (!now.isBefore(deadlockSince.plus(deadlockGrace)) || !now.isBefore(deadline)) {
                        return new Outcome.Deadlocked(deadlockMessage(stage, dl, Duration.between(deadlockSince, now)));
                    }
                } else {
                    deadlockSince = null;
                    summary = ((Progress.Waiting) p).summary();
                }
                if (!summary.equals(lastSummary) || !now.isBefore(lastLine.plus(progressEvery))) {
                    log.accept("stage " + stage.name() + " waiting: " + summary);
                    lastSummary = summary;
                    lastLine = now;
                }
                if (!now.isBefore(deadline)) {
                    return new Outcome.TimedOut("stage " + stage.name() + " did not complete within " + Intent.format(timeout)
                            + "; behind: " + summary + "; fix: check the operator logs and 'kubectl get pods -l "
                            + MilvusApi.LABEL_INSTANCE + "=" + name + "', then rerun to resume this stage");
                }
                Duration wait = min(Duration.between(now, deadline), progressEvery);
                if (deadlockSince != null) {
                    wait = min(wait, Duration.between(now, deadlockSince.plus(deadlockGrace)));
                }
                quiet = !changed.tryAcquire(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
                changed.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome.TimedOut("interrupted while waiting for stage " + stage.name() + "; fix: rerun to resume it");
        }
    }

    static String deadlockMessage(Stage stage, Progress.Deadlock446 dl, Duration stuckFor) {
        return "stage " + stage.name() + " is deadlocked as in milvus-operator issue 446 (" + dl.detail() + ", for "
                + Intent.format(stuckFor) + "): the new streaming node waits for a 2.6 mixcoord and the operator waits for the"
                + " streaming node; fix: set spec.components.imageUpdateMode to all, so the operator updates mixcoord without"
                + " waiting for the streaming node, rerun to wait for " + stage.image() + ", then set it back to rollingUpgrade";
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @SuppressWarnings("unchecked")
    private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> h) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) h;
    }
}

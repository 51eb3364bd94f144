package dev.milvusupgrade.k8s;

import dev.milvusupgrade.plan.ClusterSnapshot;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.Progress;
import dev.milvusupgrade.plan.Stage;
import dev.milvusupgrade.plan.WaitPolicy;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * Waits for the operator to finish a stage. It watches the Milvus resource and its Deployments
 * with informers ({@link InstanceWatch}: two of its own per wait, or one pair shared by a fleet) and
 * judges every change on the informer caches, so a wait costs no polling. The operator's Deployments
 * never report Failed for a stuck rollout (their progress deadline is 30 days), so the stage timeout
 * is ours.
 */
public final class StageWaiter {

    /** How a wait ended. */
    public sealed interface Outcome {
        /**
         * The stage is complete, confirmed on a fresh read and again after the settle period.
         *
         * @param observedAt when a fresh read first showed it complete
         * @param beforeWait whether it was already complete when the wait began (it finished while no run watched)
         */
        record Completed(ClusterSnapshot snapshot, Instant observedAt, boolean beforeWait) implements Outcome {
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
    private final InstanceWatch watch;
    private final Clock clock;
    private final Waiter waiter;
    private final WaitPolicy policy;
    private final Consumer<String> log;

    /**
     * @param settle how long a complete stage must stay complete before the wait ends: the operator
     *     revisits a Healthy, Updated instance only every 60 s, and removed components' pods outlive
     *     the status that said Done (FACTS §8.10)
     */
    public StageWaiter(KubernetesClient client, Clock clock, Duration deadlockGrace, Duration progressEvery, Duration settle,
            Consumer<String> log) {
        this(client, InstanceWatch.perInstance(client), clock, deadlockGrace, progressEvery, settle, log);
    }

    /**
     * A waiter whose cached view and change notifications come from {@code watch}, e.g. one
     * {@link SharedInstanceWatch} for a whole fleet; the fresh reads that end a wait still go to {@code client}.
     */
    public StageWaiter(KubernetesClient client, InstanceWatch watch, Clock clock, Duration deadlockGrace, Duration progressEvery,
            Duration settle, Consumer<String> log) {
        this.client = client;
        this.watch = watch;
        this.clock = clock;
        this.waiter = Waiter.of(clock);
        this.policy = new WaitPolicy(progressEvery, progressEvery, settle, deadlockGrace);
        this.log = log;
    }

    public Outcome await(ClusterSnapshot start, Stage stage, Duration timeout) {
        return await(start, stage, "stage " + stage.name(), timeout, () -> { });
    }

    /**
     * Waits; {@code label} starts every progress line (e.g. "stage 2/2 2.6.4"), {@code firstPending}
     * runs once, the first time the stage is seen not complete.
     */
    public Outcome await(ClusterSnapshot start, Stage stage, String label, Duration timeout, Runnable firstPending) {
        String ns = start.namespace();
        String name = start.name();
        Semaphore changed = new Semaphore(0);
        Instant deadline = clock.instant().plus(timeout);
        try (InstanceWatch.View view = watch.open(ns, name, changed::release)) {
            boolean pendingSeen = false;
            Instant deadlockSince = null;
            Instant doneSince = null;
            String lastLine = "";
            Instant lastLineAt = Instant.EPOCH;
            boolean fresh = false;
            while (true) {
                Instant now = clock.instant();
                // The informer caches are the fast path and only say when to look: every decision that ends the
                // wait (complete, drifted, vanished) is taken on a fresh read. An informer's first list may come
                // from a watch cache that has not seen our patch yet (FACTS §8.9), and a watch that dropped and
                // resumed may have missed an event.
                GenericKubernetesResource m = fresh
                        ? client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).withName(name).get()
                        : view.milvus().orElse(null);
                if (m == null && !fresh) {
                    fresh = true;
                    continue;
                }
                if (m == null) {
                    return new Outcome.Vanished("Milvus " + ns + "/" + name + " was deleted during stage " + stage.name()
                            + "; fix: restore it from your manifests, then rerun");
                }
                List<Deployment> deps = fresh ? new ClusterGateway(client).deployments(ns, name) : view.deployments();
                ClusterSnapshot snap = SnapshotMapper.toSnapshot(m, deps, start.operator());
                Progress p = Progress.evaluate(stage, snap);
                if (!fresh && (p instanceof Progress.Done || p instanceof Progress.Drifted)) {
                    fresh = true;
                    continue;
                }
                fresh = false;
                if (p instanceof Progress.Drifted d) {
                    return new Outcome.Drifted("spec.components.image changed to " + d.image() + " during stage " + stage.name()
                            + " by " + d.manager().orElse("an unknown field manager") + ", not by this tool"
                            + "; fix: make the owner of the Milvus spec (GitOps repo or person) say " + stage.image() + ", then rerun");
                }
                Duration wait;
                if (p instanceof Progress.Done) {
                    if (doneSince == null) {
                        doneSince = now;
                        if (!policy.settle().isZero()) {
                            log.accept(label + ": complete; confirming again in " + Intent.format(policy.settle()));
                        }
                    }
                    if (!now.isBefore(policy.settledAt(doneSince))) {
                        return new Outcome.Completed(snap, doneSince, !pendingSeen);
                    }
                    wait = policy.nextSettleLook(now, doneSince);
                } else {
                    if (doneSince != null) {
                        log.accept(label + ": no longer complete, waiting again");
                        doneSince = null;
                    }
                    if (!pendingSeen) {
                        pendingSeen = true;
                        firstPending.run();
                    }
                    String line;
                    String detail;
                    if (p instanceof Progress.Deadlock446 dl) {
                        deadlockSince = deadlockSince == null ? now : deadlockSince;
                        line = dl.detail() + " (normal while the streaming node starts; operator issue 446 if it lasts "
                                + Intent.format(policy.deadlockGrace()) + ")";
                        detail = dl.detail();
                        if (policy.deadlockLasted(deadlockSince, now) || !now.isBefore(deadline)) {
                            return new Outcome.Deadlocked(deadlockMessage(stage, dl, Duration.between(deadlockSince, now)));
                        }
                    } else {
                        deadlockSince = null;
                        line = ((Progress.Waiting) p).brief();
                        detail = ((Progress.Waiting) p).summary();
                    }
                    if (policy.progressLineDue(line, lastLine, lastLineAt, now)) {
                        log.accept(label + ": " + line);
                        lastLine = line;
                        lastLineAt = now;
                    }
                    if (!now.isBefore(deadline)) {
                        return new Outcome.TimedOut("stage " + stage.name() + " did not complete within " + Intent.format(timeout)
                                + "; behind: " + detail + "; fix: check the operator logs and 'kubectl get pods -l "
                                + MilvusApi.LABEL_INSTANCE + "=" + name + "', then rerun to resume this stage");
                    }
                    wait = policy.nextStageLook(now, deadline, Optional.ofNullable(deadlockSince));
                }
                fresh = !waiter.await(changed, wait);
                changed.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome.TimedOut("interrupted while waiting for stage " + stage.name() + "; fix: rerun to resume it");
        }
    }

    /**
     * Issue 446 and its way out, with the way out's own risk: imageUpdateMode all rolls every
     * component at once, so a 2.6 proxy can come up beside 2.5 query nodes (milvus#42492, FACTS §8.6).
     */
    static String deadlockMessage(Stage stage, Progress.Deadlock446 dl, Duration stuckFor) {
        return "stage " + stage.name() + " looks deadlocked as in milvus-operator issue 446 (" + dl.detail() + ", for "
                + Intent.format(stuckFor) + "): the new streaming node waits for a 2.6 mixcoord and the operator waits for the"
                + " streaming node; confirm first: the streaming node's log shows 'bad resolver state' with '>=2.6.0-dev'"
                + " (kubectl logs -l " + MilvusApi.LABEL_COMPONENT + "=streamingnode), not a slow image pull; fix: stop writes to"
                + " Milvus, set spec.components.imageUpdateMode to all and the intent key " + Intent.ALLOW_UNORDERED_ROLLOUT
                + " to \"true\", rerun to wait for " + stage.image() + ", then set imageUpdateMode back to rollingUpgrade;"
                + " imageUpdateMode all rolls querynode, datanode and proxy together with mixcoord, and a 2.6 proxy beside 2.5 query"
                + " nodes failed every read and write in milvus#42492";
    }
}

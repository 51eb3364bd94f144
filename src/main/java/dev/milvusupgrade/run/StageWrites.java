package dev.milvusupgrade.run;

import dev.milvusupgrade.k8s.ClusterGateway;
import dev.milvusupgrade.k8s.StageWaiter;
import dev.milvusupgrade.k8s.StageWaiter.Outcome;
import dev.milvusupgrade.plan.Catalogue;
import dev.milvusupgrade.plan.ClusterSnapshot;
import dev.milvusupgrade.plan.Component;
import dev.milvusupgrade.plan.Decision;
import dev.milvusupgrade.plan.MilvusRef;
import dev.milvusupgrade.plan.Stage;
import dev.milvusupgrade.plan.StageGuard;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The writes of a run to the Milvus resource: the stage patch and the milvus#47806 restarts. Each is sent only while
 * the run holds its Lease ({@link StageGuard#beforeWrite}): a run that lost it writes nothing more.
 */
final class StageWrites {

    private final ClusterGateway cluster;
    private final RunContext ctx;
    private final RunLog log;
    private final MilvusRef ref;
    private final StageWaiter waiter;
    private final Catalogue catalogue;

    StageWrites(ClusterGateway cluster, RunContext ctx, MilvusRef ref, StageWaiter waiter, Catalogue catalogue) {
        this.cluster = cluster;
        this.ctx = ctx;
        this.log = ctx.log();
        this.ref = ref;
        this.waiter = waiter;
        this.catalogue = catalogue;
    }

    /**
     * The milvus#47806 remedy: restart mixcoord, then the streaming nodes, each through its
     * podAnnotations in the Milvus resource, and wait for each roll with the stage's completion rule.
     * Returns why it could not finish, if it could not.
     */
    Optional<String> remedy47806(RunState run, Stage stage, String label, Duration timeout) {
        for (Component c : List.of(Component.MIXCOORD, Component.STREAMINGNODE)) {
            log.info(label + ": restarting " + c.statusKey() + " (milvus#47806 remedy)");
            StageGuard.beforeWrite(ClusterUpgrade.lease(run.lock), "restarting " + c.statusKey()).ifPresent(ClusterUpgrade::stopLater);
            cluster.restart(ref.namespace(), ref.name(), c, now().toString());
            ClusterSnapshot s = cluster.read(ref).orElseThrow(() -> new IllegalStateException("Milvus " + ref
                    + " disappeared during the milvus#47806 remedy; fix: restore it, then rerun"));
            Outcome o = waiter.await(s, stage, label + " restart " + c.statusKey(), timeout, () -> { });
            if (!(o instanceof Outcome.Completed)) {
                return Optional.of("restarting " + c.statusKey() + ": " + failure(o));
            }
        }
        return Optional.empty();
    }

    /**
     * Applies the stage patch guarded by resourceVersion, and only while this run holds its Lease. The operator writes
     * status often, so a conflict is ordinary: re-read, check that this stage is still the next step of a fresh plan
     * and not yet applied, and try again, a bounded number of times.
     */
    ClusterSnapshot patch(RunState run, Stage stage, ClusterSnapshot basis) {
        ClusterSnapshot s = basis;
        for (int attempt = 1; ; attempt++) {
            // Checked right before every write: a backup or a slow read may have taken longer than the Lease.
            StageGuard.beforeWrite(ClusterUpgrade.lease(run.lock), "patching stage " + stage.name()).ifPresent(ClusterUpgrade::stopLater);
            if (attempt == 1) {
                log.info("stage " + stage.name() + ": patching Milvus " + ref + " with " + stage.patch());
            }
            if (cluster.tryApplyStage(s, stage) == ClusterGateway.Applied.APPLIED) {
                return s;
            }
            s = cluster.read(ref).orElseThrow(() -> new RetryLater("Milvus " + ref + " disappeared while stage " + stage.name()
                    + " was about to be applied; rerun to plan again"));
            if (stage.isApplied(s)) {
                return s;
            }
            Decision again = ctx.settings().policy().plan(run.intent, s, catalogue);
            if (attempt >= 5 || !(again instanceof Decision.Staged st) || !st.plan().stages().get(0).equals(stage)) {
                throw new RetryLater("Milvus " + ref + " changed while stage " + stage.name()
                        + " was about to be applied; rerun to plan again");
            }
            log.info("stage " + stage.name() + ": resourceVersion conflict, retrying on a fresh read (" + attempt + ")");
        }
    }

    /** What a stage's wait that did not complete says. */
    static String failure(Outcome o) {
        if (o instanceof Outcome.TimedOut t) {
            return t.message();
        }
        if (o instanceof Outcome.Drifted d) {
            return d.message();
        }
        if (o instanceof Outcome.Deadlocked d) {
            return d.message();
        }
        return ((Outcome.Vanished) o).message();
    }

    private Instant now() {
        return ctx.now();
    }
}

package dev.milvusupgrade.plan;

import java.util.Optional;

/**
 * When a run must not start from the cluster as it finds it (issue 21): the checkpoint of an upgrade under way is the
 * only memory of the baseline its data checks compare with, and of the backup taken. A run that finds the spec
 * already showing one of its stages but no checkpoint, or a checkpoint it cannot read, would otherwise take a fresh
 * baseline from a half-upgraded cluster, and whatever the interrupted stage lost would become "nothing lost". It
 * refuses instead, unless the intent says {@value Intent#ACCEPT_CLUSTER_AS_IS}.
 */
public final class CheckpointGuard {

    private CheckpointGuard() {
    }

    /** Where the checkpoint of {@code milvusRef} ({@code namespace/name}) is kept, for messages. */
    static String where(String milvusRef) {
        String[] ref = milvusRef.split("/", 2);
        // The Lease's name is the RunLock's (k8s/): milvus-upgrade-<milvus>.
        return "Lease " + ref[0] + "/milvus-upgrade-" + (ref.length > 1 ? ref[1] : ref[0]);
    }

    /** The refusal for a record that is there but cannot be read. */
    public static Rejection unreadable(String milvusRef, String why) {
        return Rejection.of("the checkpoint of the upgrade of Milvus " + milvusRef + " cannot be read (" + why + "), so the run does not"
                + " start the upgrade again from an unknown state",
                "restore the annotation " + "milvus-upgrade.dev/result on " + where(milvusRef)
                + ", or set " + Intent.ACCEPT_CLUSTER_AS_IS + ": \"true\" in the intent to take the cluster as it is now"
                + " (a fresh data-check baseline), rerun, then remove the key");
    }

    /**
     * The refusal when the plan's first stage is already in the spec (an upgrade under way) but no checkpoint of it
     * exists; empty when there is one, the stage is not applied, or the intent accepts the cluster as it is.
     */
    public static Optional<Rejection> lost(Intent intent, Plan plan, ClusterSnapshot s, boolean checkpointed) {
        return intent.acceptClusterAsIs() ? Optional.empty() : lost(plan, s, checkpointed);
    }

    private static Optional<Rejection> lost(Plan plan, ClusterSnapshot s, boolean checkpointed) {
        if (checkpointed || plan.stages().isEmpty() || !plan.stages().get(0).isApplied(s)) {
            return Optional.empty();
        }
        Stage first = plan.stages().get(0);
        return Optional.of(Rejection.of("checkpoint lost: the spec of Milvus " + plan.milvus() + " already shows stage " + first.name()
                + " (image " + first.image() + "), an upgrade under way, but there is no record of it on " + where(plan.milvus())
                + " nor on the intent; a fresh data-check baseline now would hide whatever the interrupted stage lost",
                "find out what happened to the Lease (and check the data yourself), then set " + Intent.ACCEPT_CLUSTER_AS_IS + ": \"true\" in"
                + " the intent to accept the cluster as it is, rerun, and remove the key"));
    }

    /**
     * The refusal when the record says the data check's full baseline was kept but it is not there, cannot be read, or is
     * another one ({@code why}): the same "checkpoint lost" as a lost record, never a fresh baseline silently.
     */
    public static Rejection baselineLost(String milvusRef, String why) {
        return Rejection.of("checkpoint lost: the data check's baseline of the upgrade of Milvus " + milvusRef + " is gone (" + why
                + "); a fresh baseline now would hide whatever an interrupted stage lost",
                "find out what happened to it (and check the data yourself), then set " + Intent.ACCEPT_CLUSTER_AS_IS
                + ": \"true\" in the intent to accept the cluster as it is, rerun, and remove the key");
    }

    /**
     * The warning a run records when it takes a fresh baseline because the kept one is gone and the intent accepts the cluster as it is.
     */
    public static String baselineAccepted(String why) {
        return "the data check's baseline was lost (" + why + "); the cluster was accepted as it is (" + Intent.ACCEPT_CLUSTER_AS_IS
                + "), with a fresh data-check baseline: remove the key";
    }

    /**
     * The warning a run records when it goes on because the intent accepts the cluster as it is; empty when there was nothing to accept.
     */
    public static Optional<String> accepted(Intent intent, Optional<String> unreadable, Plan plan, ClusterSnapshot s,
            boolean checkpointed) {
        if (!intent.acceptClusterAsIs()) {
            return Optional.empty();
        }
        if (unreadable.isPresent()) {
            return Optional.of("the checkpoint could not be read (" + unreadable.get() + "); the cluster was accepted as it is ("
                    + Intent.ACCEPT_CLUSTER_AS_IS + "), with a fresh data-check baseline: remove the key");
        }
        return lost(plan, s, checkpointed).map(r -> "no checkpoint of the upgrade under way; the cluster was accepted as it is ("
                + Intent.ACCEPT_CLUSTER_AS_IS + "), with a fresh data-check baseline: remove the key");
    }
}

package dev.milvusupgrade.run;

import dev.milvusupgrade.k8s.RecordCodec;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.RunRecord;
import java.util.Optional;

/**
 * Where this cluster's upgrade was asked for and is recorded: the intent ConfigMap for a single
 * cluster; for a fleet, the cluster's own record beside the fleet intent.
 */
interface UpgradeHome {
    /** The namespace of the intent: the Milvus namespace when the intent names none. */
    String namespace();

    String intentName();

    /** What reading the record of an earlier run of this cluster gave: none, the record, or why it cannot be read. */
    RecordCodec.Read recorded();

    /** The record of an earlier run of this cluster, if any: what a rerun resumes from. */
    default Optional<RunRecord> previous() {
        return recorded().record();
    }

    /** Why the record of an earlier run is there but cannot be read (bad JSON, another format), if so. */
    default Optional<String> unreadable() {
        return recorded() instanceof RecordCodec.Read.Unreadable u ? Optional.of(u.why()) : Optional.empty();
    }

    void save(RunRecord r);

    /** The intent for this cluster as it is now; empty when the intent was deleted. */
    Optional<Checked<Intent>> intentNow();

    /** Why no further stage may start (a fleet halted by another cluster's failure), if so. */
    default Optional<String> haltedBefore(String stage) {
        return Optional.empty();
    }
}

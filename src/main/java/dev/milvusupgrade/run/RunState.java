package dev.milvusupgrade.run;

import dev.milvusupgrade.k8s.RunLock;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.Plan;
import dev.milvusupgrade.plan.RunRecord;
import java.util.Optional;
import java.util.OptionalInt;

/** The run under way: what the stages change as they go. */
final class RunState {
    final Plan plan;
    final RunLock lock;
    final Intent planned;
    final OptionalInt backupAt;
    Intent intent;
    RunRecord record;
    Optional<DataGate> gate = Optional.empty();
    Optional<BackupGate> backup = Optional.empty();

    RunState(Intent planned, Plan plan, RunRecord record, RunLock lock, OptionalInt backupAt) {
        this.planned = planned;
        this.intent = planned;
        this.plan = plan;
        this.record = record;
        this.lock = lock;
        this.backupAt = backupAt;
    }
}

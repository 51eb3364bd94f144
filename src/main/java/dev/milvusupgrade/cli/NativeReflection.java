package dev.milvusupgrade.cli;

import dev.milvusupgrade.plan.DataCheck;
import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.FleetRecord;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The product types that reach Jackson, registered for reflection so that the native binary binds them as the jar does:
 * the records written to annotations with their components. Today RecordCodec and FleetStore turn them into Maps by hand,
 * so Jackson sees only Maps, Lists, strings and numbers; registering them keeps a direct binding from breaking the native
 * binary. JacksonBindingTest finds the bound types in the bytecode and fails on one missing here, or listed here and no
 * longer bound. fabric8's model types (the Milvus resource is a GenericKubernetesResource, and Deployment, Lease,
 * ConfigMap, Secret, Event) are registered by quarkus-kubernetes-client itself; Milvus's and milvus-backup's answers and
 * requests are JsonNode trees and Maps, which need no registration.
 */
@RegisterForReflection(targets = {
    RunRecord.class, RunRecord.StageRecord.class, RunRecord.StagePhase.class, RunRecord.BackupRecord.class, Phase.class,
    DataCheckRecord.class, DataCheckRecord.Totals.class, DataCheckRecord.StageCheck.class, DataCheckRecord.Outcome.class,
    DataCheckRecord.Probe.class, DataCheck.Mode.class,
    FleetRecord.class, FleetRecord.Line.class, FleetRecord.State.class})
public final class NativeReflection {

    private NativeReflection() {
    }
}

package dev.milvusupgrade.plan;

import java.util.List;

/** What the planner decided for an intent and a cluster. */
public sealed interface Decision {

    /** Refused before any change. */
    record Refuse(Rejection rejection) implements Decision {
    }

    /** The cluster already runs the target and the operator finished rolling it. */
    record NoOp(String milvus, Version version, List<String> warnings) implements Decision {
    }

    /** Stages to run. */
    record Staged(Plan plan) implements Decision {
    }
}

package dev.milvusupgrade.plan;

import java.util.Optional;

/** Why a run stops before its next step: what a {@link StageGuard} rule says. */
public sealed interface Stop {

    /**
     * The run ends here: {@code phase} and {@code message} are recorded and emitted; {@code note}, if any, is logged first.
     * An {@code Interrupted} end has no finish time: the next run resumes it.
     */
    record End(Phase phase, String message, Optional<String> note) implements Stop {
        public End(Phase phase, String message) {
            this(phase, message, Optional.empty());
        }
    }

    /** The run stops without an end on its record (it stays Running), and exits 75 so that the next run resumes it. */
    record Later(String message) implements Stop {
    }
}

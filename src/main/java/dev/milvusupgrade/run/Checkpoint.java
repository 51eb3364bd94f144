package dev.milvusupgrade.run;

/**
 * The points in a run where a crash leaves a distinct state behind. The runner announces each one
 * to a {@link Listener}; production passes a no-op, the resume tests kill the run there.
 */
public enum Checkpoint {
    /** About to write the result annotation. */
    RECORD,
    /** The plan is made and holds the Lease; no stage has been looked at again yet. */
    PLANNED,
    /** The stage is recorded as Running, its patch not yet sent. */
    BEFORE_PATCH,
    /** The patch is in the spec, the wait has not started. */
    AFTER_PATCH,
    /** Waiting for the operator, the stage not yet complete. */
    MID_WAIT,
    /** A stage completed and was recorded; the next one has not started. */
    BETWEEN_STAGES;

    /** Told about every checkpoint a run passes. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (checkpoint, stage) -> { };

        void reached(Checkpoint checkpoint, String stage);
    }
}

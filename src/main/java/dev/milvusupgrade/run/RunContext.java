package dev.milvusupgrade.run;

import dev.milvusupgrade.plan.MilvusRef;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** What every step of one cluster's run works with: the time, the settings, the log and the checkpoints it announces. */
record RunContext(Clock clock, Runner.Settings settings, RunLog log, Checkpoint.Listener checkpoints) {

    static RunContext of(Runner.Tools tools, String runId) {
        return new RunContext(tools.clock(), tools.settings(), new RunLog(tools.log(), Optional.empty(), runId), tools.checkpoints());
    }

    /** The same context, its log about {@code ref}. */
    RunContext about(MilvusRef ref) {
        return new RunContext(clock, settings, log.about(ref), checkpoints);
    }

    /** Now, to the millisecond, as records write times. */
    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}

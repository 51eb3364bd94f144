package dev.milvusupgrade.run;

import dev.milvusupgrade.plan.MilvusRef;
import dev.milvusupgrade.plan.Rejection;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The log of one run of one cluster: which cluster and which run it is about, and one short line per change. A warning
 * is a line starting {@code warning: }, which the command line logs at WARN.
 */
final class RunLog implements Consumer<String> {

    /** What starts every warning line. */
    static final String WARNING = "warning: ";

    private final Consumer<String> sink;
    private final Optional<MilvusRef> cluster;
    private final String runId;

    RunLog(Consumer<String> sink, Optional<MilvusRef> cluster, String runId) {
        this.sink = sink;
        this.cluster = cluster;
        this.runId = runId;
    }

    /** The same log, about {@code ref}. */
    RunLog about(MilvusRef ref) {
        return new RunLog(sink, Optional.of(ref), runId);
    }

    Optional<MilvusRef> cluster() {
        return cluster;
    }

    String runId() {
        return runId;
    }

    void info(String line) {
        sink.accept(line);
    }

    void warn(String line) {
        sink.accept(WARNING + line);
    }

    void refused(Rejection why) {
        sink.accept("refused: " + why.message());
    }

    /** For the gates that take a plain line sink. */
    @Override
    public void accept(String line) {
        info(line);
    }
}

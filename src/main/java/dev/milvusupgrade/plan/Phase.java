package dev.milvusupgrade.plan;

/** The phase of a run, as recorded in the milvus-upgrade.dev/phase annotation. */
public enum Phase {
    Planned(0), Running(0), Succeeded(0), NoOp(0), Deferred(0), Paused(0), Rejected(2), Failed(1),
    /** Stopped by SIGTERM (the Job's deadline, an eviction) where the record says; the next run resumes it, so 75. */
    Interrupted(75);

    private final int exitCode;

    Phase(int exitCode) {
        this.exitCode = exitCode;
    }

    /** The process exit code of the contract for a run that ended in this phase. */
    public int exitCode() {
        return exitCode;
    }

    public boolean isTerminal() {
        return this != Running && this != Interrupted;
    }
}

package dev.milvusupgrade.plan;

/** The phase of a run, as recorded in the milvus-upgrade.dev/phase annotation. */
public enum Phase {
    Planned(ExitCode.OK), Running(ExitCode.OK), Succeeded(ExitCode.OK), NoOp(ExitCode.OK), Deferred(ExitCode.OK), Paused(ExitCode.OK),
    Rejected(ExitCode.REJECTED), Failed(ExitCode.FAILED),
    /** Stopped by SIGTERM (the Job's deadline, an eviction) where the record says; the next run resumes it, so 75. */
    Interrupted(ExitCode.TEMPORARY);

    private final ExitCode exit;

    Phase(ExitCode exit) {
        this.exit = exit;
    }

    /** The exit code of the contract for a run that ended in this phase. */
    public ExitCode exit() {
        return exit;
    }

    /** The process exit code of the contract for a run that ended in this phase. */
    public int exitCode() {
        return exit.code();
    }

    public boolean isTerminal() {
        return this != Running && this != Interrupted;
    }
}

package dev.milvusupgrade.plan;

/**
 * The process exit codes of the contract, in one place: the command line returns them, the Jobs' podFailurePolicy
 * maps them (ManifestsTest checks k8s/ and the Helm chart against {@link #retried()}), and the README's exit-code
 * table lists them (ExitCodeReadmeTest).
 */
public enum ExitCode {
    /** Succeeded, NoOp, Deferred, Paused, or a plan/status that worked. */
    OK(0, false),
    /** A stage started and did not complete, or the run stopped after changing the cluster: a retry cannot help. */
    FAILED(1, false),
    /** Rejected before any change: a retry cannot help until someone fixes what the message says. */
    REJECTED(2, false),
    /** Temporary (EX_TEMPFAIL): the Lease is held, the API server failed, or SIGTERM stopped the run; the Job retries. */
    TEMPORARY(75, true);

    private final int code;
    private final boolean retried;

    ExitCode(int code, boolean retried) {
        this.code = code;
        this.retried = retried;
    }

    /** The number the process exits with. */
    public int code() {
        return code;
    }

    /**
     * Whether the Job retries a pod that exited with it (podFailurePolicy {@code Count}); a failing code that is not
     * retried ends the Job ({@code FailJob}). {@link #OK} is not a failure at all.
     */
    public boolean retried() {
        return retried;
    }

    /** Whether the pod failed with it: every code but {@link #OK}. */
    public boolean isFailure() {
        return this != OK;
    }
}

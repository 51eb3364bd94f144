package dev.milvusupgrade.run;

import dev.milvusupgrade.k8s.ApiFailure;
import dev.milvusupgrade.k8s.Waiter;
import dev.milvusupgrade.plan.WaitPolicy;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeoutException;

/** A failure a later run may not have: another run holds the lock, the API server is unreachable. Exit 75. */
public class RetryLater extends RuntimeException {
    public RetryLater(String message) {
        super(message);
    }

    /**
     * Whether a retry may succeed where this failed: the lock was busy, the API server could not be
     * reached, did not answer in time or dropped the connection (fabric8 reports these without an
     * HTTP code), or it answered 409, 429 or 5xx. A run that stops on such a failure leaves its checkpoint for the next run.
     */
    public static boolean isTemporary(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RetryLater || t instanceof IOException || t instanceof TimeoutException) {
                return true;
            }
        }
        return ApiFailure.of(e).map(ApiFailure::temporary).orElse(false);
    }

    /**
     * Waits {@code every}, or until {@code deadline} if that comes first, between two attempts at
     * something outside the cluster (Milvus, milvus-backup) that has no watch to wait on.
     */
    static void pause(Clock clock, Instant deadline, Duration every) {
        try {
            Waiter.of(clock).sleep(WaitPolicy.pause(clock.instant(), deadline, every));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryLater("interrupted while waiting to try again");
        }
    }
}

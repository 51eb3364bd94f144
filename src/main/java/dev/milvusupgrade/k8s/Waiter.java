package dev.milvusupgrade.k8s;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * How a run waits between two looks at something: on a wake-up signal (an informer saw a change) or
 * until a duration has passed on the run's clock. The run never calls {@code Thread.sleep} itself, so
 * that a test can give it a clock that is also a {@code Waiter} and run a 10 s stage timeout in a
 * fraction of that.
 */
public interface Waiter {

    /** Real time: the clock's seconds are the machine's. */
    Waiter REAL = (wake, d) -> wake.tryAcquire(Math.max(1, d.toMillis()), TimeUnit.MILLISECONDS);

    /**
     * Waits until {@code wake} has a permit (and takes it) or {@code d} has passed on the clock this
     * waiter goes with; true if woken.
     */
    boolean await(Semaphore wake, Duration d) throws InterruptedException;

    /** Waits {@code d} on the clock this waiter goes with. */
    default void sleep(Duration d) throws InterruptedException {
        await(new Semaphore(0), d);
    }

    /** The waiter that goes with {@code clock}: the clock itself when it is one (a test's), else {@link #REAL}. */
    static Waiter of(Clock clock) {
        return clock instanceof Waiter w ? w : REAL;
    }
}

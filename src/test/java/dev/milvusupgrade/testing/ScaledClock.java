package dev.milvusupgrade.testing;

import dev.milvusupgrade.k8s.Waiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A clock that runs {@code rate} times faster than the machine's once a test says so, and waits on that
 * time: a run given it reaches a 10 s stage timeout after 10 s on its own clock (and says so) but after
 * 1 s of the test's at rate 10. Everything outside the run (the simulated operator, Leases) keeps real
 * time, so a test speeds the clock up only once the state it wants timed out is reached ({@link #fastOnce}):
 * on a loaded machine the operator may still be rolling the other components.
 */
public final class ScaledClock extends Clock implements Waiter {

    /** Where this clock's time stood at {@code baseNanos} of the machine's, and how fast it runs from there. */
    private record Pace(Instant base, long baseNanos, long rate) {
        Instant at(long nanos) {
            return base.plusNanos((nanos - baseNanos) * rate);
        }
    }

    private volatile Pace pace = new Pace(Instant.now(), System.nanoTime(), 1);
    private final Set<Semaphore> waiting = ConcurrentHashMap.newKeySet();

    /** Faster by {@code rate} from the start. */
    public ScaledClock(long rate) {
        faster(rate);
    }

    /** Real time until {@link #faster} or {@link #fastOnce}. */
    public ScaledClock() {
    }

    /** From now on, {@code rate} times faster; a run waiting now looks again at once. */
    public synchronized void faster(long rate) {
        if (rate < 1) {
            throw new IllegalArgumentException("rate must be at least 1: " + rate);
        }
        long now = System.nanoTime();
        pace = new Pace(pace.at(now), now, rate);
        waiting.forEach(Semaphore::release);
    }

    /**
     * Runs {@code rate} times faster as soon as {@code condition} holds (checked every 20 ms on a daemon thread, for at
     * most {@code within}); returns this clock.
     */
    public ScaledClock fastOnce(BooleanSupplier condition, Duration within, long rate) {
        Thread t = new Thread(() -> {
            try {
                Await.until(within, "the state to time out", condition);
                faster(rate);
            } catch (AssertionError e) {
                // the test's own assertions say what was not reached
            }
        }, "scaled-clock");
        t.setDaemon(true);
        t.start();
        return this;
    }

    @Override
    public boolean await(Semaphore wake, Duration d) throws InterruptedException {
        waiting.add(wake);
        try {
            return wake.tryAcquire(Math.max(1, d.toNanos() / pace.rate()), TimeUnit.NANOSECONDS);
        } finally {
            waiting.remove(wake);
        }
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("always UTC");
    }

    @Override
    public Instant instant() {
        return pace.at(System.nanoTime());
    }
}

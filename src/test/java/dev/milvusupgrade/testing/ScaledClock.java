package dev.milvusupgrade.testing;

import dev.milvusupgrade.k8s.Waiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A clock that runs {@code rate} times faster than the machine's, and waits on that time: a run given it
 * reaches a 10 s stage timeout after 10 s on its own clock (and says so) but 1 s of the test's at rate 10.
 * Everything outside the run (the simulated operator, Leases) keeps real time.
 */
public final class ScaledClock extends Clock implements Waiter {

    private final long rate;
    private final Instant origin = Instant.now();
    private final long originNanos = System.nanoTime();

    public ScaledClock(long rate) {
        if (rate < 1) {
            throw new IllegalArgumentException("rate must be at least 1: " + rate);
        }
        this.rate = rate;
    }

    @Override
    public boolean await(Semaphore wake, Duration d) throws InterruptedException {
        return wake.tryAcquire(Math.max(1, d.toNanos() / rate), TimeUnit.NANOSECONDS);
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
        return origin.plusNanos((System.nanoTime() - originNanos) * rate);
    }
}

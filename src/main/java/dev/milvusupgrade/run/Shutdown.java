package dev.milvusupgrade.run;

import dev.milvusupgrade.plan.ExitCode;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A request to stop (SIGTERM: the Job's activeDeadlineSeconds, an eviction, a node drain) and the run's answer to it.
 * The JVM's shutdown hook calls {@link #request}, which interrupts the working thread and waits, at most the grace
 * given, until the run has recorded where it stopped ({@code Interrupted}), emitted its Event and released its
 * Lease ({@link #finished}). Tests call {@link #request} the same way, from another thread. A fleet works on several
 * threads: each cluster's upgrade is interrupted on its own ({@link #workOn} while it runs, {@link #release} after).
 */
public final class Shutdown {

    private final AtomicReference<String> reason = new AtomicReference<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private final Set<Thread> workers = ConcurrentHashMap.newKeySet();
    private volatile int exitCode = ExitCode.TEMPORARY.code();

    /** A thread doing the run: one {@link #request} interrupts. */
    public synchronized Shutdown workOn(Thread t) {
        workers.add(t);
        return this;
    }

    /** {@code t} no longer does the run: a request no longer interrupts it (it checks {@link #requested} instead). */
    public synchronized void release(Thread t) {
        workers.remove(t);
    }

    /** Asks the run to stop ({@code why}, e.g. "SIGTERM"), and waits at most {@code grace} for it to have stopped cleanly. */
    public boolean request(String why, Duration grace) {
        reason.compareAndSet(null, why);
        synchronized (this) {
            workers.forEach(Thread::interrupt);
        }
        try {
            return done.await(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Why the run was asked to stop, once it was. */
    public Optional<String> requested() {
        return Optional.ofNullable(reason.get());
    }

    /** The run has recorded where it stopped and released what it held: the process may end, with {@code code}. */
    public void finished(int code) {
        exitCode = code;
        done.countDown();
    }

    /** The exit code the finished run asked for (75 until it finished: the next run resumes). */
    public int exitCode() {
        return exitCode;
    }
}

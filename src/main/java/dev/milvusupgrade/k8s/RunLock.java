package dev.milvusupgrade.k8s;

import dev.milvusupgrade.plan.LeaseExpiry;
import dev.milvusupgrade.plan.LeaseNames;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One run per Milvus instance at a time: a coordination.k8s.io Lease
 * {@code milvus-upgrade-<milvus>} ({@link LeaseNames}) in the Milvus namespace, held and renewed while a run works. A
 * Lease this run has watched unrenewed for its whole duration, on its own monotonic clock ({@link LeaseExpiry}: never
 * the holder's renewTime alone), is taken over; every write is guarded by resourceVersion so two runs cannot both win.
 */
public final class RunLock implements AutoCloseable {

    /** Why the lock was not taken. */
    public static final class Busy extends RuntimeException {
        public Busy(String message) {
            super(message);
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final String holder;
    private final Duration duration;
    private final Clock clock;
    private final Consumer<String> log;
    private final AtomicBoolean lost = new AtomicBoolean();
    /**
     * When the request of this run's last successful Lease write was sent, on this process's monotonic clock: the
     * API server stored the renewal after that moment, so another run may take the Lease only after that plus its
     * duration. Neither this holder's wall clock (which may jump) nor the renewTime it wrote decides; a write that
     * took long to come back counts from when it left.
     */
    private volatile long renewedAtNanos = System.nanoTime() - Duration.ofDays(1).toNanos();
    private ScheduledExecutorService renewer;

    public RunLock(KubernetesClient client, String namespace, String milvus, String holder, Duration duration, Clock clock,
            Consumer<String> log) {
        this(leaseName(milvus), client, namespace, holder, duration, clock, log);
    }

    private RunLock(String leaseName, KubernetesClient client, String namespace, String holder, Duration duration, Clock clock,
            Consumer<String> log) {
        this.client = client;
        this.namespace = namespace;
        this.name = leaseName;
        this.holder = holder;
        this.duration = duration;
        this.clock = clock;
        this.log = log;
    }

    public String leaseName() {
        return name;
    }

    /** The Lease of Milvus {@code milvus}: a single-cluster run and a fleet take the same one ({@link LeaseNames#milvus}). */
    public static String leaseName(String milvus) {
        return LeaseNames.milvus(milvus);
    }

    /** The lock on the Lease {@code leaseName} exactly, a name from {@link LeaseNames}. */
    public static RunLock named(KubernetesClient client, String namespace, String leaseName, String holder, Duration duration, Clock clock,
            Consumer<String> log) {
        return new RunLock(leaseName, client, namespace, holder, duration, clock, log);
    }

    /**
     * Takes the Lease or throws {@link Busy}; then renews it every third of its duration. A Lease another run holds is
     * judged by {@link LeaseExpiry}: refused at once when its renewTime is believable and says it is live, otherwise
     * watched on this process's monotonic clock, refused as soon as it changes, taken over once it has stayed unchanged
     * for its whole duration.
     */
    public RunLock acquire() {
        long sent = System.nanoTime();
        Lease lease = client.leases().inNamespace(namespace).withName(name).get();
        // Watched from when the first answer came back: any renewal it shows was sent before then, so the holder's own
        // deadline (its renewal's send time plus the duration, RunLock#lost) has passed before this run takes over.
        long firstSeen = System.nanoTime();
        LeaseExpiry.Observed first = observed(lease);
        while (true) {
            Duration watched = Duration.ofNanos(Math.max(0, sent - firstSeen));
            LeaseExpiry.Verdict verdict = LeaseExpiry.judge(first, observed(lease), watched, clock.instant(), duration);
            if (verdict instanceof LeaseExpiry.Held held) {
                throw new Busy("another run (" + held.holder() + ") holds Lease " + namespace + "/" + name + " " + held.why()
                        + "; retry later");
            }
            if (verdict instanceof LeaseExpiry.Watch watch) {
                pause(watch.remaining());
                sent = System.nanoTime();
                lease = client.leases().inNamespace(namespace).withName(name).get();
                continue;
            }
            if (verdict instanceof LeaseExpiry.Expired expired) {
                log.accept("taking over Lease " + namespace + "/" + name + " from " + expired.holder() + ": not renewed for "
                        + expired.unchangedFor().toSeconds() + " s while this run watched");
            }
            break;
        }
        take(lease);
        renewedAtNanos = sent;
        renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lease-renewer");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(200, duration.toMillis() / 3);
        renewer.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    private static LeaseExpiry.Observed observed(Lease lease) {
        if (lease == null || lease.getSpec() == null) {
            return new LeaseExpiry.Observed("", Optional.empty(), Duration.ZERO, "");
        }
        return new LeaseExpiry.Observed(Optional.ofNullable(lease.getSpec().getHolderIdentity()).orElse(""),
                Optional.ofNullable(lease.getSpec().getRenewTime()).map(ZonedDateTime::toInstant),
                Duration.ofSeconds(Math.max(0, Optional.ofNullable(lease.getSpec().getLeaseDurationSeconds()).orElse(0))),
                Optional.ofNullable(lease.getMetadata().getResourceVersion()).orElse(""));
    }

    /** Waits a tenth of the Lease's remaining duration (between 50 ms and 1 s) before reading it again: a renewal comes every third. */
    private void pause(Duration remaining) {
        long millis = Math.min(remaining.toMillis(), Math.max(50, Math.min(1000, duration.toMillis() / 10)));
        try {
            Thread.sleep(Math.max(1, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Busy("stopped while watching whether Lease " + namespace + "/" + name + " is still renewed; retry later");
        }
    }

    /** Writes this run as the holder: creates the Lease, or updates the one read (its resourceVersion guards the write). */
    private void take(Lease lease) {
        ZonedDateTime now = ZonedDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
        try {
            if (lease == null) {
                client.leases().inNamespace(namespace).resource(new LeaseBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                        .endMetadata().withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds((int) duration.toSeconds())
                        .withAcquireTime(now).withRenewTime(now).withLeaseTransitions(0).endSpec().build()).create();
            } else {
                lease.getSpec().setHolderIdentity(holder);
                lease.getSpec().setLeaseDurationSeconds((int) duration.toSeconds());
                lease.getSpec().setAcquireTime(now);
                lease.getSpec().setRenewTime(now);
                lease.getSpec().setLeaseTransitions(Optional.ofNullable(lease.getSpec().getLeaseTransitions()).orElse(0) + 1);
                client.leases().inNamespace(namespace).resource(lease).update();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw new Busy("another run took Lease " + namespace + "/" + name + " at the same moment; retry later");
            }
            throw e;
        }
    }

    /**
     * Whether another holder took the Lease away, or renewals failed for so long that it expired and
     * another run may have taken it: this run then must not write to the Milvus resource.
     */
    public boolean lost() {
        return lost.get() || System.nanoTime() - renewedAtNanos >= duration.toNanos();
    }

    private void renew() {
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                renewOnce();
                return;
            } catch (KubernetesClientException e) {
                // A fleet writes its record on this Lease between two renewals: a conflict is ordinary, read again.
                if (e.getCode() != 409 || attempt == 3) {
                    log.accept("could not renew Lease " + namespace + "/" + name + " (" + e.getMessage() + "), will retry");
                    return;
                }
            } catch (RuntimeException e) {
                // Whatever failed, the renewer must keep its schedule: an exception here would cancel it.
                log.accept("could not renew Lease " + namespace + "/" + name + " (" + e.getMessage() + "), will retry");
                return;
            }
        }
    }

    private void renewOnce() {
        long sent = System.nanoTime();
        Lease lease = client.leases().inNamespace(namespace).withName(name).get();
        if (lease == null || !holder.equals(lease.getSpec().getHolderIdentity())) {
            lost.set(true);
            log.accept("lost Lease " + namespace + "/" + name + " to "
                    + (lease == null ? "nobody (deleted)" : lease.getSpec().getHolderIdentity()));
            renewer.shutdown();
            return;
        }
        ZonedDateTime now = ZonedDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
        lease.getSpec().setRenewTime(now);
        client.leases().inNamespace(namespace).resource(lease).update();
        renewedAtNanos = sent;
    }

    /** Stops renewing and releases the Lease so the next run need not wait for it to expire. */
    @Override
    public void close() {
        if (renewer == null) {
            return;
        }
        renewer.shutdownNow();
        try {
            renewer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (lost.get()) {
            return;
        }
        // A renewal interrupted above may still land after the read below (the request is not cancelled with its thread):
        // its 409 is no reason to leave the Lease held until it expires, so read again.
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                Lease lease = client.leases().inNamespace(namespace).withName(name).get();
                if (lease != null && holder.equals(lease.getSpec().getHolderIdentity())) {
                    lease.getSpec().setHolderIdentity(null);
                    lease.getSpec().setRenewTime(null);
                    client.leases().inNamespace(namespace).resource(lease).update();
                }
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 3) {
                    log.accept("could not release Lease " + namespace + "/" + name + " (" + e.getCode() + "); it expires by itself");
                    return;
                }
            }
        }
    }
}

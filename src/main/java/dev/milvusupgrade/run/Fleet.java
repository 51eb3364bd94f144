package dev.milvusupgrade.run;

import dev.milvusupgrade.k8s.ApiFailure;
import dev.milvusupgrade.k8s.ApiResult;
import dev.milvusupgrade.k8s.EventRecorder;
import dev.milvusupgrade.k8s.FleetStore;
import dev.milvusupgrade.k8s.FleetStore.Listed;
import dev.milvusupgrade.k8s.FleetWatch;
import dev.milvusupgrade.k8s.InstanceWatch;
import dev.milvusupgrade.k8s.IntentStore;
import dev.milvusupgrade.k8s.Kube;
import dev.milvusupgrade.k8s.RecordCodec;
import dev.milvusupgrade.k8s.RunLock;
import dev.milvusupgrade.k8s.StageWaiter;
import dev.milvusupgrade.plan.CanaryChoice;
import dev.milvusupgrade.plan.Catalogue;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.Rejection;
import dev.milvusupgrade.plan.ClusterSnapshot;
import dev.milvusupgrade.plan.FleetIntent;
import dev.milvusupgrade.plan.FleetPlan;
import dev.milvusupgrade.plan.FleetPlan.Start;
import dev.milvusupgrade.plan.FleetPlan.Stop;
import dev.milvusupgrade.plan.FleetRecord;
import dev.milvusupgrade.plan.FleetRecord.Line;
import dev.milvusupgrade.plan.FleetRecord.State;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.LeaseNames;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * A fleet run: selects the clusters, orders them, upgrades the canaries one at a time and then the
 * rest up to maxConcurrent at once, each through exactly the single-cluster path
 * ({@link ClusterUpgrade}) under its own Lease, and keeps the compact fleet record on the intent.
 */
public final class Fleet {

    /** Told about every checkpoint a cluster of the fleet passes, with the cluster ({@code namespace/name}). */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (milvus, checkpoint, stage) -> { };

        void reached(String milvus, Checkpoint checkpoint, String stage);
    }

    /** What a fleet run reports to the command line: the record, and for {@code plan} a line per cluster. */
    public record Report(FleetRecord record, List<String> plan) {
        public int exitCode() {
            return record.exitCode();
        }
    }

    /** One selected cluster: as listed, and as planned ({@link FleetPlan#member}). */
    private record Member(Listed listed, FleetPlan.Member plan) {
        String ref() {
            return listed.ref();
        }
    }

    private final Runner.Tools tools;
    private final Kube kube;
    private final FleetStore store;
    private final IntentStore intents;
    private final Listener listener;
    /** The lock on a Lease: (namespace, Lease name from {@link LeaseNames}). */
    private final BiFunction<String, String, RunLock> locks;
    private final Consumer<String> log;

    Fleet(Runner.Tools tools, Listener listener, BiFunction<String, String, RunLock> locks) {
        this.tools = tools;
        this.kube = tools.kube();
        this.store = kube.fleets();
        this.intents = kube.intents();
        this.listener = listener;
        this.locks = locks;
        this.log = tools.log();
    }

    Report run(String namespace, String intentName, Map<String, String> data, boolean execute, String runId) {
        // SIGTERM interrupts each cluster's upgrade while it runs; the fleet's own reads and writes are not cut short: it asks.
        tools.shutdown().release(Thread.currentThread());
        Instant started = now();
        Checked<FleetIntent> parsed = FleetIntent.parse(data, started);
        if (parsed instanceof Checked.Refused<FleetIntent> r) {
            FleetRecord refused = new FleetRecord(Phase.Rejected, data.getOrDefault(FleetIntent.SELECTOR, ""),
                    data.getOrDefault(Intent.TARGET_VERSION, ""), List.of(), r.rejection().message(), started, Optional.of(now()), runId);
            return end(execute, namespace, intentName, refused, List.of());
        }
        FleetIntent fleet = ((Checked.Ok<FleetIntent>) parsed).value();
        String target = fleet.sample().targetVersion().toString();
        FleetRecord blank = new FleetRecord(Phase.Running, fleet.selector().text(), target, List.of(), "", started, Optional.empty(),
                runId);
        // The Job's setting, not the intent, decides which namespaces a fleet may reach.
        Checked<List<String>> allowed = tools.settings().policy().fleetNamespaces(fleet.namespaces());
        if (allowed instanceof Checked.Refused<List<String>> r) {
            return end(execute, namespace, intentName, blank.ended(Phase.Rejected, r.rejection().message(), now()), List.of());
        }
        List<String> namespaces = ((Checked.Ok<List<String>>) allowed).value();
        Checked<List<Listed>> selection = select(namespace + "/" + intentName, fleet, namespaces, target);
        if (selection instanceof Checked.Refused<List<Listed>> r) {
            return end(execute, namespace, intentName, blank.ended(Phase.Rejected, r.rejection().message(), now()), List.of());
        }
        List<Listed> matching = ((Checked.Ok<List<Listed>>) selection).value();
        Checked<CanaryChoice> chosen = canaries(data, fleet, matching);
        if (chosen instanceof Checked.Refused<CanaryChoice> r) {
            return end(execute, namespace, intentName, blank.ended(Phase.Rejected, r.rejection().message(), now()), List.of());
        }
        CanaryChoice choice = ((Checked.Ok<CanaryChoice>) chosen).value();
        choice.notes().forEach(n -> log.accept("fleet " + namespace + "/" + intentName + ": " + n));
        List<Listed> selected = matching.stream()
                .sorted((a, b) -> choice.compare(a.namespace(), a.name(), a.labels(), b.namespace(), b.name(), b.labels())).toList();
        List<Member> members = plan(namespace, fleet, selected, started);
        List<FleetPlan.Member> plans = members.stream().map(Member::plan).toList();
        List<String> canaries = choice.canaries(plans, fleet.canary());
        FleetRecord record = blank.withClusters(FleetPlan.lines(plans, canaries, target, false));
        if (!execute || fleet.sample().dryRun()) {
            List<String> planLines = new ArrayList<>(FleetPlan.planLines(plans, canaries));
            planLines.forEach(l -> log.accept("  " + l));
            planLines.addAll(choice.notes()); // logged above, once
            return end(execute, namespace, intentName, record.withClusters(FleetPlan.lines(plans, canaries, target, true))
                    .ended(Phase.Planned, FleetPlan.plannedMessage(plans.size(), canaries.size(), target, fleet), now()), planLines);
        }
        if (fleet.sample().paused()) {
            return end(true, namespace, intentName, record.ended(Phase.Paused, "paused by the intent (paused: \"true\");"
                    + " nothing was changed; set paused to \"false\" to continue", now()), List.of());
        }
        // One informer per resource type for the whole fleet: across all namespaces, or one pair per namespace listed, so that
        // a fleet within namespaces whose Roles are bound needs no ClusterRole. What a wait costs then grows with changes only.
        List<String> watched = namespaces.isEmpty() ? List.of() : selected.stream().map(Listed::namespace).distinct().toList();
        return execute(namespace, intentName, fleet, members, canaries, record, watched);
    }

    /** The Milvus resources the fleet selects in {@code namespaces}, or why the fleet is refused (none, too many, no list). */
    private Checked<List<Listed>> select(String intent, FleetIntent fleet, List<String> namespaces, String target) {
        ApiResult<List<Listed>> listed = kube.milvuses(namespaces);
        if (listed instanceof ApiResult.Refused<List<Listed>> r) {
            if (!r.failure().is(ApiFailure.Kind.Forbidden)) {
                throw r.failure().cause();
            }
            return new Checked.Refused<>(new Rejection(FleetPlan.listForbidden(namespaces)));
        }
        List<Listed> found = ((ApiResult.Done<List<Listed>>) listed).value();
        List<Listed> matching = found.stream().filter(m -> fleet.selector().matches(m.labels())).toList();
        log.accept("fleet " + intent + ": " + matching.size() + " of " + found.size() + " Milvus in "
                + FleetPlan.where(namespaces) + " match " + fleet.selector() + "; target " + target);
        Optional<String> refusal = matching.isEmpty() ? Optional.of(FleetPlan.noMatch(fleet.selector(), found.size(), namespaces))
                : FleetStore.overCap(matching.size(), FleetPlan.where(namespaces));
        return refusal.<Checked<List<Listed>>>map(why -> new Checked.Refused<>(new Rejection(why))).orElse(Checked.ok(matching));
    }

    /** The canaries: the Job's setting when it is set, not the tenants' labels, decides them. */
    private Checked<CanaryChoice> canaries(Map<String, String> data, FleetIntent fleet, List<Listed> matching) {
        Map<String, Map<String, String>> labels = new LinkedHashMap<>();
        matching.forEach(m -> labels.put(m.ref(), m.labels()));
        Optional<Integer> asked = Optional.ofNullable(data.get(FleetIntent.CANARY)).filter(c -> !c.isBlank()).map(c -> fleet.canary());
        return tools.settings().policy().fleetCanaries(labels, asked);
    }

    /** Plans every selected cluster: the operator and the intent's user catalogue read once for all (a bad catalogue refuses each). */
    private List<Member> plan(String namespace, FleetIntent fleet, List<Listed> selected, Instant now) {
        ClusterSnapshot.OperatorVersion operator = tools.cluster().operatorVersion();
        Checked<Catalogue> releases = kube.catalogue(namespace, fleet.sample().releaseCatalogue());
        List<Member> members = new ArrayList<>();
        for (Listed l : selected) {
            members.add(new Member(l, FleetPlan.member(l.ref(), fleet.forCluster(l.namespace(), l.name(), now), releases,
                    () -> kube.snapshot(l, operator), tools.settings().policy())));
        }
        return members;
    }

    /** Runs the fleet under its own Lease, with the fleet's shared informers. */
    private Report execute(String namespace, String intentName, FleetIntent fleet, List<Member> members, List<String> canaries,
            FleetRecord record, List<String> watched) {
        // One run of a fleet intent at a time (an overlapping CronJob, a retried Job): Lease milvus-upgrade-fleet-<intent>.
        Kube.Taken taken = kube.take(locks.apply(namespace, LeaseNames.fleet(intentName)));
        if (taken instanceof Kube.Taken.Busy busy) {
            throw new RetryLater(busy.message());
        }
        if (taken instanceof Kube.Taken.Refused refused) {
            throw refused.failure().cause();
        }
        try (RunLock held = ((Kube.Taken.Held) taken).lock(); FleetWatch watch = kube.fleetWatch(watched)) {
            return new Run(namespace, intentName, fleet, members, canaries, record, watch).go();
        }
    }

    private Report end(boolean write, String namespace, String intentName, FleetRecord r, List<String> plan) {
        if (write) {
            store.record(namespace, intentName, r);
        }
        log.accept("fleet " + r.phase() + ": " + r.message());
        return new Report(r, plan);
    }

    /** The state of one fleet run: its lines, the halt, and the writes of the fleet record. */
    private final class Run {
        private final String namespace;
        private final String intentName;
        private final String intentRef;
        private final FleetIntent fleet;
        private final List<Member> members;
        private final List<String> canaries;
        private FleetRecord record;
        private final AtomicReference<String> halted = new AtomicReference<>();
        private final AtomicReference<RuntimeException> crashed = new AtomicReference<>();
        private final InstanceWatch watch;
        /** One for the whole run: Event names are the run id and a sequence number, which per-cluster recorders would repeat. */
        private final EventRecorder events;
        private final Shutdown shutdown;

        Run(String namespace, String intentName, FleetIntent fleet, List<Member> members, List<String> canaries, FleetRecord record,
                InstanceWatch watch) {
            this.watch = watch;
            this.events = kube.events(tools.clock(), record.runId(), log);
            this.namespace = namespace;
            this.intentName = intentName;
            this.intentRef = namespace + "/" + intentName;
            this.fleet = fleet;
            this.members = members;
            this.canaries = canaries;
            this.record = record;
            this.shutdown = tools.shutdown();
        }

        Report go() {
            write();
            for (Member m : members) {
                if (canaries.contains(m.ref())) {
                    State s = start(m).map(intent -> upgrade(m, intent)).orElseGet(() -> state(m.ref()));
                    if (s == State.Retry || stopping()) {
                        return finish(); // its Lease is held, the API server failed, or SIGTERM: the next run starts again with it
                    }
                    if (s != State.Succeeded) {
                        halt("canary " + m.ref() + " ended " + s + ", so no other cluster was started");
                    }
                    if (halted.get() != null) {
                        return finish();
                    }
                }
            }
            waves();
            if (crashed.get() != null) {
                // As a single-cluster run: the records stay as they were, and the next run resumes from them.
                throw crashed.get();
            }
            return finish();
        }

        /** The clusters after the canaries, up to maxConcurrent at once. */
        private void waves() {
            ExecutorService pool = Executors.newFixedThreadPool(fleet.maxConcurrent(), r -> {
                Thread t = new Thread(r, "fleet-cluster");
                t.setDaemon(true);
                return t;
            });
            Semaphore slots = new Semaphore(fleet.maxConcurrent());
            List<Future<?>> running = new ArrayList<>();
            try {
                for (Member m : members) {
                    if (canaries.contains(m.ref())) {
                        continue;
                    }
                    slots.acquireUninterruptibly();
                    Optional<Intent> intent = start(m);
                    if (intent.isEmpty()) {
                        slots.release();
                        continue;
                    }
                    running.add(pool.submit(() -> {
                        try {
                            upgrade(m, intent.get());
                        } catch (RuntimeException e) {
                            crashed.compareAndSet(null, e);
                        } finally {
                            slots.release();
                        }
                    }));
                }
                running.forEach(this::await);
            } finally {
                pool.shutdown();
            }
        }

        private void await(Future<?> f) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RetryLater("interrupted while the fleet's clusters were upgrading");
            } catch (ExecutionException e) {
                crashed.compareAndSet(null, new IllegalStateException(e.getCause()));
            }
        }

        private boolean stopping() {
            return shutdown.requested().isPresent();
        }

        /**
         * The intent for {@code m} as it is now, if {@code m} may start; else records why not ({@link FleetPlan#start}:
         * the fleet halted, crashed or was interrupted, the intent is paused, deleted or invalid, or the window closes).
         */
        private Optional<Intent> start(Member m) {
            Stop stop = Stop.of(crashed.get() != null, halted.get() != null, stopping());
            Start start = FleetPlan.start(m.plan(), stop, stop == Stop.NONE ? intentNow(m.listed()) : Optional.empty(), now());
            if (start instanceof Start.Skip skip) {
                skip.halt().ifPresent(this::halt);
                if (!skip.note().isEmpty()) {
                    log.accept(m.ref() + ": " + skip.note());
                }
                set(m.ref(), skip.state(), "", Optional.empty());
                return Optional.empty();
            }
            return Optional.of(((Start.Go) start).intent());
        }

        /** One cluster through the single-cluster path with {@code intent}, under its Lease; returns the state it ended in. */
        private State upgrade(Member m, Intent intent) {
            Listed l = m.listed();
            set(m.ref(), State.Running, "", Optional.empty());
            Consumer<String> clusterLog = line -> log.accept(m.ref() + ": " + line);
            Kube.Taken taken = kube.take(locks.apply(l.namespace(), LeaseNames.milvus(l.name())));
            if (taken instanceof Kube.Taken.Busy busy) {
                clusterLog.accept("not started: " + busy.message());
                return set(m.ref(), State.Retry, "", Optional.empty());
            }
            if (taken instanceof Kube.Taken.Refused refused) {
                ApiFailure f = refused.failure();
                if (f.temporary()) {
                    clusterLog.accept("not started: the API server failed (" + f.code() + "); the next run takes it up");
                    return set(m.ref(), State.Retry, "", Optional.empty());
                }
                clusterLog.accept("Rejected: this tool may not use Leases in namespace " + l.namespace() + " (" + f.code()
                        + "); fix: apply k8s/optional/fleet-namespace in " + l.namespace() + " (what a fleet may write there)");
                return set(m.ref(), State.Rejected, "", Optional.of(now()));
            }
            try (RunLock lock = ((Kube.Taken.Held) taken).lock()) {
                return upgrade(m, intent, lock, clusterLog);
            } catch (RuntimeException e) {
                if (!RetryLater.isTemporary(e)) {
                    throw e;
                }
                clusterLog.accept("stopped: " + e.getMessage() + "; the next run resumes it");
                return set(m.ref(), State.Retry, "", Optional.empty());
            }
        }

        /** The single-cluster path under {@code lock}, interrupted by SIGTERM like a single-cluster run. */
        private State upgrade(Member m, Intent intent, RunLock lock, Consumer<String> clusterLog) {
            Listed l = m.listed();
            Home home = new Home(m.ref(), l, store.clusterRead(l.namespace(), l.name(), intentRef));
            Runner.Tools t = tools.withLog(clusterLog).withCheckpoints((cp, st) -> listener.reached(m.ref(), cp, st));
            StageWaiter waiter = kube.waiter(watch, t.clock(), t.settings().deadlockGrace(), t.settings().progressEvery(),
                    t.settings().settle(), clusterLog);
            Runner.Report r;
            Thread me = Thread.currentThread();
            shutdown.workOn(me);
            try {
                r = new ClusterUpgrade(t, waiter, events, home, now(), record.runId()).decide(intent, Optional.of(lock));
            } finally {
                shutdown.release(me);
                if (stopping()) {
                    Thread.interrupted(); // what is left to write (the fleet record, the Lease's release) must not be cut short
                }
            }
            // A halt is recorded Halted when it stops the cluster (Home.haltedBefore); any other end is the cluster's own.
            State s = home.stoppedBy.get() != null ? home.stoppedBy.get() : State.of(r.record().phase());
            set(m.ref(), s, r.record().fromVersion(), r.record().finishedAt());
            if (s == State.Failed && fleet.onFailure() == FleetIntent.OnFailure.HALT && !canaries.contains(m.ref())) {
                halt(m.ref() + " failed (onFailure: halt)");
            }
            return s;
        }

        /** Halts the fleet: every cluster not started yet is recorded Halted now; clusters under way stop before their next stage. */
        private void halt(String why) {
            if (halted.compareAndSet(null, why)) {
                log.accept("fleet halted: " + why + "; clusters under way stop after their current stage");
                synchronized (this) {
                    record = record.withClusters(FleetPlan.halt(record.clusters()));
                    write();
                }
            }
        }

        private Optional<Checked<Intent>> intentNow(Listed l) {
            return intents.read(namespace, intentName)
                    .map(r -> FleetIntent.parse(r.data(), now()).map(f -> f.forCluster(l.namespace(), l.name(), now())));
        }

        private synchronized State state(String ref) {
            return record.clusters().stream().filter(l -> l.milvus().equals(ref)).findFirst().orElseThrow().state();
        }

        private synchronized State set(String ref, State s, String from, Optional<Instant> finishedAt) {
            List<Line> lines = record.clusters().stream().map(l -> l.milvus().equals(ref) ? l.with(s, from, finishedAt) : l).toList();
            record = record.withClusters(lines);
            write();
            return s;
        }

        private synchronized void write() {
            store.record(namespace, intentName, record);
        }

        private Report finish() {
            Phase p = FleetPlan.endPhase(record.clusters(), stopping());
            String msg;
            synchronized (this) {
                msg = FleetPlan.endMessage(p, record, Optional.ofNullable(halted.get()), shutdown.requested());
                record = record.ended(p, msg, now());
                write();
            }
            if (p == Phase.Interrupted) {
                events.emitOnConfigMap(true, EventRecorder.UPGRADE_INTERRUPTED, msg, namespace, intentName);
            }
            log.accept("fleet " + p + ": " + msg);
            return new Report(record, List.of());
        }

        /** A cluster's home in a fleet: its record on its Lease, the intent the fleet's, the halt the fleet's. */
        private final class Home implements UpgradeHome {
            private final String ref;
            private final Listed cluster;
            private final RecordCodec.Read recorded;
            /** What stopped this cluster from outside (the fleet's halt), recorded as such the moment it did. */
            private final AtomicReference<State> stoppedBy = new AtomicReference<>();

            Home(String ref, Listed cluster, RecordCodec.Read recorded) {
                this.ref = ref;
                this.cluster = cluster;
                this.recorded = recorded;
            }

            @Override
            public String namespace() {
                return namespace;
            }

            @Override
            public String intentName() {
                return intentName;
            }

            @Override
            public RecordCodec.Read recorded() {
                return recorded;
            }

            @Override
            public void save(RunRecord r) {
                if (unreadable().isPresent() && r.phase() == Phase.Rejected) {
                    return; // the unreadable record stays for a person to see; the fleet record says Rejected
                }
                store.saveClusterRecord(cluster.namespace(), cluster.name(), intentRef, r);
            }

            @Override
            public Optional<Checked<Intent>> intentNow() {
                return Run.this.intentNow(cluster);
            }

            @Override
            public Optional<String> haltedBefore(String stage) {
                Optional<String> why = Optional.ofNullable(halted.get()).map(h -> "the fleet halted: " + h
                        + "; fix: rerun the fleet once that is fixed");
                if (why.isPresent() && stoppedBy.compareAndSet(null, State.Halted)) {
                    set(ref, State.Halted, "", Optional.empty());
                }
                return why;
            }
        }
    }

    private Instant now() {
        return tools.clock().instant().truncatedTo(ChronoUnit.MILLIS);
    }
}

package dev.milvusupgrade.run;

import dev.milvusupgrade.k8s.CatalogueStore;
import dev.milvusupgrade.k8s.EventRecorder;
import dev.milvusupgrade.k8s.FleetStore;
import dev.milvusupgrade.k8s.FleetStore.Listed;
import dev.milvusupgrade.k8s.RecordCodec;
import dev.milvusupgrade.k8s.InstanceWatch;
import dev.milvusupgrade.k8s.IntentStore;
import dev.milvusupgrade.k8s.SharedInstanceWatch;
import dev.milvusupgrade.k8s.RunLock;
import dev.milvusupgrade.k8s.StageWaiter;
import dev.milvusupgrade.plan.Catalogue;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.ClusterSnapshot;
import dev.milvusupgrade.plan.Decision;
import dev.milvusupgrade.plan.FleetIntent;
import dev.milvusupgrade.plan.FleetRecord;
import dev.milvusupgrade.plan.FleetRecord.Line;
import dev.milvusupgrade.plan.FleetRecord.State;
import dev.milvusupgrade.plan.ImageRef;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.LeaseNames;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.Planner;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.Version;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    /**
     * One selected cluster as the fleet first saw it.
     *
     * @param planned what a dry run records for it: Planned (it needs an upgrade), NoOp or Rejected
     * @param decision the plan line for a person
     * @param view running version, whether the catalogue lists it, the recommended target; empty when not read
     */
    private record Member(Listed listed, String from, State planned, String decision, String view) {
        String ref() {
            return listed.ref();
        }

        boolean needsUpgrade() {
            return planned == State.Planned;
        }
    }

    private final Runner.Tools tools;
    private final FleetStore store;
    private final IntentStore intents;
    private final Listener listener;
    /** The lock on a Lease: (namespace, Lease name from {@link LeaseNames}). */
    private final BiFunction<String, String, RunLock> locks;
    private final Consumer<String> log;

    Fleet(Runner.Tools tools, Listener listener, BiFunction<String, String, RunLock> locks) {
        this.tools = tools;
        this.store = new FleetStore(tools.cluster().client());
        this.intents = new IntentStore(tools.cluster().client());
        this.listener = listener;
        this.locks = locks;
        this.log = tools.log();
    }

    Report run(String namespace, String intentName, Map<String, String> data, boolean execute, String runId) {
        Instant started = now();
        Checked<FleetIntent> parsed = FleetIntent.parse(data, started);
        if (parsed instanceof Checked.Refused<FleetIntent> r) {
            FleetRecord refused = new FleetRecord(Phase.Rejected, data.getOrDefault(FleetIntent.SELECTOR, ""),
                    data.getOrDefault(Intent.TARGET_VERSION, ""), List.of(), r.rejection().message(), started, Optional.of(now()), runId);
            return end(execute, namespace, intentName, refused, List.of());
        }
        FleetIntent fleet = ((Checked.Ok<FleetIntent>) parsed).value();
        String target = fleet.sample().targetVersion().toString();
        // The Job's setting, not the intent, decides which namespaces a fleet may reach.
        Checked<List<String>> allowed = tools.settings().policy().fleetNamespaces(fleet.namespaces());
        if (allowed instanceof Checked.Refused<List<String>> r) {
            return end(execute, namespace, intentName, new FleetRecord(Phase.Rejected, fleet.selector().text(), target, List.of(),
                    r.rejection().message(), started, Optional.of(now()), runId), List.of());
        }
        List<String> namespaces = ((Checked.Ok<List<String>>) allowed).value();
        String where = namespaces.isEmpty() ? "all namespaces" : "namespace(s) " + String.join(", ", namespaces);
        List<Listed> found;
        try {
            found = store.milvuses(namespaces);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403) {
                throw e;
            }
            return end(execute, namespace, intentName, new FleetRecord(Phase.Rejected, fleet.selector().text(), target, List.of(),
                    "this tool may not list Milvus resources in " + where + " (403 Forbidden); fix: " + (namespaces.isEmpty()
                            ? "apply k8s/overlays/fleet (a ClusterRole) or list the namespaces in the intent key namespaces"
                            : "bind the milvus-upgrade Role in each namespace listed, or apply k8s/overlays/fleet"),
                    started, Optional.of(now()), runId), List.of());
        }
        List<Listed> selected = found.stream().filter(m -> fleet.selector().matches(m.labels()))
                .sorted((a, b) -> FleetIntent.compare(a.namespace(), a.name(), a.labels(), b.namespace(), b.name(), b.labels())).toList();
        log.accept("fleet " + namespace + "/" + intentName + ": " + selected.size() + " of " + found.size() + " Milvus in " + where
                + " match " + fleet.selector() + "; target " + target);
        if (selected.isEmpty()) {
            return end(execute, namespace, intentName, new FleetRecord(Phase.Rejected, fleet.selector().text(), target, List.of(),
                    "the selector " + fleet.selector() + " matches none of the " + found.size() + " Milvus resource(s) in " + where
                            + "; fix: label the clusters to upgrade or correct selector and namespaces", started, Optional.of(now()), runId),
                    List.of());
        }
        Optional<String> tooMany = FleetStore.overCap(selected.size(), where);
        if (tooMany.isPresent()) {
            return end(execute, namespace, intentName, new FleetRecord(Phase.Rejected, fleet.selector().text(), target, List.of(),
                    tooMany.get(), started, Optional.of(now()), runId), List.of());
        }
        // The operator is one for all clusters: read once, not once per cluster.
        ClusterSnapshot.OperatorVersion operator = tools.cluster().operatorVersion();
        // The intent's user catalogue, read once; a bad one refuses every cluster, as each cluster's run would.
        Checked<Catalogue> releases = CatalogueStore.load(tools.cluster().client(), namespace, fleet.sample().releaseCatalogue());
        List<Member> members = new ArrayList<>();
        for (Listed l : selected) {
            members.add(member(fleet, l, operator, started, releases));
        }
        // The canaries: the first clusters in the fleet's order that still need an upgrade, so that a rerun's canary proves something.
        List<String> canaries = members.stream().filter(Member::needsUpgrade).limit(fleet.canary()).map(Member::ref).toList();
        List<Line> lines = members.stream().map(m -> new Line(m.ref(), State.Pending, canaries.contains(m.ref()), m.from(), target,
                Optional.<Instant>empty())).toList();
        List<String> planLines = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            planLines.add((i + 1) + ". " + m.ref() + (canaries.contains(m.ref()) ? " (canary)" : "") + ": " + m.decision()
                    + (m.view().isEmpty() ? "" : " (" + m.view() + ")"));
        }
        FleetRecord record = new FleetRecord(Phase.Running, fleet.selector().text(), target, lines, "", started, Optional.empty(), runId);
        if (!execute || fleet.sample().dryRun()) {
            planLines.forEach(l -> log.accept("  " + l));
            List<Line> planned = members.stream().map(m -> new Line(m.ref(), m.planned(), canaries.contains(m.ref()), m.from(), target,
                    Optional.<Instant>empty())).toList();
            String msg = "planned " + members.size() + " cluster(s) to " + target + ": " + canaries.size() + " canary, then up to "
                    + fleet.maxConcurrent() + " at once, onFailure " + fleet.onFailure().name().toLowerCase();
            return end(execute, namespace, intentName, record.withClusters(planned).ended(Phase.Planned, msg, now()), planLines);
        }
        if (fleet.sample().paused()) {
            return end(true, namespace, intentName, record.ended(Phase.Paused, "paused by the intent (paused: \"true\"); nothing was changed;"
                    + " set paused to \"false\" to continue", now()), List.of());
        }
        // One informer per resource type for the whole fleet: across all namespaces, or one pair per namespace listed, so that
        // a fleet within namespaces whose Roles are bound needs no ClusterRole. What a wait costs then grows with changes only.
        List<String> watched = namespaces.isEmpty() ? List.of() : selected.stream().map(Listed::namespace).distinct().toList();
        RunLock fleetLock;
        try {
            // One run of a fleet intent at a time (an overlapping CronJob, a retried Job): Lease milvus-upgrade-fleet-<intent>.
            fleetLock = locks.apply(namespace, LeaseNames.fleet(intentName)).acquire();
        } catch (RunLock.Busy busy) {
            throw new RetryLater(busy.getMessage());
        }
        try (RunLock held = fleetLock; FleetWatch watch = new FleetWatch(tools.cluster().client(), watched)) {
            return new Run(namespace, intentName, fleet, members, canaries, record, watch).go();
        }
    }

    /**
     * Plans one cluster from the list's copy of it and its Deployments, to order the fleet and pick the
     * canaries; the upgrade itself reads it again, fresh.
     */
    private Member member(FleetIntent fleet, Listed l, ClusterSnapshot.OperatorVersion operator, Instant now, Checked<Catalogue> releases) {
        Checked<Intent> intent = fleet.forCluster(l.namespace(), l.name(), now);
        if (intent instanceof Checked.Refused<Intent> r) {
            return new Member(l, "", State.Rejected, "refused: " + r.rejection().message(), "");
        }
        if (releases instanceof Checked.Refused<Catalogue> r) {
            return new Member(l, "", State.Rejected, "refused: " + r.rejection().message(), "");
        }
        Catalogue catalogue = ((Checked.Ok<Catalogue>) releases).value();
        ClusterSnapshot s = tools.cluster().snapshot(l.resource(), operator);
        String from = ImageRef.parse(s.image()).flatMap(ImageRef::tagVersion).map(Version::toString).orElse("");
        Decision d = tools.settings().policy().plan(((Checked.Ok<Intent>) intent).value(), s, catalogue);
        String view = Planner.catalogueView(s, catalogue);
        if (d instanceof Decision.Staged st) {
            return new Member(l, from, State.Planned, st.plan().from() + " -> " + st.plan().target() + " in " + st.plan().stages().size()
                    + " stage(s): " + String.join(", ", st.plan().stages().stream().map(x -> x.name()).toList()), view);
        }
        if (d instanceof Decision.NoOp n) {
            return new Member(l, from, State.NoOp, "nothing to do, already " + n.version(), view);
        }
        return new Member(l, from, State.Rejected, "refused: " + ((Decision.Refuse) d).rejection().message(), view);
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

        Run(String namespace, String intentName, FleetIntent fleet, List<Member> members, List<String> canaries, FleetRecord record,
                InstanceWatch watch) {
            this.watch = watch;
            this.events = new EventRecorder(tools.cluster().client(), tools.clock(), record.runId(), log);
            this.namespace = namespace;
            this.intentName = intentName;
            this.intentRef = namespace + "/" + intentName;
            this.fleet = fleet;
            this.members = members;
            this.canaries = canaries;
            this.record = record;
        }

        Report go() {
            write();
            for (Member m : members) {
                if (canaries.contains(m.ref())) {
                    State s = start(m).map(intent -> upgrade(m, intent)).orElseGet(() -> state(m.ref()));
                    if (s == State.Retry) {
                        return finish(); // its Lease is held or the API server failed: the next run starts again with it
                    }
                    if (s != State.Succeeded) {
                        halt("canary " + m.ref() + " ended " + s + ", so no other cluster was started");
                    }
                    if (halted.get() != null) {
                        return finish();
                    }
                }
            }
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
                for (Future<?> f : running) {
                    try {
                        f.get();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new RetryLater("interrupted while the fleet's clusters were upgrading");
                    } catch (java.util.concurrent.ExecutionException e) {
                        crashed.compareAndSet(null, new IllegalStateException(e.getCause()));
                    }
                }
            } finally {
                pool.shutdown();
            }
            if (crashed.get() != null) {
                // As a single-cluster run: the records stay as they were, and the next run resumes from them.
                throw crashed.get();
            }
            return finish();
        }

        /**
         * The intent for {@code m} as it is now, if {@code m} may start; else records why not (the fleet
         * halted or crashed, the intent is paused, deleted or invalid, or the window closes) and returns empty.
         */
        private Optional<Intent> start(Member m) {
            if (crashed.get() != null || halted.get() != null) {
                set(m.ref(), crashed.get() != null ? State.Pending : State.Halted, "", Optional.empty());
                return Optional.empty();
            }
            Optional<Checked<Intent>> now = intentNow(m.listed());
            if (now.isEmpty() || now.get() instanceof Checked.Refused<Intent>) {
                halt("the intent was deleted or made invalid during the run");
                set(m.ref(), State.Halted, "", Optional.empty());
                return Optional.empty();
            }
            Intent intent = ((Checked.Ok<Intent>) now.get()).value();
            if (intent.paused()) {
                set(m.ref(), State.Paused, "", Optional.empty());
                return Optional.empty();
            }
            if (m.needsUpgrade() && intent.notAfter().isPresent() && now().plus(intent.stageTimeout()).isAfter(intent.notAfter().get())) {
                log.accept(m.ref() + ": not started: a stage may take up to " + Intent.format(intent.stageTimeout()) + " and the window closes at "
                        + intent.notAfter().get());
                set(m.ref(), State.Deferred, "", Optional.empty());
                return Optional.empty();
            }
            return Optional.of(intent);
        }

        /** One cluster through the single-cluster path with {@code intent}, under its Lease; returns the state it ended in. */
        private State upgrade(Member m, Intent intent) {
            Listed l = m.listed();
            set(m.ref(), State.Running, "", Optional.empty());
            Consumer<String> clusterLog = line -> log.accept(m.ref() + ": " + line);
            RunLock lock;
            try {
                lock = locks.apply(l.namespace(), LeaseNames.milvus(l.name())).acquire();
            } catch (RunLock.Busy busy) {
                clusterLog.accept("not started: " + busy.getMessage());
                return set(m.ref(), State.Retry, "", Optional.empty());
            } catch (KubernetesClientException e) {
                if (RetryLater.isTemporary(e)) {
                    clusterLog.accept("not started: the API server failed (" + e.getCode() + "); the next run takes it up");
                    return set(m.ref(), State.Retry, "", Optional.empty());
                }
                clusterLog.accept("Rejected: this tool may not use Leases in namespace " + l.namespace() + " (" + e.getCode()
                        + "); fix: apply k8s/optional/fleet-namespace in " + l.namespace() + " (what a fleet may write there)");
                return set(m.ref(), State.Rejected, "", Optional.of(now()));
            }
            try {
                Instant started = now();
                Home home = new Home(l, store.clusterRead(l.namespace(), l.name(), intentRef));
                Runner.Tools t = tools.withLog(clusterLog).withCheckpoints((cp, st) -> listener.reached(m.ref(), cp, st));
                StageWaiter waiter = new StageWaiter(t.cluster().client(), watch, t.clock(), t.settings().deadlockGrace(),
                        t.settings().progressEvery(), t.settings().settle(), clusterLog);
                Runner.Report r = new ClusterUpgrade(t, waiter, events, home, started, record.runId())
                        .decide(intent, Optional.of(lock));
                State s = home.stoppedByHalt ? State.Halted : State.of(r.record().phase());
                set(m.ref(), s, r.record().fromVersion(), r.record().finishedAt());
                if (s == State.Failed && fleet.onFailure() == FleetIntent.OnFailure.HALT && !canaries.contains(m.ref())) {
                    halt(m.ref() + " failed (onFailure: halt)");
                }
                return s;
            } catch (RuntimeException e) {
                if (!RetryLater.isTemporary(e)) {
                    throw e;
                }
                clusterLog.accept("stopped: " + e.getMessage() + "; the next run resumes it");
                return set(m.ref(), State.Retry, "", Optional.empty());
            } finally {
                lock.close();
            }
        }

        private void halt(String why) {
            if (halted.compareAndSet(null, why)) {
                log.accept("fleet halted: " + why + "; clusters under way stop after their current stage");
            }
        }

        private Optional<Checked<Intent>> intentNow(Listed l) {
            return intents.read(namespace, intentName).map(r -> FleetIntent.parse(r.data(), now()).map(f -> f.forCluster(l.namespace(), l.name(), now())));
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
            List<Line> lines = record.clusters().stream().map(l -> l.state() == State.Pending && halted.get() != null
                    ? l.with(State.Halted, "", Optional.empty()) : l).toList();
            Phase p = FleetRecord.endPhase(lines, false);
            String totals = record.withClusters(lines).totalsLine();
            String msg = switch (p) {
                case Succeeded -> "all " + lines.size() + " cluster(s) on " + record.targetVersion() + ": " + totals;
                case Failed -> (halted.get() != null ? "halted: " + halted.get() + "; " : "") + totals
                        + "; fix: see each failed cluster's Events and its record on Lease milvus-upgrade-<name>, then rerun the fleet";
                case Deferred -> totals + "; the maintenance window closes: the next run in a window continues";
                case Paused -> totals + "; paused by the intent: set paused to \"false\" to continue";
                default -> totals + "; rerun to continue (a Lease was held by another run, or the API server failed)";
            };
            synchronized (this) {
                record = record.withClusters(lines).ended(p, msg, now());
                write();
            }
            log.accept("fleet " + p + ": " + msg);
            return new Report(record, List.of());
        }

        /** A cluster's home in a fleet: its record on its Lease, the intent the fleet's, the halt the fleet's. */
        private final class Home implements ClusterUpgrade.Home {
            private final Listed cluster;
            private final RecordCodec.Read recorded;
            private volatile boolean stoppedByHalt;

            Home(Listed cluster, RecordCodec.Read recorded) {
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
                Optional<String> why = Optional.ofNullable(halted.get()).map(h -> "the fleet halted: " + h + "; fix: rerun the fleet once that is fixed");
                stoppedByHalt = why.isPresent();
                return why;
            }
        }
    }

    /** The fleet's shared informers: one pair across all namespaces ({@code namespaces} empty), else one pair per namespace. */
    private static final class FleetWatch implements InstanceWatch, AutoCloseable {
        private final Map<String, SharedInstanceWatch> byNamespace = new java.util.HashMap<>();
        private final Optional<SharedInstanceWatch> all;

        FleetWatch(KubernetesClient client, List<String> namespaces) {
            all = namespaces.isEmpty() ? Optional.of(new SharedInstanceWatch(client, Optional.empty())) : Optional.empty();
            try {
                namespaces.forEach(ns -> byNamespace.put(ns, new SharedInstanceWatch(client, Optional.of(ns))));
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public View open(String namespace, String name, Runnable onChange) {
            return all.orElseGet(() -> byNamespace.get(namespace)).open(namespace, name, onChange);
        }

        @Override
        public void close() {
            all.ifPresent(SharedInstanceWatch::close);
            byNamespace.values().forEach(SharedInstanceWatch::close);
        }
    }

    private Instant now() {
        return tools.clock().instant().truncatedTo(ChronoUnit.MILLIS);
    }
}

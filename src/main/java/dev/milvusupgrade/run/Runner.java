package dev.milvusupgrade.run;

import dev.milvusupgrade.k8s.ClusterGateway;
import dev.milvusupgrade.k8s.ApiFailure;
import dev.milvusupgrade.k8s.Kube;
import dev.milvusupgrade.k8s.EventRecorder;
import dev.milvusupgrade.k8s.BaselineStore;
import dev.milvusupgrade.k8s.CheckpointStore;
import dev.milvusupgrade.k8s.IntentStore;
import dev.milvusupgrade.k8s.IntentStore.IntentRead;
import dev.milvusupgrade.k8s.RecordCodec;
import dev.milvusupgrade.k8s.RunLock;
import dev.milvusupgrade.data.MilvusBackup;
import dev.milvusupgrade.data.MilvusBackupClient;
import dev.milvusupgrade.data.MilvusData;
import dev.milvusupgrade.data.MilvusRestClient;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.FleetIntent;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.JobPolicy;
import dev.milvusupgrade.plan.MilvusRef;
import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.Plan;
import dev.milvusupgrade.plan.Rejection;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.Version;
import dev.milvusupgrade.plan.WaitPolicy;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one loop over phases: read the intent, read the cluster, plan, then for each stage apply,
 * wait and checkpoint, and record the result on the intent.
 */
public final class Runner {

    /**
     * Knobs that are not part of the intent.
     *
     * @param deadlockGrace how long the issue 446 signature must last before the run fails with it;
     *     15m by default, since pulling a new streaming node's image can take minutes
     * @param settle how long a complete stage must stay complete on a fresh read before it is recorded
     *     Succeeded: 60s by default, one resync of a healthy instance by the operator (FACTS §8.10)
     * @param pollEvery how often the data and backup gates ask Milvus and milvus-backup again: the progress interval
     *     unless a test shortens it
     */
    public record Settings(Duration deadlockGrace, Duration progressEvery, Duration leaseDuration, Duration settle, JobPolicy policy,
            int baselineLeaseBudget, Duration pollEvery) {
        public Settings(Duration deadlockGrace, Duration progressEvery, Duration leaseDuration, Duration settle, JobPolicy policy,
                int baselineLeaseBudget) {
            this(deadlockGrace, progressEvery, leaseDuration, settle, policy, baselineLeaseBudget, progressEvery);
        }

        /** With the default policy (nothing beyond the repository the cluster runs) and the baseline kept on the Lease up to
         * {@link BaselineStore#LEASE_BUDGET}. */
        public Settings(Duration deadlockGrace, Duration progressEvery, Duration leaseDuration, Duration settle) {
            this(deadlockGrace, progressEvery, leaseDuration, settle, JobPolicy.defaults(), BaselineStore.LEASE_BUDGET);
        }

        public Settings withPolicy(JobPolicy p) {
            return new Settings(deadlockGrace, progressEvery, leaseDuration, settle, p, baselineLeaseBudget, pollEvery);
        }

        /** Tests shorten the gates' polling without more progress lines. */
        public Settings withPollEvery(Duration d) {
            return new Settings(deadlockGrace, progressEvery, leaseDuration, settle, policy, baselineLeaseBudget, d);
        }

        /** The waits these settings ask for, as data. */
        public WaitPolicy waits() {
            return new WaitPolicy(progressEvery, pollEvery, settle, deadlockGrace);
        }

        /** Tests lower the budget to reach the ConfigMap. */
        public Settings withBaselineLeaseBudget(int bytes) {
            return new Settings(deadlockGrace, progressEvery, leaseDuration, settle, policy, bytes, pollEvery);
        }

        public static Settings defaults() {
            return new Settings(Duration.ofMinutes(15), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60));
        }
    }

    /** Requests to Milvus at once during a snapshot, and how long one may take. */
    static final int DATA_PARALLELISM = 8;
    static final Duration DATA_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /**
     * What a run reports back to the command line; {@code warnings} are the planner's (a staged plan's, or those of a
     * cluster already on its target), as values, so that {@code plan} prints them without reading the log.
     */
    public record Report(RunRecord record, Optional<Plan> plan, List<String> warnings) {
        public Report {
            warnings = List.copyOf(warnings);
        }

        public Report(RunRecord record, Optional<Plan> plan) {
            this(record, plan, plan.map(Plan::warnings).orElse(List.of()));
        }

        public int exitCode() {
            return record.phase().exitCode();
        }
    }

    /** The intent could not be read at all, so nothing can be recorded on it. */
    public static final class NoIntent extends RuntimeException {
        public NoIntent(String message) {
            super(message);
        }
    }

    /**
     * A failure that escaped after this run had written to a Milvus resource: whatever it is (a 403 included), the
     * cluster changed, so it is never "Rejected before any change" (exit 2).
     */
    public static final class AfterChange extends RuntimeException {
        public AfterChange(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Whether this runner has sent any write to a Milvus resource (a stage patch, a restart). */
    public boolean changedCluster() {
        return cluster.changed();
    }

    private final Kube kube;
    private final ClusterGateway cluster;
    private final IntentStore intents;
    private final CheckpointStore durable;
    private final Clock clock;
    private final Settings settings;
    private final Consumer<String> log;
    private final Checkpoint.Listener checkpoints;
    private final Function<MilvusEndpoint, MilvusData> dataPlane;
    private final Function<URI, MilvusBackup> backups;

    /** What every cluster upgrade of a run works with. */
    record Tools(Kube kube, Clock clock, Settings settings, Consumer<String> log, Checkpoint.Listener checkpoints,
            Function<MilvusEndpoint, MilvusData> dataPlane, Function<URI, MilvusBackup> backups, Shutdown shutdown) {
        ClusterGateway cluster() {
            return kube.cluster();
        }

        Tools withCheckpoints(Checkpoint.Listener l) {
            return new Tools(kube, clock, settings, log, l, dataPlane, backups, shutdown);
        }

        Tools withLog(Consumer<String> l) {
            return new Tools(kube, clock, settings, l, checkpoints, dataPlane, backups, shutdown);
        }
    }

    /** Never requested unless {@link #stoppedBy} gives the process's. */
    private Shutdown shutdown = new Shutdown();

    /** The run stops cleanly (record Interrupted, Event, Lease released) when {@code s} is requested. */
    public Runner stoppedBy(Shutdown s) {
        this.shutdown = s;
        return this;
    }

    public Runner(Kube kube, Clock clock, Settings settings, Consumer<String> log) {
        this(kube, clock, settings, log, Checkpoint.Listener.NONE);
    }

    public Runner(Kube kube, Clock clock, Settings settings, Consumer<String> log, Checkpoint.Listener checkpoints) {
        this(kube, clock, settings, log, checkpoints, endpoint -> new MilvusRestClient(endpoint, DATA_PARALLELISM, DATA_REQUEST_TIMEOUT));
    }

    /** With {@code dataPlane} making the client of Milvus's data plane for an endpoint (the simulated one in tests and demo). */
    public Runner(Kube kube, Clock clock, Settings settings, Consumer<String> log, Checkpoint.Listener checkpoints,
            Function<MilvusEndpoint, MilvusData> dataPlane) {
        this(kube, clock, settings, log, checkpoints, dataPlane, uri -> new MilvusBackupClient(uri, DATA_REQUEST_TIMEOUT));
    }

    /** With {@code backups} making the client of milvus-backup's REST server for an address. */
    public Runner(Kube kube, Clock clock, Settings settings, Consumer<String> log, Checkpoint.Listener checkpoints,
            Function<MilvusEndpoint, MilvusData> dataPlane, Function<URI, MilvusBackup> backups) {
        this.backups = backups;
        this.dataPlane = dataPlane;
        this.checkpoints = checkpoints;
        this.kube = kube;
        this.cluster = kube.cluster();
        this.intents = kube.intents();
        this.durable = kube.checkpoints();
        this.clock = clock;
        this.settings = settings;
        this.log = log;
    }

    /** Whether the intent selects a fleet ({@code selector}) rather than naming one Milvus. */
    public boolean isFleet(String namespace, String intentName) {
        return FleetIntent.isFleet(readIntent(namespace, intentName).data());
    }

    /** {@code run} of a fleet intent: every selected cluster through the single-cluster path, in waves. */
    public Fleet.Report runFleet(String namespace, String intentName) {
        return runFleet(namespace, intentName, Fleet.Listener.NONE);
    }

    /** A fleet run that reports each cluster's checkpoints, to interrupt or disturb it at one of them. */
    public Fleet.Report runFleet(String namespace, String intentName, Fleet.Listener listener) {
        return fleet(namespace, intentName, true, listener);
    }

    /** {@code plan} of a fleet intent: the order, the canaries and each cluster's plan; never writes. */
    public Fleet.Report planFleet(String namespace, String intentName) {
        return fleet(namespace, intentName, false, Fleet.Listener.NONE);
    }

    private Fleet.Report fleet(String namespace, String intentName, boolean execute, Fleet.Listener listener) {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        return new Fleet(tools(), listener, (ns, leaseName) -> kube.lock(ns, leaseName, holder(runId), settings.leaseDuration(), clock,
                log)).run(namespace, intentName, readIntent(namespace, intentName).data(), execute, runId);
    }

    private IntentRead readIntent(String namespace, String intentName) {
        return intents.read(namespace, intentName).orElseThrow(() -> new NoIntent("intent ConfigMap " + namespace + "/"
                + intentName + " not found; fix: create it (see k8s/examples) or pass --intent/--namespace"));
    }

    /** {@code plan}: reads and decides, never writes. */
    public Report plan(String namespace, String intentName) {
        return decide(namespace, intentName, false);
    }

    /** {@code run}: decides, executes stage by stage and records. */
    public Report run(String namespace, String intentName) {
        return decide(namespace, intentName, true);
    }

    private Report decide(String namespace, String intentName, boolean execute) {
        Instant started = now();
        String runId = UUID.randomUUID().toString().substring(0, 8);
        EventRecorder events = kube.events(clock, runId, log);
        IntentRead read = readIntent(namespace, intentName);
        Checked<Intent> parsed = Intent.parse(read.data(), started);
        if (parsed instanceof Checked.Refused<Intent> r) {
            return refuseIntent(namespace, intentName, read, r.rejection(), execute, events, started, runId);
        }
        Intent intent = ((Checked.Ok<Intent>) parsed).value();
        String milvusNs = intent.milvusNamespace().orElse(namespace);
        // The checkpoint is the record on the Lease; the intent's annotation is a copy, used when the Lease has none (an
        // upgrade begun by an earlier version of this tool).
        RecordCodec.Read onLease = durable.read(milvusNs, intent.milvus(), namespace + "/" + intentName);
        IntentHome home = new IntentHome(namespace, intentName, onLease instanceof RecordCodec.Read.None ? read.recorded() : onLease,
                Optional.of(new LeaseRef(milvusNs, intent.milvus())));
        ClusterUpgrade upgrade = upgrade(events, home, started, runId);
        log.accept("intent " + namespace + "/" + intentName + ": upgrade Milvus " + milvusNs + "/" + intent.milvus() + " to "
                + intent.targetVersion());
        if (!execute) {
            return upgrade.decide(intent, Optional.empty());
        }
        Kube.Taken taken = kube.take(newLock(milvusNs, intent.milvus(), runId));
        if (taken instanceof Kube.Taken.Busy busy) {
            throw new RetryLater(busy.message());
        }
        if (taken instanceof Kube.Taken.Refused refused) {
            // Refused before any change: the Lease is the first thing this run writes.
            Rejection why = leaseRefusal(refused.failure(), milvusNs, intent.milvus());
            MilvusRef ref = new MilvusRef(milvusNs, intent.milvus());
            return upgrade.about(ref).finish(true, upgrade.rejected(read.previous(), ref.toString(), "",
                    intent.targetVersion().toString(), why, started, runId), Optional.empty());
        }
        try (RunLock lock = ((Kube.Taken.Held) taken).lock()) {
            home.holdsLease = true;
            return upgrade.decide(intent, Optional.of(lock));
        }
    }

    /** An intent that does not parse: recorded Rejected (by a run, under the Lease when it can be had) and never executed. */
    private Report refuseIntent(String namespace, String intentName, IntentRead read, Rejection rejection, boolean execute,
            EventRecorder events, Instant started, String runId) {
        String rawName = read.data().getOrDefault(Intent.MILVUS, "").strip();
        String rawNs = Optional.of(read.data().getOrDefault(Intent.MILVUS_NAMESPACE, "").strip()).filter(s -> !s.isEmpty())
                .orElse(namespace);
        String rawTarget = read.data().getOrDefault(Intent.TARGET_VERSION, "").strip();
        String target = Version.parse(rawTarget).map(Version::toString).orElse(rawTarget); // as records write it: v2.6.4
        ClusterUpgrade upgrade = upgrade(events, new IntentHome(namespace, intentName, read.recorded(), Optional.empty()), started, runId);
        RunRecord refused = upgrade.rejected(read.previous(), rawNs + "/" + rawName, "", target, rejection, started, runId);
        if (!execute) {
            return new Report(refused, Optional.empty());
        }
        // A run that holds the Lease keeps its checkpoint: this one exits 75 and the holder finds the typo before its next stage.
        Optional<RunLock> lock = rawName.isEmpty() ? Optional.empty() : tryLock(rawNs, rawName, runId);
        try {
            return upgrade.about(new MilvusRef(rawNs, rawName)).finish(true, refused, Optional.empty());
        } finally {
            lock.ifPresent(RunLock::close);
        }
    }

    /** Why the Lease of Milvus {@code milvusNs/milvus} may not be written, as a refusal with its fix; other failures pass on. */
    private static Rejection leaseRefusal(ApiFailure f, String milvusNs, String milvus) {
        if (f.is(ApiFailure.Kind.Forbidden)) {
            return Rejection.of("this tool may not use Leases in namespace " + milvusNs + " (403 Forbidden)",
                    "bind the milvus-upgrade Role in namespace " + milvusNs + " to its ServiceAccount, with Lease "
                            + RunLock.leaseName(milvus) + " in its resourceNames, or fix milvusNamespace");
        }
        if (f.is(ApiFailure.Kind.NotFound)) {
            return Rejection.of("namespace " + milvusNs + " does not exist, so Milvus " + milvusNs + "/" + milvus + " cannot either",
                    "check the intent keys milvus and milvusNamespace ('kubectl get milvus -A')");
        }
        throw f.cause();
    }

    /** The Lease if it can be had; empty where it cannot be written (a name the API server refuses, no RBAC). */
    private Optional<RunLock> tryLock(String milvusNs, String milvus, String runId) {
        Kube.Taken taken = kube.take(newLock(milvusNs, milvus, runId));
        if (taken instanceof Kube.Taken.Busy busy) {
            throw new RetryLater(busy.message());
        }
        if (taken instanceof Kube.Taken.Refused refused) {
            if (refused.failure().temporary()) {
                throw refused.failure().cause();
            }
            return Optional.empty();
        }
        return Optional.of(((Kube.Taken.Held) taken).lock());
    }

    private RunLock newLock(String milvusNs, String milvus, String runId) {
        return kube.lock(milvusNs, RunLock.leaseName(milvus), holder(runId), settings.leaseDuration(), clock, log);
    }

    private static String holder(String runId) {
        return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("local") + "/" + runId;
    }

    private ClusterUpgrade upgrade(EventRecorder events, UpgradeHome home, Instant started, String runId) {
        return new ClusterUpgrade(tools(), kube.waiter(clock, settings.deadlockGrace(), settings.progressEvery(), settings.settle(), log),
                events, home, started, runId);
    }

    Tools tools() {
        return new Tools(kube, clock, settings, log, checkpoints, dataPlane, backups, shutdown);
    }

    /** Where a single cluster's durable checkpoint lives: the Lease of Milvus {@code namespace/milvus}. */
    private record LeaseRef(String namespace, String milvus) {
    }

    /**
     * A single cluster's home: its record on its Lease (once this run holds it), the durable checkpoint, and a copy on
     * the intent ConfigMap. A refusal because the checkpoint cannot be read is written on the intent only, so that the
     * unreadable record stays on the Lease for a person to see and the next run refuses the same way.
     */
    private final class IntentHome implements UpgradeHome {
        private final String namespace;
        private final String intentName;
        private final RecordCodec.Read recorded;
        private final Optional<LeaseRef> lease;
        private volatile boolean holdsLease;

        IntentHome(String namespace, String intentName, RecordCodec.Read recorded, Optional<LeaseRef> lease) {
            this.namespace = namespace;
            this.intentName = intentName;
            this.recorded = recorded;
            this.lease = lease;
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
            boolean keepUnreadable = unreadable().isPresent() && r.phase() == Phase.Rejected;
            if (holdsLease && !keepUnreadable) {
                durable.save(lease.get().namespace(), lease.get().milvus(), namespace + "/" + intentName, r);
            }
            intents.record(namespace, intentName, r);
        }

        @Override
        public Optional<Checked<Intent>> intentNow() {
            return intents.read(namespace, intentName).map(r -> Intent.parse(r.data(), clock.instant().truncatedTo(ChronoUnit.MILLIS)));
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}

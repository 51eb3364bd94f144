package dev.milvusupgrade.k8s;

import dev.milvusupgrade.k8s.FleetStore.Listed;
import dev.milvusupgrade.plan.Catalogue;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.ClusterSnapshot;
import dev.milvusupgrade.plan.ClusterSnapshot.OperatorVersion;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The run layer's one way to Kubernetes: it owns the client and makes the adapters, and it turns the answers the run
 * decides on into typed outcomes ({@link ApiFailure}, {@link Taken}), so that no fabric8 type and no HTTP status
 * code reaches {@code run/}.
 */
public final class Kube {

    private final KubernetesClient client;
    private final ClusterGateway cluster;
    private final IntentStore intents;
    private final FleetStore fleets;
    private final CheckpointStore checkpoints;

    public Kube(KubernetesClient client) {
        this.client = client;
        this.cluster = new ClusterGateway(client);
        this.intents = new IntentStore(client);
        this.fleets = new FleetStore(client);
        this.checkpoints = new CheckpointStore(client);
    }

    public ClusterGateway cluster() {
        return cluster;
    }

    public IntentStore intents() {
        return intents;
    }

    public FleetStore fleets() {
        return fleets;
    }

    public CheckpointStore checkpoints() {
        return checkpoints;
    }

    public EventRecorder events(Clock clock, String runId, Consumer<String> log) {
        return new EventRecorder(client, clock, runId, log);
    }

    /** The lock on Lease {@code leaseName} (a name from {@code LeaseNames}) in {@code namespace}; not taken yet. */
    public RunLock lock(String namespace, String leaseName, String holder, Duration duration, Clock clock, Consumer<String> log) {
        return RunLock.named(client, namespace, leaseName, holder, duration, clock, log);
    }

    /** What taking a Lease gave. */
    public sealed interface Taken {
        /** Held by this run until closed. */
        record Held(RunLock lock) implements Taken {
        }

        /** Another run holds it: a later run may have it. */
        record Busy(String message) implements Taken {
        }

        /** The API server refused or failed the request. */
        record Refused(ApiFailure failure) implements Taken {
        }
    }

    /** Takes {@code lock}: held, busy, or the API failure that stood in the way. */
    public Taken take(RunLock lock) {
        try {
            return new Taken.Held(lock.acquire());
        } catch (RunLock.Busy busy) {
            return new Taken.Busy(busy.getMessage());
        } catch (RuntimeException e) {
            return new Taken.Refused(ApiFailure.of(e).orElseThrow(() -> e));
        }
    }

    /** A waiter with one informer pair of its own. */
    public StageWaiter waiter(Clock clock, Duration deadlockGrace, Duration progressEvery, Duration settle, Consumer<String> log) {
        return new StageWaiter(client, clock, deadlockGrace, progressEvery, settle, log);
    }

    /** A waiter on a shared watch, e.g. a fleet's. */
    public StageWaiter waiter(InstanceWatch watch, Clock clock, Duration deadlockGrace, Duration progressEvery, Duration settle,
            Consumer<String> log) {
        return new StageWaiter(client, watch, clock, deadlockGrace, progressEvery, settle, log);
    }

    /** The fleet's shared informers: across all namespaces ({@code namespaces} empty), else one pair per namespace. */
    public FleetWatch fleetWatch(List<String> namespaces) {
        return new FleetWatch(client, namespaces);
    }

    /** Every Milvus resource in {@code namespaces} (all when empty), or the API failure (a 403 where RBAC does not reach). */
    public ApiResult<List<Listed>> milvuses(List<String> namespaces) {
        return ApiResult.of(() -> fleets.milvuses(namespaces));
    }

    /** A cluster of a fleet's list, with its Deployments read now. */
    public ClusterSnapshot snapshot(Listed listed, OperatorVersion operator) {
        return cluster.snapshot(listed.resource(), operator);
    }

    /** The intent's release catalogue: the bundled one with the user's ConfigMap {@code name} on top. */
    public Checked<Catalogue> catalogue(String namespace, Optional<String> name) {
        return cluster.catalogue(namespace, name);
    }
}

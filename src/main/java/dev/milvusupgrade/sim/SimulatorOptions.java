package dev.milvusupgrade.sim;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How the simulated operator behaves.
 *
 * @param stepDelay how long a component rollout takes unless {@code componentDelays} says otherwise
 * @param componentDelays per component (lowercase status key, e.g. {@code proxy}) rollout time
 * @param stuckComponents components whose rollout never completes
 * @param deadlock446 reproduce milvus-operator issue 446 on the 2.5 to 2.6 step
 * @param operatorVersion the version the operator Deployment reports; 1.3.8 and later prune stale status keys;
 *        below 1.3.0 (e.g. 1.2.8) there is no currentImage, no cleanup and no 2.6 component list (FACTS.md §8.8)
 * @param stuckTerminating components whose replaced pods never finish terminating (milvus#42732, #42498)
 * @param dependenciesDown dependency conditions ({@code EtcdReady}, {@code StorageReady}, {@code MsgStreamReady})
 *        the operator finds not ready from the start, with the reason and message it writes (FACTS.md §8.5)
 * @param resync how soon the status syncer revisits an instance that is not Healthy and Updated: 30 s in the real operator
 *        (FACTS §3), compressed; it also keeps one missed trigger from stalling a rollout for good
 */
public record SimulatorOptions(Duration stepDelay, Map<String, Duration> componentDelays, Set<String> stuckComponents,
        boolean deadlock446, String operatorVersion, Set<String> stuckTerminating, Map<String, Dependency> dependenciesDown,
        Duration resync) {

    /** The three conditions ReconcileMilvus waits for (pkg/controllers/utils.go IsDependencyReady). */
    /** The real status syncer's 30 s (FACTS §3), compressed. */
    public static final Duration DEFAULT_RESYNC = Duration.ofSeconds(1);

    public static final List<String> DEPENDENCY_CONDITIONS = List.of("EtcdReady", "StorageReady", "MsgStreamReady");

    /**
     * A dependency condition written False. Real pairs (operator source): EtcdReady {@code EtcdNotReady} /
     * {@code "All etcd endpoints are unhealthy:[<endpoint>:<error>]"} (conditions.go GetEtcdCondition); StorageReady
     * {@code ClientError} / the client's error text, or {@code SecretNotExist} / {@code "Secret not exist"}
     * (conditions.go GetMinioCondition); MsgStreamReady {@code ConnectionFailed} or {@code CreateClientFailed} / the
     * Pulsar client's error (pkg/external/pulsar.go), {@code MsgStreamNotReady} / the Kafka check's error
     * (conditions.go GetKafkaCondition).
     *
     * @param reason the condition's reason
     * @param message the condition's message
     */
    public record Dependency(String reason, String message) {
    }

    public SimulatorOptions {
        componentDelays = Map.copyOf(componentDelays);
        stuckComponents = Set.copyOf(stuckComponents);
        stuckTerminating = Set.copyOf(stuckTerminating);
        dependenciesDown = Map.copyOf(dependenciesDown);
        if (resync.isNegative() || resync.isZero()) {
            throw new IllegalArgumentException("resync must be positive: " + resync);
        }
        for (String condition : dependenciesDown.keySet()) {
            checkCondition(condition);
        }
    }

    /** The status syncer's revisit compressed to {@link #DEFAULT_RESYNC}. */
    public SimulatorOptions(Duration stepDelay, Map<String, Duration> componentDelays, Set<String> stuckComponents,
            boolean deadlock446, String operatorVersion, Set<String> stuckTerminating, Map<String, Dependency> dependenciesDown) {
        this(stepDelay, componentDelays, stuckComponents, deadlock446, operatorVersion, stuckTerminating, dependenciesDown, DEFAULT_RESYNC);
    }

    /** The options as they were before dependency conditions could be set: every dependency ready. */
    public SimulatorOptions(Duration stepDelay, Map<String, Duration> componentDelays, Set<String> stuckComponents,
            boolean deadlock446, String operatorVersion, Set<String> stuckTerminating) {
        this(stepDelay, componentDelays, stuckComponents, deadlock446, operatorVersion, stuckTerminating, Map.of());
    }

    /** Small delays: a two-stage upgrade completes in a few seconds; the status syncer revisits every 200 ms. */
    public static SimulatorOptions fast() {
        return new SimulatorOptions(Duration.ofMillis(30), Map.of(), Set.of(), false, "1.3.8", Set.of(), Map.of(), Duration.ofMillis(100));
    }

    public SimulatorOptions withStepDelay(Duration d) {
        return new SimulatorOptions(d, componentDelays, stuckComponents, deadlock446, operatorVersion, stuckTerminating,
                dependenciesDown, resync);
    }

    public SimulatorOptions withComponentDelays(Map<String, Duration> delays) {
        return new SimulatorOptions(stepDelay, delays, stuckComponents, deadlock446, operatorVersion, stuckTerminating,
                dependenciesDown, resync);
    }

    public SimulatorOptions withStuck(String... components) {
        return new SimulatorOptions(stepDelay, componentDelays, Set.of(components), deadlock446, operatorVersion, stuckTerminating,
                dependenciesDown, resync);
    }

    public SimulatorOptions withDeadlock446() {
        return new SimulatorOptions(stepDelay, componentDelays, stuckComponents, true, operatorVersion, stuckTerminating,
                dependenciesDown, resync);
    }

    /** E.g. {@code "1.2.8"}: an operator older than 1.3.0 (FACTS.md §8.8). */
    public SimulatorOptions withOperatorVersion(String version) {
        return new SimulatorOptions(stepDelay, componentDelays, stuckComponents, deadlock446, version, stuckTerminating,
                dependenciesDown, resync);
    }

    public SimulatorOptions withStuckTerminating(String... components) {
        return new SimulatorOptions(stepDelay, componentDelays, stuckComponents, deadlock446, operatorVersion, Set.of(components),
                dependenciesDown, resync);
    }

    /**
     * The operator finds {@code condition} (one of {@link #DEPENDENCY_CONDITIONS}) not ready: it writes it False with
     * {@code reason} and {@code message} and touches no Deployment (FACTS.md §8.5). At run time, use
     * {@link SimulatedMilvusOperator#setDependencyDown} and {@link SimulatedMilvusOperator#setDependencyUp}.
     */
    public SimulatorOptions withDependencyDown(String condition, String reason, String message) {
        Map<String, Dependency> down = new LinkedHashMap<>(dependenciesDown);
        down.put(checkCondition(condition), new Dependency(reason, message));
        return new SimulatorOptions(stepDelay, componentDelays, stuckComponents, deadlock446, operatorVersion, stuckTerminating, down,
                resync);
    }

    /** How soon the status syncer revisits an instance that is not Healthy and Updated (FACTS §3: 30 s, compressed). */
    public SimulatorOptions withResync(Duration d) {
        return new SimulatorOptions(stepDelay, componentDelays, stuckComponents, deadlock446, operatorVersion, stuckTerminating,
                dependenciesDown, d);
    }

    static String checkCondition(String condition) {
        if (!DEPENDENCY_CONDITIONS.contains(condition)) {
            throw new IllegalArgumentException("not a dependency condition: " + condition + "; one of " + DEPENDENCY_CONDITIONS);
        }
        return condition;
    }

    Duration delayOf(String component) {
        return componentDelays.getOrDefault(component, stepDelay);
    }
}

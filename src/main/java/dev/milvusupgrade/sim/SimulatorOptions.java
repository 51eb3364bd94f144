package dev.milvusupgrade.sim;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * How the simulated operator behaves.
 *
 * @param stepDelay how long a component rollout takes unless {@code componentDelays} says otherwise
 * @param componentDelays per component (lowercase status key, e.g. {@code proxy}) rollout time
 * @param stuckComponents components whose rollout never completes
 * @param deadlock446 reproduce milvus-operator issue 446 on the 2.5 to 2.6 step
 * @param operatorVersion the version the operator Deployment reports; 1.3.8 and later prune stale status keys
 * @param stuckTerminating components whose replaced pods never finish terminating (milvus#42732, #42498)
 */
public record SimulatorOptions(Duration stepDelay, Map<String, Duration> componentDelays, Set<String> stuckComponents,
        boolean deadlock446, String operatorVersion, Set<String> stuckTerminating) {

    public SimulatorOptions {
        componentDelays = Map.copyOf(componentDelays);
        stuckComponents = Set.copyOf(stuckComponents);
        stuckTerminating = Set.copyOf(stuckTerminating);
    }

    /** Small delays: a two-stage upgrade completes in a few seconds. */
    public static SimulatorOptions fast() {
        return new SimulatorOptions(Duration.ofMillis(60), Map.of(), Set.of(), false, "1.3.8", Set.of());
    }

    public SimulatorOptions withStepDelay(Duration d) {
        return new SimulatorOptions(d, componentDelays, stuckComponents, deadlock446, operatorVersion, stuckTerminating);
    }

    public SimulatorOptions withComponentDelays(Map<String, Duration> delays) {
        return new SimulatorOptions(stepDelay, delays, stuckComponents, deadlock446, operatorVersion, stuckTerminating);
    }

    public SimulatorOptions withStuck(String... components) {
        return new SimulatorOptions(stepDelay, componentDelays, Set.of(components), deadlock446, operatorVersion, stuckTerminating);
    }

    public SimulatorOptions withDeadlock446() {
        return new SimulatorOptions(stepDelay, componentDelays, stuckComponents, true, operatorVersion, stuckTerminating);
    }

    public SimulatorOptions withOperatorVersion(String version) {
        return new SimulatorOptions(stepDelay, componentDelays, stuckComponents, deadlock446, version, stuckTerminating);
    }

    public SimulatorOptions withStuckTerminating(String... components) {
        return new SimulatorOptions(stepDelay, componentDelays, stuckComponents, deadlock446, operatorVersion, Set.of(components));
    }

    Duration delayOf(String component) {
        return componentDelays.getOrDefault(component, stepDelay);
    }
}

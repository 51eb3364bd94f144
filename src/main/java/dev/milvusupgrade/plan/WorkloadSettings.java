package dev.milvusupgrade.plan;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Spec fields of newer operators that change how components are rolled (FACTS §9.2-§9.4, §9.9).
 *
 * @param statefulSet components with {@code spec.components.<c>.statefulSet.enabled: true} (FACTS §9.2)
 * @param operatorHpa components with an operator-managed {@code hpa} (FACTS §9.4, #469)
 * @param rollingUpdate per-component {@code rollingUpdate} as written: maxSurge and maxUnavailable, each
 *     an integer or a percentage, empty when unset (FACTS §9.3, #472)
 * @param pulsarProducerAccessMode {@code spec.config.pulsar.producerAccessMode}, empty when unset (FACTS §9.9)
 */
public record WorkloadSettings(Set<Component> statefulSet, Set<Component> operatorHpa, Map<Component, RollingUpdate> rollingUpdate,
        Optional<String> pulsarProducerAccessMode) {

    /** A component's {@code rollingUpdate}; empty fields mean the Kubernetes defaults (25%). */
    public record RollingUpdate(String maxSurge, String maxUnavailable) {
    }

    public WorkloadSettings {
        statefulSet = Set.copyOf(statefulSet);
        operatorHpa = Set.copyOf(operatorHpa);
        rollingUpdate = Map.copyOf(rollingUpdate);
    }

    public static WorkloadSettings none() {
        return new WorkloadSettings(Set.of(), Set.of(), Map.of(), Optional.empty());
    }
}

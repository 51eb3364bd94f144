package dev.milvusupgrade.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.Component;
import dev.milvusupgrade.plan.WorkloadSettings;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The spec fields of operator v1.3.9 and later as the CRD writes them (FACTS §9.2-§9.4) and spec.config's Pulsar mode (§9.9). */
class SnapshotMapperWorkloadsTest {

    @Test
    void reads_statefulset_mode_hpa_rolling_update_and_the_pulsar_producer_mode() {
        Map<String, Object> components = Map.of(
                "queryNode", Map.of("replicas", 4, "statefulSet", Map.of("enabled", true), "rollingUpdate", Map.of("maxSurge", 0, "maxUnavailable", "25%")),
                "dataNode", Map.of("statefulSet", Map.of("enabled", false), "hpa", Map.of("maxReplicas", 5)),
                "proxy", Map.of("replicas", 2));
        WorkloadSettings w = SnapshotMapper.workloads(components, Map.of("pulsar", Map.of("producerAccessMode", "shared")));
        assertThat(w.statefulSet()).containsExactly(Component.QUERYNODE);
        assertThat(w.operatorHpa()).containsExactly(Component.DATANODE);
        assertThat(w.rollingUpdate()).containsExactly(Map.entry(Component.QUERYNODE, new WorkloadSettings.RollingUpdate("0", "25%")));
        assertThat(w.pulsarProducerAccessMode()).contains("shared");
    }

    @Test
    void a_spec_without_them_reads_as_none() {
        assertThat(SnapshotMapper.workloads(Map.of("proxy", Map.of("replicas", 1)), Map.of())).isEqualTo(
                new WorkloadSettings(Set.of(), Set.of(), Map.of(), Optional.empty()));
    }
}

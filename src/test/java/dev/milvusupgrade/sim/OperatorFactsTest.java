package dev.milvusupgrade.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.Version;
import dev.milvusupgrade.testing.OperatorReference;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

/**
 * The simulator states the operator's names itself (OperatorFacts); the tool states them in MilvusApi. Neither
 * imports the other, so this test is what keeps the fake and the tool speaking of the same operator, and the real
 * CRD (src/test/resources/milvus-operator/milvus.io_milvuses.json) is the referee for the API.
 */
class OperatorFactsTest {

    private static final CustomResourceDefinition CRD = new KubernetesSerialization()
            .unmarshal(OperatorReference.read("milvus.io_milvuses.json"), CustomResourceDefinition.class);

    @Test
    void the_simulator_serves_the_api_group_version_and_kind_of_the_tool_and_of_the_real_crd() {
        assertThat(OperatorFacts.GROUP).isEqualTo(MilvusApi.GROUP).isEqualTo(CRD.getSpec().getGroup());
        assertThat(OperatorFacts.KIND).isEqualTo(MilvusApi.KIND).isEqualTo(CRD.getSpec().getNames().getKind());
        assertThat(OperatorFacts.PLURAL).isEqualTo(MilvusApi.PLURAL).isEqualTo(CRD.getSpec().getNames().getPlural());
        assertThat(OperatorFacts.VERSION).isEqualTo(MilvusApi.VERSION);
        assertThat(CRD.getSpec().getVersions()).anyMatch(v -> v.getName().equals(OperatorFacts.VERSION) && v.getStorage());
        assertThat(OperatorFacts.API_VERSION).isEqualTo(MilvusApi.API_VERSION);
        assertThat(OperatorFacts.MILVUS.getPlural()).isEqualTo(MilvusApi.MILVUS.getPlural());
    }

    @Test
    void the_simulator_labels_workloads_with_the_keys_the_tool_selects_them_by() {
        assertThat(OperatorFacts.LABEL_INSTANCE).isEqualTo(MilvusApi.LABEL_INSTANCE);
        assertThat(OperatorFacts.LABEL_COMPONENT).isEqualTo(MilvusApi.LABEL_COMPONENT);
        assertThat(OperatorFacts.LABEL_NAME).isEqualTo(MilvusApi.LABEL_NAME);
        assertThat(OperatorFacts.LABEL_MANAGED_BY).isEqualTo(MilvusApi.LABEL_MANAGED_BY);
        assertThat(OperatorFacts.LABEL_VERSION).isEqualTo(MilvusApi.LABEL_VERSION);
    }

    @Test
    void the_simulator_installs_the_operator_where_the_tool_looks_for_it() {
        assertThat(OperatorFacts.OPERATOR_NAMESPACE).isEqualTo(MilvusApi.OPERATOR_NAMESPACE);
        assertThat(OperatorFacts.OPERATOR_DEPLOYMENT).isEqualTo(MilvusApi.OPERATOR_DEPLOYMENT);
    }

    @Test
    void the_simulator_reads_versions_as_the_tool_orders_them() {
        for (String[] pair : new String[][] {{"v2.6.0-rc1", "v2.6.0"}, {"1.3.7", "v1.3.8"}, {"v2.5.16-gpu", "v2.5.17"}}) {
            assertThat(SimVersion.parse(pair[0]).orElseThrow()).isLessThan(SimVersion.parse(pair[1]).orElseThrow());
            assertThat(Version.parse(pair[0]).orElseThrow()).as("the tool agrees").isLessThan(Version.parse(pair[1]).orElseThrow());
        }
        assertThat(SimVersion.parse("v2.5.16-gpu").orElseThrow()).isEqualByComparingTo(SimVersion.of(2, 5, 16));
        assertThat(SimVersion.parse("latest")).isEmpty();
    }
}

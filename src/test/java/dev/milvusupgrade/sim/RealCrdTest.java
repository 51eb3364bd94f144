package dev.milvusupgrade.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.testing.OperatorReference;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The operator's real CRD (its repository's config/crd/bases/milvus.io_milvuses.yaml, carried as
 * JSON without its description texts in src/test/resources/milvus-operator/milvus.io_milvuses.json,
 * see NOTICE.md there) against what this tool assumes: the API the embedded server serves, every
 * field the patches write and every field the snapshot reads.
 */
class RealCrdTest {

    private static CustomResourceDefinition crd;
    private static CustomResourceDefinitionVersion v1beta1;

    @BeforeAll
    static void read() {
        crd = new KubernetesSerialization().unmarshal(OperatorReference.read("milvus.io_milvuses.json"), CustomResourceDefinition.class);
        v1beta1 = crd.getSpec().getVersions().stream().filter(v -> v.getName().equals(MilvusApi.VERSION)).findFirst().orElseThrow();
    }

    private static JSONSchemaProps at(String path) {
        JSONSchemaProps p = v1beta1.getSchema().getOpenAPIV3Schema();
        for (String key : path.split("\\.")) {
            assertThat(p.getProperties()).as(path + ": " + key).containsKey(key);
            p = p.getProperties().get(key);
        }
        return p;
    }

    @Test
    void the_embedded_server_serves_milvus_as_the_crd_declares_it() {
        assertThat(crd.getSpec().getGroup()).isEqualTo(EmbeddedApiServer.MILVUS_CRD.getGroup());
        assertThat(crd.getSpec().getNames().getPlural()).isEqualTo(EmbeddedApiServer.MILVUS_CRD.getPlural());
        assertThat(crd.getSpec().getNames().getKind()).isEqualTo(EmbeddedApiServer.MILVUS_CRD.getKind());
        assertThat(crd.getSpec().getScope()).isEqualTo(EmbeddedApiServer.MILVUS_CRD.getScope());
        assertThat(v1beta1.getServed()).isTrue();
        assertThat(v1beta1.getStorage()).as("v1beta1 is the storage version, so no conversion webhook is needed").isTrue();
        assertThat(v1beta1.getSubresources().getStatus()).as("status subresource").isNotNull();
        assertThat(EmbeddedApiServer.MILVUS_CRD.isStatusSubresource()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "spec.components.image|string",
        "spec.components.mixCoord.replicas|integer",
        "spec.components.version|string",
        "spec.components.streamingMode|boolean",
        "spec.components.imageUpdateMode|string",
        "spec.components.rootCoord|object",
        "spec.components.dataCoord|object",
        "spec.components.queryCoord|object",
        "spec.components.indexCoord|object",
        "spec.components.indexNode|object",
        "spec.components.streamingNode|object",
        "spec.components.cdc|object",
        "spec.mode|string",
        "spec.dependencies.msgStreamType|string",
        "status.status|string",
        "status.observedGeneration|integer",
        "status.currentImage|string",
        "status.currentVersion|string",
        "status.conditions|array",
        "status.componentsDeployStatus|object"})
    void every_field_the_tool_writes_or_reads_is_declared(String path, String type) {
        assertThat(at(path).getType()).isEqualTo(type);
    }

    @Test
    void the_enums_the_tool_relies_on_hold_the_values_it_uses() {
        assertThat(at("spec.mode").getEnum()).extracting(Object::toString).contains("\"cluster\"", "\"standalone\"");
        assertThat(at("spec.components.imageUpdateMode").getEnum()).extracting(Object::toString).contains("\"rollingUpgrade\"", "\"all\"");
        assertThat(at("spec.dependencies.msgStreamType").getEnum()).extracting(Object::toString)
                .contains("\"pulsar\"", "\"kafka\"", "\"woodpecker\"");
    }
}

package dev.milvusupgrade.run;

import dev.milvusupgrade.k8s.Kube;
import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.k8s.RecordCodec;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The catalogue of bad intents and unfit clusters: each is refused with exit 2, a one-line message
 * with its fix, the Rejected annotation, and the Milvus resource at the same resourceVersion.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadIntentTest {

    private static final String SHARED = "bad-shared";
    private static final String OK_IMAGE = "milvusdb/milvus:v2.5.8";
    private static final String FUTURE = Instant.now().plus(Duration.ofDays(1)).toString();

    /** One case: the intent, the cluster it runs against (its own namespace when it alters it), and the expected message. */
    record Case(String name, Map<String, String> intent, String ownImage, Layout layout, BiConsumer<KubernetesClient, String> alter,
            String expected) {
        @Override
        public String toString() {
            return name;
        }

        String namespace() {
            return ownImage == null ? SHARED : "bad-" + name.replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
        }
    }

    private static Map<String, String> intent(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("milvus", "my-release");
        m.put("targetVersion", "v2.6.4");
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                m.remove(kv[i]);
            } else {
                m.put(kv[i], kv[i + 1]);
            }
        }
        return m;
    }

    private static Case onShared(String name, Map<String, String> intent, String expected) {
        return new Case(name, intent, null, null, (c, ns) -> { }, expected);
    }

    private static Case onOwn(String name, String image, Layout layout, BiConsumer<KubernetesClient, String> alter, String expected) {
        return new Case(name, intent(), image, layout, alter, expected);
    }

    @SuppressWarnings("unchecked")
    private static void alterMilvus(KubernetesClient c, String ns, BiConsumer<Map<String, Object>, Map<String, Object>> specAndStatus,
            boolean status) {
        GenericKubernetesResource m = c.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).withName("my-release").get();
        specAndStatus.accept((Map<String, Object>) m.getAdditionalProperties().get("spec"),
                (Map<String, Object>) m.getAdditionalProperties().get("status"));
        if (status) {
            c.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).resource(m).updateStatus();
        } else {
            c.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).resource(m).update();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> components(Map<String, Object> spec) {
        return (Map<String, Object>) spec.get("components");
    }

    static List<Case> cases() {
        String huge = "v2.6.4" + " ".repeat(600);
        return List.of(
                onShared("missing milvus", intent("milvus", null), "intent key 'milvus' is missing"),
                onShared("missing targetVersion", intent("targetVersion", null), "intent key 'targetVersion' is missing"),
                onShared("empty intent", Map.of(), "intent key 'milvus' is missing"),
                onShared("targetVersion latest", intent("targetVersion", "latest"), "'latest', not a version"),
                onShared("targetVersion two parts", intent("targetVersion", "2.6"), "'2.6', not a version"),
                onShared("typo targetversion", Map.of("milvus", "my-release", "targetversion", "v2.6.4"),
                        "unknown intent key 'targetversion' (did you mean 'targetVersion'?)"),
                onShared("typo stagetimeout", intent("stagetimeout", "10m"), "(did you mean 'stageTimeout'?)"),
                onShared("typo milvusNamspace", intent("milvusNamspace", "x"), "(did you mean 'milvusNamespace'?)"),
                onShared("message queue change requested", intent("msgStreamType", "kafka"), "unknown intent key 'msgStreamType'"),
                onShared("unrelated key", intent("replicas", "3"), "unknown intent key 'replicas'"),
                onShared("bad milvus name", intent("milvus", "My_Release"), "not a Kubernetes resource name"),
                onShared("bad namespace", intent("milvusNamespace", "Prod_NS"), "not a namespace name"),
                onShared("timeout without unit", intent("stageTimeout", "5"), "'5', not a duration"),
                onShared("timeout in days", intent("stageTimeout", "1d"), "'1d', not a duration"),
                onShared("timeout negative", intent("stageTimeout", "-1m"), "not a duration"),
                onShared("timeout too long", intent("stageTimeout", "25h"), "outside 10s..24h"),
                onShared("timeout huge", intent("stageTimeout", "99999h"), "outside 10s..24h"),
                onShared("timeout too short", intent("stageTimeout", "5s"), "outside 10s..24h"),
                onShared("notAfter malformed", intent("notAfter", "tomorrow 5am"), "not an RFC 3339 instant"),
                onShared("notAfter in the past", intent("notAfter", "2020-01-01T00:00:00Z"), "ended at 2020-01-01T00:00:00Z"),
                onShared("paused yes", intent("paused", "yes"), "'paused' is 'yes', not true or false"),
                onShared("dryRun 1", intent("dryRun", "1"), "'dryRun' is '1', not true or false"),
                onShared("huge value", intent("targetVersion", huge), "characters long"),
                onShared("repository with tag", intent("imageRepository", "milvusdb/milvus:v2.6.4"), "not a repository without tag"),
                onShared("rc target", intent("targetVersion", "v2.6.0-rc1"), "is a pre-release"),
                onShared("unknown target 2.7", intent("targetVersion", "v2.7.0"), "not in the upgrade catalogue"),
                onShared("unknown target 2.6.99", intent("targetVersion", "v2.6.99"), "not in the upgrade catalogue"),
                onShared("downgrade", intent("targetVersion", "v2.5.4"), "downgrades are not supported"),
                onShared("known-bad target from 2.5", intent("targetVersion", "v2.6.13"),
                        "targetVersion v2.6.13 is refused from 2.5 (milvus-io/milvus#48930)"),
                onShared("3.0 target", intent("targetVersion", "v3.0.1"), "the 2.6 to 3.0 route is not supported yet"),
                onShared("missing user catalogue", intent("releaseCatalogue", "nope"),
                        "release catalogue ConfigMap bad-shared/nope named by the intent key releaseCatalogue does not exist"),
                new Case("user catalogue lifting a refusal", intent("releaseCatalogue", "my-releases", "targetVersion", "v2.6.13"),
                        OK_IMAGE,
                        Layout.FOUR_COORDS, (c, ns) -> c.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
                                .withName("my-releases").withNamespace(ns).endMetadata().withData(Map.of("releases",
                                        "# ours\nv2.6.13 | - | - | - | fine for us\nv2.6.26 | - | - | - | -\n")).build()).create(),
                        "release catalogue ConfigMap bad-user-catalogue-lifting-a-refusal/my-releases line 2 changes the built-in refusal of v2.6.13"),
                new Case("cluster on 3.0", intent("targetVersion", "recommended"), "milvusdb/milvus:v3.0.1", Layout.MIXCOORD,
                        (c, ns) -> { },
                        "the cluster runs v3.0.1, outside this tool's routes"),
                new Case("statefulset mode", intent("targetVersion", "recommended"), OK_IMAGE, Layout.FOUR_COORDS,
                        (c, ns) -> alterMilvus(c, ns,
                            (spec, st) -> components(spec)
                                .put("queryNode", new HashMap<>(Map.of("replicas", 1, "statefulSet", Map.of("enabled", true)))),
                        false), "(StatefulSet mode"),
                onShared("milvus missing", intent("milvus", "nope"), "Milvus bad-shared/nope not found"),
                onShared("milvus namespace without rbac", intent("milvusNamespace", "forbidden-ns"), "(403 Forbidden)"),
                onShared("window too short is fine but notAfter far future with bad timeout",
                        intent("notAfter", FUTURE, "stageTimeout", "0s"),
                        "outside 10s..24h"),
                onOwn("rc1 source", "milvusdb/milvus:v2.6.0-rc1", Layout.MIXCOORD, (c, ns) -> { }, "v2.6.0-rc1 is not compatible"),
                onOwn("source older than 2.5", "milvusdb/milvus:v2.4.9", Layout.FOUR_COORDS, (c, ns) -> { }, "older than v2.5.0"),
                onOwn("standalone", OK_IMAGE, Layout.FOUR_COORDS,
                        (c, ns) -> alterMilvus(c, ns, (spec, st) -> spec.put("mode", "standalone"), false),
                        "standalone mode"),
                onOwn("empty image", OK_IMAGE, Layout.FOUR_COORDS,
                        (c, ns) -> alterMilvus(c, ns, (spec, st) -> components(spec).put("image", ""), false),
                        "spec.components.image is empty"),
                onOwn("digest only", OK_IMAGE, Layout.FOUR_COORDS, (c, ns) -> alterMilvus(c, ns, (spec, st) -> components(spec)
                        .put("image", "milvusdb/milvus@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), false),
                        "pinned by digest and the status reports no version"),
                onOwn("version pinned", OK_IMAGE, Layout.FOUR_COORDS,
                        (c, ns) -> alterMilvus(c, ns, (spec, st) -> components(spec).put("version", "v2.5.8"), false),
                        "spec.components.version is pinned"),
                onOwn("unhealthy", OK_IMAGE, Layout.FOUR_COORDS,
                        (c, ns) -> alterMilvus(c, ns, (spec, st) -> st.put("status", "Unhealthy"), true),
                        "is Unhealthy, not Healthy"),
                onOwn("image changed by someone else", OK_IMAGE, Layout.FOUR_COORDS,
                        (c, ns) -> alterMilvus(c, ns, (spec, st) -> components(spec).put("image", "milvusdb/milvus:v2.5.10"), false),
                        "a rollout this plan did not start"),
                onOwn("pause reconcile", OK_IMAGE, Layout.FOUR_COORDS,
                        (c, ns) -> c.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns)
                        .withName("my-release").edit(m -> {
                            m.getMetadata().getAnnotations().put("milvus.io/pause-reconcile", "true");
                            return m;
                        }), "milvus.io/pause-reconcile=true"));
    }

    private ScenarioCluster cluster;

    @BeforeAll
    void seedEveryClusterThenStopTheOperator() {
        cluster = ScenarioCluster.start();
        SimulatedCluster.seedMilvus(cluster.client, SHARED, "my-release", OK_IMAGE, Layout.FOUR_COORDS, "pulsar", Duration.ofSeconds(20));
        for (Case k : cases()) {
            if (k.ownImage() != null) {
                SimulatedCluster.seedMilvus(cluster.client, k.namespace(), "my-release", k.ownImage(), k.layout(), "pulsar",
                        Duration.ofSeconds(20));
            }
        }
        cluster.faults().inject(new FaultInjectingDispatcher.Fault("no rbac in forbidden-ns",
                r -> r.getPath().contains("/namespaces/forbidden-ns/"),
                Integer.MAX_VALUE, () -> FaultInjectingDispatcher.status(403, "Forbidden", "forbidden by the test")));
        // From here on nothing but the tool under test writes, so an unchanged resourceVersion means untouched.
        cluster.operator.close();
        for (Case k : cases()) {
            k.alter().accept(cluster.client, k.namespace());
        }
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void is_rejected_with_a_one_line_fix_and_the_milvus_resource_untouched(Case k) {
        KubernetesClient c = cluster.client;
        String intentName = "intent-" + Integer.toHexString(k.name().hashCode());
        c.configMaps().inNamespace(k.namespace()).resource(new ConfigMapBuilder().withNewMetadata().withName(intentName)
                .withNamespace(k.namespace()).endMetadata().withData(k.intent()).build()).create();
        String before = c.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(k.namespace()).withName("my-release").get()
                .getMetadata().getResourceVersion();

        Runner.Report report = new Runner(new Kube(cluster.toolClient),
                Clock.systemUTC(), cluster.settings, line -> { }, Checkpoint.Listener.NONE,
                cluster::dataPlane).run(k.namespace(), intentName);

        assertThat(report.exitCode()).isEqualTo(2);
        String recorded = c.configMaps().inNamespace(k.namespace()).withName(intentName).get().getMetadata().getAnnotations()
                .get(MilvusApi.ANNOTATION_RESULT);
        RunRecord r = new RecordCodec(c.getKubernetesSerialization()).decode(recorded).orElseThrow();
        assertThat(r.phase()).isEqualTo(Phase.Rejected);
        assertThat(c.configMaps().inNamespace(k.namespace()).withName(intentName).get().getMetadata().getAnnotations())
                .containsEntry(MilvusApi.ANNOTATION_PHASE, "Rejected");
        assertThat(r.message()).contains(k.expected()).contains("fix:").doesNotContain("\n");
        assertThat(c.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(k.namespace()).withName("my-release").get()
                .getMetadata().getResourceVersion()).isEqualTo(before);
    }

}

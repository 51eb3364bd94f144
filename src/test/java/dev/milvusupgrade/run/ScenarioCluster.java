package dev.milvusupgrade.run;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import dev.milvusupgrade.k8s.Kube;
import dev.milvusupgrade.data.MilvusData;
import dev.milvusupgrade.data.MilvusRestClient;
import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.k8s.ClusterGateway;
import dev.milvusupgrade.k8s.RecordCodec;
import dev.milvusupgrade.k8s.RetryAfter;
import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.sim.EmbeddedApiServer;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedMilvusDataPlane;
import dev.milvusupgrade.sim.SimulatedMilvusOperator;
import dev.milvusupgrade.sim.SimulatorOptions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One test cluster: an embedded API server that records requests, the simulated operator on its
 * own client, and helpers to seed a Milvus instance and an intent and to run the tool.
 */
public final class ScenarioCluster implements AutoCloseable {

    public static final String NS = "milvus";
    public static final String RELEASE = "my-release";
    public static final String INTENT = "milvus-upgrade";
    /** The User-Agent of the client the tool under test uses, to tell its requests from the simulator's and the test's. */
    public static final String TOOL_AGENT = "milvus-upgrade-under-test";

    private RecordingDispatcher recorder;
    private FaultInjectingDispatcher faults;
    public final EmbeddedApiServer api;
    public final KubernetesClient client;
    /** The client the tool under test runs with. */
    public final KubernetesClient toolClient;
    private final KubernetesClient operatorClient;
    public final SimulatedMilvusOperator operator;
    /** Milvus's data plane behind the instance's Service; it answers while the proxies are available. */
    public final SimulatedMilvusDataPlane data;
    /** The tool's log lines; synchronized, as a test may read it while a run writes it. */
    public final List<String> log = Collections.synchronizedList(new ArrayList<>());
    /** The tool's clock: the system clock unless a test moves it (an {@code OffsetClock} for "an hour later"). */
    public Clock clock = Clock.systemUTC();
    /**
     * The tool's settings: production's Lease (30 s, renewed every 10 s), so no scenario depends on a renewal landing in
     * time on a loaded machine; the gates ask Milvus and milvus-backup again every 100 ms instead of at the progress interval.
     */
    public Runner.Settings settings = new Runner.Settings(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofSeconds(30),
            Duration.ofMillis(80)).withPollEvery(Duration.ofMillis(50));

    public ScenarioCluster(SimulatorOptions options) {
        // Faults sit outside the recorder: the recorder sees only what reached the CRUD store.
        api = new EmbeddedApiServer(d -> faults = new FaultInjectingDispatcher(recorder = new RecordingDispatcher(d)));
        client = api.client();
        // Built as the command line's client is (ClientProducer): with the Retry-After workaround.
        toolClient = RetryAfter.apply(new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(TOOL_AGENT).build())).build();
        operatorClient = api.newClient();
        operator = new SimulatedMilvusOperator(operatorClient, options);
        operator.start();
        SimulatedCluster.seedOperatorDeployment(client, options.operatorVersion());
        data = new SimulatedMilvusDataPlane(client, NS, RELEASE);
    }

    public static ScenarioCluster start() {
        return new ScenarioCluster(SimulatorOptions.fast());
    }

    public GenericKubernetesResource seed(String image, SimulatedCluster.Layout layout) {
        return SimulatedCluster.seedMilvus(client, NS, RELEASE, image, layout, "pulsar", Duration.ofSeconds(20));
    }

    public void intent(Map<String, String> data) {
        client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName(INTENT).withNamespace(NS)
                .endMetadata().withData(data).build()).create();
    }

    public Runner runner() {
        return runner(Checkpoint.Listener.NONE);
    }

    /** A runner that reports its checkpoints, to interrupt or disturb a run at one of them. */
    public Runner runner(Checkpoint.Listener checkpoints) {
        return new Runner(new Kube(toolClient), clock, settings, log::add, checkpoints, this::dataPlane);
    }

    /**
     * The client of the data plane the tool would make: the instance's Service address resolves to the
     * simulated data plane here; any other address (an intent's milvusEndpoint) is used as it is.
     */
    public MilvusData dataPlane(MilvusEndpoint e) {
        boolean service = (RELEASE + "-milvus." + NS).equals(e.uri().getHost());
        MilvusEndpoint to = service ? new MilvusEndpoint(data.uri(), e.token(), e.username(), e.password(), e.caCertificate(),
                e.trustPublicCas(), e.secret()) : e;
        // A generous timeout: the first TLS handshake of a JVM on a loaded 2-core machine can take seconds.
        return new MilvusRestClient(to, 4, Duration.ofSeconds(10));
    }

    /** A run whose process dies at {@code where} of {@code stage}: nothing after that point runs, the record stays as it was. */
    public void killAt(Checkpoint where, String stage) {
        try {
            Runner.Report ended = runner((cp, st) -> {
                if (cp == where && st.equals(stage)) {
                    throw new ResumeTest.Killed(cp + "@" + st);
                }
            }).run(NS, INTENT);
            // Say how it ended instead: a run that never reached the checkpoint failed or stopped for a reason of its own.
            throw new AssertionError("the run was not killed at " + where + "@" + stage + ": it ended " + ended.record().phase()
                    + ": " + ended.record().message() + "\n" + String.join("\n", List.copyOf(log)));
        } catch (ResumeTest.Killed expected) {
            // the Job's pod is gone
        }
    }

    /** The intent of a data-check scenario: this cluster to v2.6.4 within 30 s a stage, then the pairs {@code kv}. */
    public static Map<String, String> intentWith(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("milvus", RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "30s"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Creates the Secret {@code milvus-auth} in the cluster's namespace with {@code values}. */
    public void authSecret(Map<String, String> values) {
        Map<String, String> data = new HashMap<>();
        values.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("milvus-auth")
                .withNamespace(NS).endMetadata().withData(data).build()).create();
    }

    /** Sets one key of the intent, as a person editing the ConfigMap would. */
    public void editIntent(String key, String value) {
        client.configMaps().inNamespace(NS).withName(INTENT).edit(cm -> {
            cm.getData().put(key, value);
            return cm;
        });
    }

    /** Whether the tool logged a line containing {@code text}. */
    public boolean logged(String text) {
        synchronized (log) {
            return log.stream().anyMatch(l -> l.contains(text));
        }
    }

    /** The result annotation, decoded. */
    public RunRecord result() {
        return new RecordCodec(client.getKubernetesSerialization()).decode(annotations().get(MilvusApi.ANNOTATION_RESULT)).orElseThrow();
    }

    public Runner.Report run() {
        return runner().run(NS, INTENT);
    }

    public GenericKubernetesResource milvus() {
        return client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(NS).withName(RELEASE).get();
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> components() {
        return (Map<String, Object>) ((Map<String, Object>) milvus().getAdditionalProperties().get("spec")).get("components");
    }

    public Map<String, String> annotations() {
        ConfigMap cm = client.configMaps().inNamespace(NS).withName(INTENT).get();
        return Optional.ofNullable(cm.getMetadata().getAnnotations()).orElse(Map.of());
    }

    /** Stops the simulated operator and marks the instance Unhealthy, as a cluster with a failing component reports. */
    @SuppressWarnings("unchecked")
    public void makeUnhealthy() {
        operator.close();
        GenericKubernetesResource m = milvus();
        ((Map<String, Object>) m.getAdditionalProperties().get("status")).put("status", "Unhealthy");
        client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(NS).resource(m).updateStatus();
    }

    public String resourceVersion() {
        return milvus().getMetadata().getResourceVersion();
    }

    public RecordingDispatcher requests() {
        return recorder;
    }

    public FaultInjectingDispatcher faults() {
        return faults;
    }

    /** Every request the tool under test made. */
    public List<RecordingDispatcher.Request> toolRequests() {
        return recorder.requests().stream().filter(r -> TOOL_AGENT.equals(r.userAgent())).toList();
    }

    /** The merge patches this tool sent to the Milvus resource. */
    public List<RecordingDispatcher.Request> ourMilvusPatches() {
        return recorder.requests().stream().filter(r -> r.isPatchBy(ClusterGateway.FIELD_MANAGER) && r.path().contains("/milvuses/"))
                .toList();
    }

    @Override
    public void close() {
        data.close();
        operator.close();
        operatorClient.close();
        toolClient.close();
        api.close();
    }
}

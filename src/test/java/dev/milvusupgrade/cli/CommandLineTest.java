package dev.milvusupgrade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.sim.EmbeddedApiServer;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedMilvusDataPlane;
import dev.milvusupgrade.sim.SimulatedMilvusOperator;
import dev.milvusupgrade.sim.SimulatorOptions;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real command line, launched in-process against the embedded cluster: exit codes and output. */
@QuarkusMainTest
class CommandLineTest {

    private static final List<String> PROPERTIES = List.of("quarkus.kubernetes-client.api-server-url",
            "quarkus.kubernetes-client.namespace", "milvus-upgrade.termination-log", "milvus-upgrade.lease-duration");
    private static EmbeddedApiServer api;
    private static KubernetesClient operatorClient;
    private static SimulatedMilvusOperator operator;
    private static Path terminationLog;

    /** The launched application reads its connection from these system properties at each launch. */
    @BeforeAll
    static void startCluster() throws Exception {
        api = new EmbeddedApiServer();
        operatorClient = api.newClient();
        operator = new SimulatedMilvusOperator(operatorClient, SimulatorOptions.fast());
        operator.start();
        SimulatedCluster.seedOperatorDeployment(api.client(), "1.3.8");
        terminationLog = Files.createTempFile("termination-log", ".txt");
        System.setProperty(PROPERTIES.get(0), api.url());
        System.setProperty(PROPERTIES.get(1), "default");
        System.setProperty(PROPERTIES.get(2), terminationLog.toString());
        // Production's 30 s (renewed every 10 s): no run here may lose its Lease to a late renewal on a loaded machine.
        System.setProperty(PROPERTIES.get(3), "30s");
    }

    @AfterAll
    static void stopCluster() {
        PROPERTIES.forEach(System::clearProperty);
        operator.close();
        operatorClient.close();
        api.close();
    }

    private static KubernetesClient client() {
        return api.client();
    }

    private static KubernetesClient seed(String ns, String image, Map<String, String> intent) {
        KubernetesClient client = client();
        SimulatedCluster.seedMilvus(client, ns, "my-release", image, SimulatedCluster.Layout.FOUR_COORDS, "pulsar", Duration.ofSeconds(20));
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("milvus-upgrade")
                .withNamespace(ns).endMetadata().withData(intent).build()).create();
        return client;
    }

    private static String rv(KubernetesClient client, String ns) {
        return client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).withName("my-release").get().getMetadata()
                .getResourceVersion();
    }

    @Test
    void a_fleet_intent_is_planned_run_and_shown_by_status(QuarkusMainLauncher launcher) throws Exception {
        KubernetesClient client = client();
        for (String name : List.of("b", "a")) {
            io.fabric8.kubernetes.api.model.GenericKubernetesResource m = SimulatedCluster.milvusResource("cli-fleet", name,
                    "milvusdb/milvus:v2.5.16",
                    SimulatedCluster.Layout.MIXCOORD, "pulsar");
            m.getMetadata().setLabels(Map.of("fleet", "cli"));
            SimulatedCluster.seedMilvus(client, m, Duration.ofSeconds(20));
        }
        client.configMaps().inNamespace("cli-fleet").resource(new ConfigMapBuilder().withNewMetadata().withName("milvus-upgrade")
                .withNamespace("cli-fleet").endMetadata()
                .withData(Map.of("selector", "fleet=cli", "namespaces", "cli-fleet", "maxConcurrent", "2",
                        "targetVersion", "v2.6.4", "dataCheck", "off")).build()).create();

        LaunchResult plan = launcher.launch("plan", "--namespace", "cli-fleet");
        assertThat(plan.exitCode()).as(plan.getOutput()).isZero();
        assertThat(plan.getOutput()).contains("1. cli-fleet/a (canary): v2.5.16 -> v2.6.4 in 1 stage(s): 2.6.4")
                .contains("2. cli-fleet/b: v2.5.16 -> v2.6.4").contains("Planned: planned 2 cluster(s) to v2.6.4");

        LaunchResult run = launcher.launch("run", "--namespace", "cli-fleet");
        assertThat(run.exitCode()).as(run.getOutput()).isZero();
        assertThat(run.getOutput()).contains("fleet fleet=cli -> v2.6.4: Succeeded").contains("totals: 2 Succeeded");
        assertThat(Files.readString(terminationLog)).startsWith("fleet Succeeded: all 2 cluster(s) on v2.6.4");

        LaunchResult status = launcher.launch("status", "--namespace", "cli-fleet");
        assertThat(status.exitCode()).isZero();
        assertThat(status.getOutput()).containsPattern("1 +cli-fleet/a \\(canary\\) +Succeeded +v2\\.5\\.16 +v2\\.6\\.4")
                .containsPattern("2 +cli-fleet/b +Succeeded");
        LaunchResult json = launcher.launch("status", "--namespace", "cli-fleet", "-o", "json");
        assertThat(json.getOutput()).contains("\"phase\":\"Succeeded\"").contains("\"clusters\":[\"cli-fleet/a Succeeded v2.5.16 v2.6.4 ");
    }

    @Test
    void plan_prints_the_two_stages_and_writes_nothing(QuarkusMainLauncher launcher) {
        KubernetesClient client = seed("cli-plan", "milvusdb/milvus:v2.5.4", Map.of("milvus", "my-release", "targetVersion", "v2.6.4",
                "backupEndpoint", "http://milvus-backup:8080"));
        String before = rv(client, "cli-plan");

        LaunchResult result = launcher.launch("plan", "--namespace", "cli-plan");

        assertThat(result.exitCode()).isZero();
        assertThat(result.getOutput()).contains("v2.5.4 -> v2.6.4").contains("1. mixcoord-2.5.16").contains("2. 2.6.4")
                .contains("{\"spec\":{\"components\":{\"mixCoord\":{\"replicas\":1},\"image\":\"milvusdb/milvus:v2.5.16\"}}}")
                .contains("  backup milvus_upgrade_cli_plan_my_release_").contains(" by milvus-backup, before the first 2.6 stage");
        assertThat(rv(client, "cli-plan")).isEqualTo(before);
        assertThat(client.configMaps().inNamespace("cli-plan").withName("milvus-upgrade").get().getMetadata().getAnnotations())
                .isNullOrEmpty();
    }

    @Test
    void plan_recommends_the_newest_safe_target_and_refuses_a_known_bad_one(QuarkusMainLauncher launcher) {
        KubernetesClient client = seed("cli-recommend", "milvusdb/milvus:v2.5.4",
                Map.of("milvus", "my-release", "targetVersion", "recommended"));
        String before = rv(client, "cli-recommend");

        LaunchResult plan = launcher.launch("plan", "--namespace", "cli-recommend");

        assertThat(plan.exitCode()).as(plan.getOutput()).isZero();
        assertThat(plan.getOutput()).contains("v2.5.4 -> v2.6.25").contains("1. mixcoord-2.5.16").contains("2. 2.6.25")
                .contains("targetVersion recommended resolved: recommended target from v2.5.4: v2.6.25");

        client.configMaps().inNamespace("cli-recommend").withName("milvus-upgrade").edit(cm -> {
            cm.getData().put("targetVersion", "v2.6.13");
            return cm;
        });
        LaunchResult bad = launcher.launch("plan", "--namespace", "cli-recommend");

        assertThat(bad.exitCode()).as(bad.getOutput()).isEqualTo(2);
        assertThat(bad.getOutput()).contains("Rejected: targetVersion v2.6.13 is refused from 2.5 (milvus-io/milvus#48930)")
                .contains("fix: target v2.6.15 or later");
        assertThat(rv(client, "cli-recommend")).isEqualTo(before);
    }

    @Test
    void run_with_a_typo_in_the_intent_exits_2_with_a_hint(QuarkusMainLauncher launcher) throws Exception {
        KubernetesClient client = seed("cli-typo", "milvusdb/milvus:v2.5.8", Map.of("milvus", "my-release", "targetVersion", "v2.6.4",
                "stagetimeout", "10m"));
        String before = rv(client, "cli-typo");

        LaunchResult result = launcher.launch("run", "--namespace", "cli-typo");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.getOutput()).contains("Rejected: unknown intent key 'stagetimeout' (did you mean 'stageTimeout'?)");
        assertThat(Files.readString(terminationLog)).startsWith("Rejected: unknown intent key 'stagetimeout'");
        assertThat(rv(client, "cli-typo")).isEqualTo(before);
    }

    @Test
    void run_upgrades_then_status_shows_the_table_and_json(QuarkusMainLauncher launcher) throws Exception {
        try (SimulatedMilvusDataPlane data = new SimulatedMilvusDataPlane(client(), "cli-run", "my-release")) {
            seed("cli-run", "milvusdb/milvus:v2.5.8", Map.of("milvus", "my-release", "targetVersion", "v2.6.4", "stageTimeout", "1m",
                    "milvusEndpoint", data.uri().toString()));

            LaunchResult run = launcher.launch("run", "--namespace", "cli-run");

            assertThat(run.exitCode()).as(run.getOutput()).isZero();
            assertThat(data.requests("collections/get_stats")).isPositive();
            assertThat(run.getOutput()).contains("Succeeded: Milvus cli-run/my-release upgraded from v2.5.8 to v2.6.4 in 2 stage(s)");
        }
        assertThat(Files.readString(terminationLog)).startsWith("Succeeded: Milvus cli-run/my-release upgraded");

        LaunchResult table = launcher.launch("status", "--namespace", "cli-run");
        assertThat(table.exitCode()).isZero();
        assertThat(table.getOutput()).contains("STAGE").contains("mixcoord-2.5.16").contains("Succeeded");

        LaunchResult json = launcher.launch("status", "--namespace", "cli-run", "-o", "json");
        assertThat(json.exitCode()).isZero();
        assertThat(json.getOutput()).contains("\"phase\":\"Succeeded\"").contains("\"targetVersion\":\"v2.6.4\"")
                .contains("\"dataCheck\":{\"mode\":\"read\"");
    }

    @Test
    void status_before_any_run_prints_an_empty_json_object_and_refuses_unknown_formats(QuarkusMainLauncher launcher) {
        seed("cli-status", "milvusdb/milvus:v2.5.8", Map.of("milvus", "my-release", "targetVersion", "v2.6.4"));

        LaunchResult json = launcher.launch("status", "--namespace", "cli-status", "-o", "json");
        assertThat(json.exitCode()).isZero();
        assertThat(json.getOutput().strip()).isEqualTo("{}");

        LaunchResult yaml = launcher.launch("status", "--namespace", "cli-status", "-o", "yaml");
        assertThat(yaml.exitCode()).isEqualTo(2);
        assertThat(yaml.getErrorOutput()).contains("yaml").contains("table, json");

        LaunchResult missing = launcher.launch("status", "--namespace", "cli-status", "--intent", "nope");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.getErrorOutput()).contains("intent ConfigMap cli-status/nope not found");
    }

    @Test
    void run_exits_75_and_changes_nothing_while_another_run_holds_the_lease(QuarkusMainLauncher launcher) {
        KubernetesClient client = seed("cli-lock", "milvusdb/milvus:v2.5.8", Map.of("milvus", "my-release", "targetVersion", "v2.6.4"));
        client.leases().inNamespace("cli-lock").resource(new LeaseBuilder().withNewMetadata().withName("milvus-upgrade-my-release")
                .withNamespace("cli-lock").endMetadata().withNewSpec().withHolderIdentity("other-pod/abcd").withLeaseDurationSeconds(300)
                .withRenewTime(ZonedDateTime.now()).endSpec().build()).create();
        String before = rv(client, "cli-lock");

        LaunchResult result = launcher.launch("run", "--namespace", "cli-lock");

        assertThat(result.exitCode()).isEqualTo(75);
        assertThat(result.getErrorOutput()).contains("another run (other-pod/abcd) holds Lease cli-lock/milvus-upgrade-my-release");
        assertThat(rv(client, "cli-lock")).isEqualTo(before);
        assertThat(client.configMaps().inNamespace("cli-lock").withName("milvus-upgrade").get().getMetadata().getAnnotations())
                .isNullOrEmpty();
    }
}

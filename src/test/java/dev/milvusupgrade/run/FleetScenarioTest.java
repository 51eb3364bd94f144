package dev.milvusupgrade.run;

import dev.milvusupgrade.k8s.Kube;
import static dev.milvusupgrade.run.ScenarioCluster.INTENT;
import static dev.milvusupgrade.run.ScenarioCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.milvusupgrade.k8s.ClusterGateway;
import dev.milvusupgrade.k8s.FleetStore;
import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.k8s.RunLock;
import dev.milvusupgrade.plan.FleetIntent;
import dev.milvusupgrade.plan.FleetRecord;
import dev.milvusupgrade.plan.FleetRecord.Line;
import dev.milvusupgrade.plan.FleetRecord.State;
import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.plan.RunRecord.StagePhase;
import dev.milvusupgrade.data.MilvusRestClient;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedMilvusDataPlane;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.testing.Await;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Fleet runs: many Milvus clusters, one intent, canary first, then in waves, against the simulated operator. */
class FleetScenarioTest {

    private static final List<String> NAMESPACES = List.of("team-a", "team-b", "team-c");
    private static final String TARGET = "milvusdb/milvus:v2.6.4";

    /**
     * Seeds {@code perNamespace} clusters labelled fleet=yes on 2.5.4 with four coordinators, plus one not selected; returns them in fleet
     * order.
     */
    private static List<String> seedFleet(ScenarioCluster c, int perNamespace, String canary) {
        List<String> refs = new ArrayList<>();
        for (String ns : NAMESPACES) {
            for (int i = 1; i <= perNamespace; i++) {
                String name = "m" + i;
                Map<String, String> labels = new HashMap<>(Map.of("fleet", "yes"));
                if ((ns + "/" + name).equals(canary)) {
                    labels.put(FleetIntent.CANARY_LABEL, "true");
                }
                GenericKubernetesResource m = SimulatedCluster.milvusResource(ns, name, "milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS,
                        "pulsar");
                m.getMetadata().setLabels(labels);
                SimulatedCluster.seedMilvus(c.client, m, Duration.ofSeconds(20));
                refs.add(ns + "/" + name);
            }
        }
        GenericKubernetesResource other = SimulatedCluster.milvusResource("team-a", "not-selected", "milvusdb/milvus:v2.5.4",
                Layout.FOUR_COORDS,
                "pulsar");
        other.getMetadata().setLabels(Map.of("fleet", "no"));
        SimulatedCluster.seedMilvus(c.client, other, Duration.ofSeconds(20));
        if (canary != null) {
            refs.remove(canary);
            refs.add(0, canary);
        }
        return refs;
    }

    /**
     * The scenario cluster, with production's Lease duration (30 s, renewed every 10 s) as every scenario has it: up to
     * 12 clusters' upgrades and renewers share a loaded 2-core machine here.
     */
    private static ScenarioCluster fleetCluster() {
        return ScenarioCluster.start();
    }

    private static Map<String, String> fleetIntent(String... more) {
        Map<String, String> d = new LinkedHashMap<>(Map.of("selector", "fleet=yes", "namespaces", String.join(",", NAMESPACES),
                "targetVersion", "v2.6.4", "dataCheck", "off"));
        for (int i = 0; i < more.length; i += 2) {
            d.put(more[i], more[i + 1]);
        }
        return d;
    }

    private static FleetRecord fleetRecord(ScenarioCluster c) {
        return new FleetStore(c.client).previous(NS, INTENT).orElseThrow();
    }

    private static RunRecord clusterRecord(ScenarioCluster c, String ref) {
        String[] r = ref.split("/");
        return new FleetStore(c.client).clusterRecord(r[0], r[1], NS + "/" + INTENT)
                .orElseThrow(() -> new AssertionError("no record for " + ref));
    }

    private static Map<String, State> states(FleetRecord r) {
        return r.clusters().stream().collect(Collectors.toMap(Line::milvus, Line::state));
    }

    private static GenericKubernetesResource milvus(ScenarioCluster c, String ref) {
        String[] r = ref.split("/");
        return c.client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(r[0]).withName(r[1]).get();
    }

    @SuppressWarnings("unchecked")
    private static String image(ScenarioCluster c, String ref) {
        return (String) ((Map<String, Object>) ((Map<String, Object>) milvus(c, ref).getAdditionalProperties().get("spec"))
                .get("components"))
                .get("image");
    }

    private static Map<String, String> resourceVersions(ScenarioCluster c, List<String> refs) {
        return refs.stream().collect(Collectors.toMap(Function.identity(), r -> milvus(c, r).getMetadata().getResourceVersion()));
    }

    /** Someone else sets the image of {@code ref} while its stage runs: the wait sees the drift and the cluster fails. */
    private static void drift(ScenarioCluster c, String ref) {
        String[] r = ref.split("/");
        // A merge patch, as a person's kubectl edit lands: an edit() would send the resourceVersion it read and lose the race
        // with the simulated operator's status writes now and then (409), which the hook's caller took for a temporary fault.
        c.client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(r[0]).withName(r[1])
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"components\":{\"image\":\"milvusdb/milvus:v2.5.15\"}}}");
    }

    /** The tool's merge patches to one Milvus resource. */
    private static long patchesOf(ScenarioCluster c, String ref) {
        String[] r = ref.split("/");
        return c.ourMilvusPatches().stream().filter(p -> p.path().contains("/namespaces/" + r[0] + "/milvuses/" + r[1] + "?")).count();
    }

    @Test
    void upgrades_twelve_clusters_in_three_namespaces_canary_first_then_four_at_a_time() {
        try (ScenarioCluster c = fleetCluster()) {
            List<String> order = seedFleet(c, 4, "team-c/m4");
            c.intent(fleetIntent("canary", "1", "maxConcurrent", "4"));

            Fleet.Report report = c.runner().runFleet(NS, INTENT);

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            FleetRecord r = fleetRecord(c);
            assertThat(r.phase()).isEqualTo(Phase.Succeeded);
            assertThat(r.clusters()).extracting(Line::milvus).containsExactlyElementsOf(order);
            assertThat(r.clusters()).allSatisfy(l -> {
                assertThat(l.state()).isEqualTo(State.Succeeded);
                assertThat(l.from()).isEqualTo("v2.5.4");
                assertThat(l.to()).isEqualTo("v2.6.4");
                assertThat(l.finishedAt()).isPresent();
            });
            assertThat(r.clusters()).filteredOn(Line::canary).extracting(Line::milvus).containsExactly("team-c/m4");
            assertThat(r.totals()).containsExactly(Map.entry(State.Succeeded, 12));
            order.forEach(ref -> assertThat(image(c, ref)).as(ref).isEqualTo(TARGET));
            assertThat(image(c, "team-a/not-selected")).isEqualTo("milvusdb/milvus:v2.5.4");
            // Each cluster went through the whole single-cluster path, its record on its own Lease.
            Map<String, RunRecord> records = order.stream().collect(Collectors.toMap(Function.identity(), ref -> clusterRecord(c, ref)));
            records.values().forEach(rec -> assertThat(rec.stages()).extracting(RunRecord.StageRecord::phase)
                    .containsExactly(StagePhase.Succeeded, StagePhase.Succeeded));
            // The canary finished before any other cluster started.
            Instant canaryDone = records.get("team-c/m4").finishedAt().orElseThrow();
            order.stream().skip(1).forEach(ref -> assertThat(records.get(ref).startedAt()).as(ref).isAfterOrEqualTo(canaryDone));
            // Never more than four at once after it, and more than one at a time.
            int most = mostAtOnce(order.stream().skip(1).map(records::get).toList());
            assertThat(most).isBetween(2, 4);
            // One informer per resource type and namespace for the whole fleet, not one per cluster waited on (12).
            List<String> watches = c.toolRequests().stream().filter(q -> q.path().contains("watch=true"))
                    .map(RecordingDispatcher.Request::path).toList();
            assertThat(watches).filteredOn(w -> w.contains("/milvuses?")).hasSize(3);
            assertThat(watches).filteredOn(w -> w.contains("/deployments?")).hasSize(3);
            // Events per cluster as in the single mode.
            assertThat(c.client.v1().events().inNamespace("team-b").list().getItems())
                    .anyMatch(e -> "UpgradeSucceeded".equals(e.getReason()) && "m2".equals(e.getInvolvedObject().getName()));
            assertThat(c.log).anyMatch(l -> l.startsWith("team-b/m3: stage 2/2 2.6.4 succeeded"));
            // Every Event was recorded: the clusters of one run share its Event names' sequence (names collided, 409, when each counted
            // alone).
            assertThat(c.log).noneMatch(l -> l.contains("could not record event"));
        }
    }

    /** The largest number of clusters whose upgrades overlapped in time. */
    private static int mostAtOnce(List<RunRecord> records) {
        int most = 0;
        for (RunRecord a : records) {
            Instant t = a.startedAt();
            int n = (int) records.stream().filter(b -> !b.startedAt().isAfter(t) && b.finishedAt().orElseThrow().isAfter(t)).count();
            most = Math.max(most, n);
        }
        return most;
    }

    @Test
    void a_cluster_whose_record_on_its_lease_cannot_be_read_is_rejected_and_left_as_it_is() {
        try (ScenarioCluster c = fleetCluster()) {
            List<String> order = seedFleet(c, 1, null);
            String first = order.get(0);
            String[] ref = first.split("/");
            String garbage = "{\"recordVersion\":3,\"phase\":\"Running\"}";
            c.client.leases().inNamespace(ref[0]).resource(new LeaseBuilder().withNewMetadata()
                    .withName(RunLock.leaseName(ref[1])).withNamespace(ref[0])
                    .withAnnotations(Map.of(FleetStore.ANNOTATION_INTENT, NS + "/" + INTENT,
                            MilvusApi.ANNOTATION_RESULT, garbage)).endMetadata().withNewSpec().endSpec().build()).create();
            Map<String, String> before = resourceVersions(c, order);
            c.intent(fleetIntent());

            Fleet.Report report = c.runner().runFleet(NS, INTENT);

            assertThat(states(fleetRecord(c))).as(String.join("\n", c.log)).containsEntry(first, State.Rejected);
            assertThat(report.exitCode()).isNotZero();
            assertThat(milvus(c, first).getMetadata().getResourceVersion()).isEqualTo(before.get(first));
            assertThat(patchesOf(c, first)).isZero();
            assertThat(c.client.leases().inNamespace(ref[0]).withName(RunLock.leaseName(ref[1])).get().getMetadata().getAnnotations())
                    .containsEntry(MilvusApi.ANNOTATION_RESULT, garbage);
            assertThat(c.log).anyMatch(l -> l.contains("cannot be read (recordVersion '3'"));
        }
    }

    @Test
    void a_failing_canary_stops_the_fleet_with_nothing_else_touched() {
        try (ScenarioCluster c = fleetCluster()) {
            List<String> order = seedFleet(c, 2, null);
            String canary = order.get(0);
            Map<String, String> before = resourceVersions(c, order.subList(1, order.size()));
            c.intent(fleetIntent("maxConcurrent", "4"));

            Fleet.Report report = c.runner().runFleet(NS, INTENT, (milvus, cp, stage) -> {
                if (milvus.equals(canary) && cp == Checkpoint.AFTER_PATCH) {
                    drift(c, canary);
                }
            });

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            FleetRecord r = fleetRecord(c);
            assertThat(r.phase()).isEqualTo(Phase.Failed);
            assertThat(r.message()).contains("canary " + canary + " ended Failed, so no other cluster was started");
            assertThat(states(r)).containsEntry(canary, State.Failed);
            order.subList(1, order.size()).forEach(ref -> assertThat(states(r)).containsEntry(ref, State.Halted));
            assertThat(resourceVersions(c, order.subList(1, order.size()))).isEqualTo(before);
            order.subList(1, order.size()).forEach(ref -> assertThat(patchesOf(c, ref)).as(ref).isZero());
            assertThat(clusterRecord(c, canary).message()).contains("spec.components.image changed to milvusdb/milvus:v2.5.15");
        }
    }

    @Test
    void a_failure_in_the_second_wave_halts_new_starts_while_running_clusters_finish_their_stage() {
        try (ScenarioCluster c = fleetCluster()) {
            List<String> order = seedFleet(c, 4, null);
            // After the canary, the first four start together; the third of them fails.
            List<String> wave = order.subList(1, 5);
            String failing = wave.get(2);
            List<String> notStarted = order.subList(5, order.size());
            Map<String, String> before = resourceVersions(c, notStarted);
            c.intent(fleetIntent("canary", "1", "maxConcurrent", "4"));

            Fleet.Report report = c.runner().runFleet(NS, INTENT, (milvus, cp, stage) -> {
                if (milvus.equals(failing) && cp == Checkpoint.AFTER_PATCH) {
                    drift(c, failing);
                }
                if (wave.contains(milvus) && !milvus.equals(failing) && cp == Checkpoint.BETWEEN_STAGES) {
                    // The others finish their first stage only once the failure is recorded: no race decides this test.
                    Await.until(Duration.ofSeconds(30), failing + " recorded Failed",
                            () -> new FleetStore(c.client).clusterRecord(failing.split("/")[0], failing.split("/")[1], NS + "/" + INTENT)
                                    .map(x -> x.phase() == Phase.Failed).orElse(false));
                }
            });

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            FleetRecord r = fleetRecord(c);
            assertThat(r.phase()).isEqualTo(Phase.Failed);
            assertThat(r.message()).startsWith("halted: " + failing + " failed (onFailure: halt)");
            assertThat(states(r)).containsEntry(order.get(0), State.Succeeded).containsEntry(failing, State.Failed);
            for (String ref : wave) {
                if (ref.equals(failing)) {
                    continue;
                }
                assertThat(states(r)).containsEntry(ref, State.Halted);
                RunRecord rec = clusterRecord(c, ref);
                assertThat(rec.phase()).isEqualTo(Phase.Deferred);
                assertThat(rec.message()).contains("stage 2.6.4 not started: the fleet halted: " + failing + " failed");
                assertThat(rec.stages()).extracting(RunRecord.StageRecord::phase).containsExactly(StagePhase.Succeeded, StagePhase.Pending);
                assertThat(image(c, ref)).isEqualTo("milvusdb/milvus:v2.5.16");
            }
            notStarted.forEach(ref -> assertThat(states(r)).containsEntry(ref, State.Halted));
            assertThat(resourceVersions(c, notStarted)).isEqualTo(before);
        }
    }

    @Test
    void continue_upgrades_the_others_after_a_failure_and_exits_1() {
        try (ScenarioCluster c = fleetCluster()) {
            List<String> order = seedFleet(c, 2, null);
            String failing = order.get(2);
            c.intent(fleetIntent("canary", "1", "maxConcurrent", "2", "onFailure", "continue"));

            Fleet.Report report = c.runner().runFleet(NS, INTENT, (milvus, cp, stage) -> {
                if (milvus.equals(failing) && cp == Checkpoint.AFTER_PATCH) {
                    drift(c, failing);
                }
            });

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            FleetRecord r = fleetRecord(c);
            assertThat(r.phase()).isEqualTo(Phase.Failed);
            assertThat(r.totals()).containsEntry(State.Succeeded, 5).containsEntry(State.Failed, 1);
            order.stream().filter(ref -> !ref.equals(failing)).forEach(ref -> assertThat(image(c, ref)).as(ref).isEqualTo(TARGET));
        }
    }

    @Test
    void a_window_that_closes_mid_fleet_defers_the_rest_without_touching_them() {
        try (ScenarioCluster c = fleetCluster()) {
            List<String> order = seedFleet(c, 2, null);
            String second = order.get(1);
            List<String> rest = order.subList(2, order.size());
            Map<String, String> before = resourceVersions(c, rest);
            c.intent(fleetIntent("canary", "1", "maxConcurrent", "1", "stageTimeout", "10m",
                    "notAfter", Instant.now().plus(Duration.ofHours(2)).toString()));

            // Between the two stages of the second cluster the window shrinks to 5 minutes: less than one stage may take.
            Fleet.Report report = c.runner().runFleet(NS, INTENT, (milvus, cp, stage) -> {
                if (milvus.equals(second) && cp == Checkpoint.BETWEEN_STAGES) {
                    c.editIntent("notAfter", Instant.now().plus(Duration.ofMinutes(5)).toString());
                }
            });

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            FleetRecord r = fleetRecord(c);
            assertThat(r.phase()).isEqualTo(Phase.Deferred);
            assertThat(states(r)).containsEntry(order.get(0), State.Succeeded).containsEntry(second, State.Deferred);
            assertThat(clusterRecord(c, second).message()).contains("stage 2.6.4 deferred");
            assertThat(image(c, second)).isEqualTo("milvusdb/milvus:v2.5.16");
            rest.forEach(ref -> assertThat(states(r)).containsEntry(ref, State.Deferred));
            assertThat(resourceVersions(c, rest)).isEqualTo(before);
        }
    }

    @Test
    void a_crash_mid_fleet_leaves_the_records_and_the_rerun_finishes_the_fleet() {
        try (ScenarioCluster c = fleetCluster()) {
            List<String> order = seedFleet(c, 2, null);
            String victim = order.get(3);
            c.intent(fleetIntent("canary", "1", "maxConcurrent", "2"));
            AtomicBoolean dead = new AtomicBoolean();

            // The process dies while the fourth cluster waits in its 2.6 stage: from then on nothing of it runs.
            assertThatThrownBy(() -> c.runner().runFleet(NS, INTENT, (milvus, cp, stage) -> {
                if (dead.get() || (milvus.equals(victim) && cp == Checkpoint.MID_WAIT && "2.6.4".equals(stage))) {
                    dead.set(true);
                    throw new ResumeTest.Killed(milvus + " " + cp + "@" + stage);
                }
            })).isInstanceOf(ResumeTest.Killed.class);
            assertThat(fleetRecord(c).phase()).isEqualTo(Phase.Running);
            assertThat(clusterRecord(c, victim).phase()).isEqualTo(Phase.Running);
            Instant victimStarted = clusterRecord(c, victim).startedAt();

            Fleet.Report rerun = c.runner().runFleet(NS, INTENT);

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            FleetRecord r = fleetRecord(c);
            assertThat(r.phase()).isEqualTo(Phase.Succeeded);
            order.forEach(ref -> assertThat(image(c, ref)).as(ref).isEqualTo(TARGET));
            // The one under way was resumed, not started again: its record keeps its start, and no stage was patched twice.
            assertThat(clusterRecord(c, victim).startedAt()).isEqualTo(victimStarted);
            assertThat(clusterRecord(c, victim).phase()).isEqualTo(Phase.Succeeded);
            order.forEach(ref -> assertThat(patchesOf(c, ref)).as(ref).isEqualTo(2));
            // Clusters the first run finished are NoOp now.
            assertThat(states(r)).containsEntry(order.get(0), State.NoOp);
        }
    }

    @Test
    void a_single_cluster_job_holding_a_lease_keeps_the_fleet_off_that_cluster_until_it_lets_go() {
        try (ScenarioCluster c = fleetCluster()) {
            List<String> order = seedFleet(c, 1, null);
            String held = order.get(1);
            String[] h = held.split("/");
            ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
            c.client.leases().inNamespace(h[0]).resource(new LeaseBuilder().withNewMetadata().withName("milvus-upgrade-" + h[1])
                    .withNamespace(h[0]).endMetadata().withNewSpec().withHolderIdentity("single-job/abc").withLeaseDurationSeconds(3600)
                    .withAcquireTime(now).withRenewTime(now).endSpec().build()).create();
            String rv = milvus(c, held).getMetadata().getResourceVersion();
            c.intent(fleetIntent("canary", "1", "maxConcurrent", "2"));

            Fleet.Report report = c.runner().runFleet(NS, INTENT);

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(75);
            assertThat(states(fleetRecord(c))).containsEntry(held, State.Retry).containsEntry(order.get(0), State.Succeeded)
                    .containsEntry(order.get(2), State.Succeeded);
            assertThat(milvus(c, held).getMetadata().getResourceVersion()).isEqualTo(rv);
            assertThat(c.log).anyMatch(l -> l.startsWith(held + ": not started: another run (single-job/abc) holds Lease"));

            // The single-cluster Job ends and lets go; the fleet's next run upgrades that cluster and finds the others done.
            c.client.leases().inNamespace(h[0]).withName("milvus-upgrade-" + h[1]).edit(l -> {
                l.getSpec().setHolderIdentity(null);
                return l;
            });
            Fleet.Report rerun = c.runner().runFleet(NS, INTENT);

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(states(fleetRecord(c))).containsEntry(held, State.Succeeded).containsEntry(order.get(0), State.NoOp);
            assertThat(image(c, held)).isEqualTo(TARGET);
        }
    }

    @Test
    void a_fleet_intent_reaching_beyond_the_jobs_allowed_namespaces_is_rejected_with_nothing_touched() {
        try (ScenarioCluster c = fleetCluster()) {
            c.settings = c.settings.withPolicy(c.settings.policy().withAllowedNamespaces(List.of("team-a")));
            List<String> order = seedFleet(c, 1, null);
            Map<String, String> versions = resourceVersions(c, order);
            c.intent(fleetIntent());

            Fleet.Report report = c.runner().runFleet(NS, INTENT);

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(2);
            assertThat(fleetRecord(c).message()).contains("which this Job may not touch (allowed: team-a)")
                    .contains("MILVUS_UPGRADE_ALLOWED_NAMESPACES");
            assertThat(resourceVersions(c, order)).isEqualTo(versions);
            assertThat(c.ourMilvusPatches()).isEmpty();
        }
    }

    @Test
    void a_cluster_in_a_namespace_without_the_member_role_is_rejected_untouched_and_the_fleet_goes_on() {
        try (ScenarioCluster c = fleetCluster()) {
            // team-x matches the selector but never bound k8s/optional/fleet-namespace: its Leases are forbidden (RBAC).
            GenericKubernetesResource outside = SimulatedCluster.milvusResource("team-x", "m0", "milvusdb/milvus:v2.5.4",
                    Layout.FOUR_COORDS, "pulsar");
            outside.getMetadata().setLabels(Map.of("fleet", "yes"));
            SimulatedCluster.seedMilvus(c.client, outside, Duration.ofSeconds(20));
            List<String> order = seedFleet(c, 1, null);
            String rv = milvus(c, "team-x/m0").getMetadata().getResourceVersion();
            Map<String, String> intent = fleetIntent("canary", "0", "maxConcurrent", "2");
            intent.remove("namespaces");
            c.intent(intent);
            c.faults().inject(new FaultInjectingDispatcher.Fault("no member Role in team-x", q -> q.getPath().startsWith(
                    "/apis/coordination.k8s.io/v1/namespaces/team-x/leases"), Integer.MAX_VALUE,
                    () -> FaultInjectingDispatcher.status(403, "Forbidden", "leases.coordination.k8s.io is forbidden")));

            Fleet.Report report = c.runner().runFleet(NS, INTENT);

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            assertThat(states(fleetRecord(c))).containsEntry("team-x/m0", State.Rejected);
            order.forEach(ref -> assertThat(states(fleetRecord(c))).containsEntry(ref, State.Succeeded));
            assertThat(milvus(c, "team-x/m0").getMetadata().getResourceVersion()).isEqualTo(rv);
            assertThat(c.ourMilvusPatches()).noneMatch(p -> p.path().contains("/namespaces/team-x/"));
            assertThat(c.log).anyMatch(l -> l.contains("team-x/m0: Rejected: this tool may not use Leases in namespace team-x (403);"
                    + " fix: apply k8s/optional/fleet-namespace in team-x"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void a_cluster_its_preflight_refuses_is_rejected_on_its_own_and_the_fleet_goes_on() {
        try (ScenarioCluster c = fleetCluster()) {
            // The first cluster in order is one the operator could never finish (rollingMode 3): not a canary, and untouched.
            GenericKubernetesResource trap = SimulatedCluster.milvusResource("team-a", "a-trap", "milvusdb/milvus:v2.5.4",
                    Layout.FOUR_COORDS, "pulsar");
            trap.getMetadata().setLabels(Map.of("fleet", "yes"));
            ((Map<String, Object>) ((Map<String, Object>) trap.getAdditionalProperties().get("spec")).get("components"))
                    .put("rollingMode", 3);
            SimulatedCluster.seedMilvus(c.client, trap, Duration.ofSeconds(20));
            List<String> order = seedFleet(c, 1, null);
            String rv = milvus(c, "team-a/a-trap").getMetadata().getResourceVersion();
            c.intent(fleetIntent("canary", "1", "maxConcurrent", "2"));

            Fleet.Report report = c.runner().runFleet(NS, INTENT);

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            FleetRecord r = fleetRecord(c);
            assertThat(r.clusters()).extracting(Line::milvus).startsWith("team-a/a-trap");
            assertThat(r.clusters()).filteredOn(Line::canary).extracting(Line::milvus).containsExactly(order.get(0));
            assertThat(states(r)).containsEntry("team-a/a-trap", State.Rejected);
            order.forEach(ref -> assertThat(states(r)).containsEntry(ref, State.Succeeded));
            assertThat(milvus(c, "team-a/a-trap").getMetadata().getResourceVersion()).isEqualTo(rv);
            assertThat(clusterRecord(c, "team-a/a-trap").message()).contains("spec.components.rollingMode is 3");
        }
    }

    @Test
    void each_cluster_is_data_checked_on_its_own_service_and_a_lost_collection_fails_it_and_halts_the_fleet() {
        try (ScenarioCluster c = fleetCluster()) {
            List<String> order = seedFleet(c, 1, null);
            // Each cluster's data plane behind its own Service address, <name>-milvus.<namespace>, as the tool derives it.
            Map<String, SimulatedMilvusDataPlane> planes = new HashMap<>();
            try {
                for (String ref : order) {
                    String[] r = ref.split("/");
                    planes.put(r[1] + "-milvus." + r[0], new SimulatedMilvusDataPlane(c.client, r[0], r[1]));
                }
                Runner runner = new Runner(new Kube(c.toolClient),
                        Clock.systemUTC(), c.settings, c.log::add, Checkpoint.Listener.NONE, e -> {
                    SimulatedMilvusDataPlane p = planes.get(e.uri().getHost());
                    return new MilvusRestClient(new MilvusEndpoint(p.uri(), e.token(), e.username(), e.password(), e.caCertificate()), 4,
                            Duration.ofSeconds(10));
                });
                String lossy = order.get(1);
                String[] l = lossy.split("/");
                c.intent(fleetIntent("dataCheck", "read", "canary", "1", "maxConcurrent", "1"));

                Fleet.Report report = runner.runFleet(NS, INTENT, (milvus, cp, stage) -> {
                    if (milvus.equals(lossy) && cp == Checkpoint.AFTER_PATCH && "mixcoord-2.5.16".equals(stage)) {
                        planes.get(l[1] + "-milvus." + l[0]).loseCollection("default", "archive");
                    }
                });

                assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
                FleetRecord r = fleetRecord(c);
                assertThat(states(r)).containsEntry(order.get(0), State.Succeeded).containsEntry(lossy, State.Failed)
                        .containsEntry(order.get(2), State.Halted);
                RunRecord canary = clusterRecord(c, order.get(0));
                assertThat(canary.dataCheck().orElseThrow().stages()).extracting(st -> st.stage() + " " + st.outcome())
                        .containsExactly("mixcoord-2.5.16 ok", "2.6.4 ok");
                RunRecord lost = clusterRecord(c, lossy);
                assertThat(lost.message()).contains("archive");
                assertThat(image(c, lossy)).isEqualTo("milvusdb/milvus:v2.5.16");
                assertThat(image(c, order.get(2))).isEqualTo("milvusdb/milvus:v2.5.4");
            } finally {
                planes.values().forEach(SimulatedMilvusDataPlane::close);
            }
        }
    }

    @Test
    void a_second_run_of_the_same_fleet_intent_waits_for_the_first() {
        try (ScenarioCluster c = fleetCluster()) {
            List<String> order = seedFleet(c, 1, null);
            ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
            c.client.leases().inNamespace(NS).resource(new LeaseBuilder().withNewMetadata().withName("milvus-upgrade-fleet-" + INTENT)
                    .withNamespace(NS).endMetadata().withNewSpec().withHolderIdentity("fleet-job/1").withLeaseDurationSeconds(3600)
                    .withAcquireTime(now).withRenewTime(now).endSpec().build()).create();
            Map<String, String> before = resourceVersions(c, order);
            c.intent(fleetIntent());

            assertThatThrownBy(() -> c.runner().runFleet(NS, INTENT)).isInstanceOf(RetryLater.class)
                    .hasMessageContaining("another run (fleet-job/1) holds Lease " + NS + "/milvus-upgrade-fleet-" + INTENT);
            assertThat(resourceVersions(c, order)).isEqualTo(before);
            assertThat(c.annotations()).doesNotContainKey(FleetStore.ANNOTATION_FLEET);
        }
    }

    @Test
    void a_pause_mid_fleet_stops_before_the_next_stage_and_the_rerun_after_unpausing_finishes() {
        try (ScenarioCluster c = fleetCluster()) {
            List<String> order = seedFleet(c, 1, null);
            String second = order.get(1);
            Map<String, String> before = resourceVersions(c, order.subList(2, order.size()));
            c.intent(fleetIntent("canary", "1", "maxConcurrent", "1"));

            Fleet.Report report = c.runner().runFleet(NS, INTENT, (milvus, cp, stage) -> {
                if (milvus.equals(second) && cp == Checkpoint.BETWEEN_STAGES && "mixcoord-2.5.16".equals(stage)) {
                    c.editIntent("paused", "true");
                }
            });

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            FleetRecord r = fleetRecord(c);
            assertThat(r.phase()).isEqualTo(Phase.Paused);
            assertThat(states(r)).containsEntry(order.get(0), State.Succeeded).containsEntry(second, State.Paused)
                    .containsEntry(order.get(2), State.Paused);
            assertThat(clusterRecord(c, second).message()).contains("paused by the intent before stage 2.6.4");
            assertThat(image(c, second)).isEqualTo("milvusdb/milvus:v2.5.16");
            assertThat(resourceVersions(c, order.subList(2, order.size()))).isEqualTo(before);

            c.editIntent("paused", "false");
            Fleet.Report rerun = c.runner().runFleet(NS, INTENT);

            assertThat(rerun.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(states(fleetRecord(c))).containsEntry(order.get(0), State.NoOp).containsEntry(second, State.Succeeded)
                    .containsEntry(order.get(2), State.Succeeded);
            // The paused cluster resumed: its first stage is the one the first run recorded, not done again.
            assertThat(patchesOf(c, second)).isEqualTo(2);
        }
    }

    @Test
    void a_fleet_intent_that_is_invalid_or_selects_nothing_is_rejected_with_exit_2_and_nothing_touched() {
        try (ScenarioCluster c = fleetCluster()) {
            List<String> order = seedFleet(c, 1, null);
            Map<String, String> before = resourceVersions(c, order);
            c.intent(fleetIntent("selector", "fleet=nope"));

            Fleet.Report none = c.runner().runFleet(NS, INTENT);

            assertThat(none.exitCode()).isEqualTo(2);
            assertThat(fleetRecord(c).message())
                    .isEqualTo("the selector fleet=nope matches none of the 4 Milvus resource(s) in namespace(s)"
                    + " team-a, team-b, team-c; fix: label the clusters to upgrade or correct selector and namespaces");
            c.editIntent("milvus", "my-release");

            Fleet.Report both = c.runner().runFleet(NS, INTENT);

            assertThat(both.exitCode()).isEqualTo(2);
            assertThat(fleetRecord(c).phase()).isEqualTo(Phase.Rejected);
            assertThat(fleetRecord(c).message()).startsWith("the intent has both 'milvus' and 'selector'; fix: ");
            assertThat(resourceVersions(c, order)).isEqualTo(before);
            assertThat(c.client.leases().inAnyNamespace().list().getItems()).isEmpty();
        }
    }

    @Test
    void a_fleet_across_all_namespaces_without_the_cluster_role_is_rejected_with_the_fix() {
        try (ScenarioCluster c = fleetCluster()) {
            seedFleet(c, 1, null);
            Map<String, String> intent = fleetIntent();
            intent.remove("namespaces");
            c.intent(intent);
            c.faults().inject(new FaultInjectingDispatcher.Fault("no cluster-wide list", q -> "GET".equals(q.getMethod())
                    && q.getPath().startsWith("/apis/milvus.io/v1beta1/milvuses"), 10,
                    () -> FaultInjectingDispatcher.status(403, "Forbidden",
                        "milvuses.milvus.io is forbidden: cannot list at the cluster scope")));

            Fleet.Report report = c.runner().runFleet(NS, INTENT);

            assertThat(report.exitCode()).isEqualTo(2);
            assertThat(fleetRecord(c).message()).isEqualTo("this tool may not list Milvus resources in all namespaces (403 Forbidden);"
                    + " fix: apply k8s/overlays/fleet (a ClusterRole) or list the namespaces in the intent key namespaces");
        }
    }

    @Test
    void plan_shows_the_order_and_the_canary_and_writes_nothing() {
        try (ScenarioCluster c = fleetCluster()) {
            List<String> order = seedFleet(c, 1, "team-b/m1");
            c.intent(fleetIntent("canary", "1"));
            Map<String, String> before = resourceVersions(c, order);

            Fleet.Report plan = c.runner().planFleet(NS, INTENT);

            assertThat(plan.plan()).containsExactly(
                    "1. team-b/m1 (canary): v2.5.4 -> v2.6.4 in 2 stage(s): mixcoord-2.5.16, 2.6.4 (running v2.5.4, in the catalogue; recommended v2.6.25)",
                    "2. team-a/m1: v2.5.4 -> v2.6.4 in 2 stage(s): mixcoord-2.5.16, 2.6.4 (running v2.5.4, in the catalogue; recommended v2.6.25)",
                    "3. team-c/m1: v2.5.4 -> v2.6.4 in 2 stage(s): mixcoord-2.5.16, 2.6.4 (running v2.5.4, in the catalogue; recommended v2.6.25)");
            assertThat(plan.record().phase()).isEqualTo(Phase.Planned);
            assertThat(c.annotations()).doesNotContainKey(FleetStore.ANNOTATION_FLEET);
            assertThat(resourceVersions(c, order)).isEqualTo(before);
            assertThat(c.toolRequests()).allMatch(req -> "GET".equals(req.method()));
            assertThat(c.requests().requests()).noneMatch(req -> req.isPatchBy(ClusterGateway.FIELD_MANAGER));
        }
    }

    @Test
    void with_the_jobs_canary_setting_a_tenant_labelled_cluster_does_not_go_first_and_the_named_one_is_the_canary() {
        try (ScenarioCluster c = fleetCluster()) {
            c.settings = c.settings.withPolicy(c.settings.policy().withCanaryClusters(List.of("team-c/m1")));
            // A tenant labelled its own cluster the canary; the Job's owner named another.
            seedFleet(c, 1, "team-a/m1");
            c.intent(fleetIntent("maxConcurrent", "2"));
            String ignored = "label milvus-upgrade.dev/canary ignored on team-a/m1: the Job's setting milvus-upgrade.canary-clusters"
                    + " (env MILVUS_UPGRADE_CANARY_CLUSTERS) picks the canaries";

            Fleet.Report plan = c.runner().planFleet(NS, INTENT);

            assertThat(plan.plan()).first().asString().startsWith("1. team-c/m1 (canary): v2.5.4 -> v2.6.4");
            assertThat(plan.plan()).contains(ignored).noneMatch(l -> l.contains("team-a/m1 (canary)"));
            c.log.clear();

            Fleet.Report report = c.runner().runFleet(NS, INTENT);

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isZero();
            FleetRecord r = fleetRecord(c);
            assertThat(r.clusters()).extracting(Line::milvus).containsExactly("team-c/m1", "team-a/m1", "team-b/m1");
            assertThat(r.clusters()).filteredOn(Line::canary).extracting(Line::milvus).containsExactly("team-c/m1");
            Instant canaryDone = clusterRecord(c, "team-c/m1").finishedAt().orElseThrow();
            assertThat(clusterRecord(c, "team-a/m1").startedAt()).isAfterOrEqualTo(canaryDone);
            assertThat(clusterRecord(c, "team-b/m1").startedAt()).isAfterOrEqualTo(canaryDone);
            assertThat(List.copyOf(c.log)).filteredOn(l -> l.contains(ignored)).hasSize(1);
        }
    }

    @Test
    void an_intent_canary_count_other_than_the_jobs_canary_setting_is_rejected_with_nothing_touched() {
        try (ScenarioCluster c = fleetCluster()) {
            c.settings = c.settings.withPolicy(c.settings.policy().withCanaryClusters(List.of("team-c/m1", "team-z/gone")));
            List<String> order = seedFleet(c, 1, "team-a/m1");
            Map<String, String> versions = resourceVersions(c, order);
            c.intent(fleetIntent("canary", "2"));

            Fleet.Report report = c.runner().runFleet(NS, INTENT);

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(2);
            assertThat(fleetRecord(c).phase()).isEqualTo(Phase.Rejected);
            assertThat(fleetRecord(c).message()).isEqualTo("the fleet intent asks for canary: 2, but the Job's setting"
                    + " milvus-upgrade.canary-clusters (env MILVUS_UPGRADE_CANARY_CLUSTERS) names 1 of the selected clusters as canaries;"
                    + " fix: write canary: 1 or leave it out, or change the setting in the Job's manifest");
            assertThat(resourceVersions(c, order)).isEqualTo(versions);
            assertThat(c.ourMilvusPatches()).isEmpty();
        }
    }
}

package dev.milvusupgrade.run;

import static dev.milvusupgrade.run.ScenarioCluster.INTENT;
import static dev.milvusupgrade.run.ScenarioCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.EventRecorder;
import dev.milvusupgrade.k8s.FleetStore;
import dev.milvusupgrade.plan.FleetRecord;
import dev.milvusupgrade.plan.FleetRecord.Line;
import dev.milvusupgrade.plan.FleetRecord.State;
import dev.milvusupgrade.plan.LeaseNames;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM during a fleet run, through the same {@link Shutdown#request} the process's hook calls, from another thread:
 * the cluster under way (on a worker thread of the fleet) records Interrupted where it stopped, no other cluster starts,
 * the fleet record says Interrupted, an Event says so on the intent, every Lease is released, and the run exits 75; the
 * next run finishes the fleet.
 */
class FleetSigtermTest {

    private static final String NAMESPACE = "team-a";

    @Test
    void sigterm_mid_fleet_records_where_it_stopped_emits_an_event_releases_the_leases_and_exits_75() throws Exception {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            seed(c, "m1", "m2", "m3");
            Shutdown shutdown = new Shutdown().workOn(Thread.currentThread());
            AtomicReference<Thread> hook = new AtomicReference<>();
            AtomicBoolean answeredInGrace = new AtomicBoolean();

            // The canary m1 finishes; SIGTERM arrives while m2 (after the canary, on the fleet's worker thread) rolls out.
            Fleet.Report report = c.runner().stoppedBy(shutdown).runFleet(NS, INTENT, (milvus, cp, stage) -> {
                if (milvus.equals(NAMESPACE + "/m2") && cp == Checkpoint.MID_WAIT && hook.get() == null) {
                    Thread t = new Thread(() -> answeredInGrace.set(shutdown.request("SIGTERM", Duration.ofSeconds(30))), "sigterm");
                    hook.set(t);
                    t.start();
                }
            });
            shutdown.finished(report.exitCode());
            hook.get().join(Duration.ofSeconds(30).toMillis());

            assertThat(answeredInGrace).as("the hook returned once the fleet had stopped cleanly").isTrue();
            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(75);
            FleetRecord r = new FleetStore(c.client).previous(NS, INTENT).orElseThrow();
            assertThat(r.phase()).isEqualTo(Phase.Interrupted);
            assertThat(r.message()).startsWith("interrupted by SIGTERM").contains("resumes where each cluster stopped");
            assertThat(r.clusters().stream().collect(Collectors.toMap(Line::milvus, Line::state)))
                    .containsEntry(NAMESPACE + "/m1", State.Succeeded)
                    .containsEntry(NAMESPACE + "/m2", State.Interrupted)
                    .containsEntry(NAMESPACE + "/m3", State.Pending);
            assertThat(new FleetStore(c.client).clusterRecord(NAMESPACE, "m2", NS + "/" + INTENT).orElseThrow().phase())
                    .isEqualTo(Phase.Interrupted);
            assertThat(c.client.v1().events().inNamespace(NS).list().getItems()).anySatisfy(e -> {
                assertThat(e.getReason()).isEqualTo(EventRecorder.UPGRADE_INTERRUPTED);
                assertThat(e.getType()).isEqualTo("Warning");
                assertThat(e.getInvolvedObject().getKind()).isEqualTo("ConfigMap");
                assertThat(e.getMessage()).startsWith("interrupted by SIGTERM (").contains("1 Pending");
            });
            assertThat(c.client.v1().events().inNamespace(NAMESPACE).list().getItems())
                    .anyMatch(e -> EventRecorder.UPGRADE_INTERRUPTED.equals(e.getReason()) && "m2".equals(e.getInvolvedObject().getName()));
            assertThat(holder(c, NS, LeaseNames.fleet(INTENT))).as("the fleet's Lease is released").isNull();
            for (String name : new String[] {"m1", "m2"}) {
                assertThat(holder(c, NAMESPACE, LeaseNames.milvus(name))).as(name + "'s Lease is released").isNull();
            }
            assertThat(image(c, "m3")).as("m3 was never started").isEqualTo("milvusdb/milvus:v2.5.4");

            // The next run (the Job's retry on 75) finishes the fleet: m2 resumes where it stopped, m3 starts.
            Fleet.Report again = c.runner().runFleet(NS, INTENT);
            assertThat(again.exitCode()).as(String.join("\n", c.log)).isZero();
            assertThat(again.record().clusters()).extracting(Line::state).containsExactly(State.NoOp, State.Succeeded, State.Succeeded);
            assertThat(image(c, "m3")).isEqualTo("milvusdb/milvus:v2.6.4");
            assertThat(c.ourMilvusPatches().stream().filter(p -> p.path().contains("/namespaces/" + NAMESPACE + "/milvuses/m2?"))
                    .filter(p -> p.body().contains("v2.5.16")).count()).as("m2's interrupted stage is not patched again").isEqualTo(1);
        }
    }

    @Test
    void sigterm_during_the_canary_stops_it_on_the_fleets_own_thread_and_starts_nothing_else() throws Exception {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            seed(c, "m1", "m2");
            Shutdown shutdown = new Shutdown().workOn(Thread.currentThread());
            AtomicReference<Thread> hook = new AtomicReference<>();
            Thread fleetThread = Thread.currentThread();
            AtomicBoolean onFleetThread = new AtomicBoolean();

            Fleet.Report report = c.runner().stoppedBy(shutdown).runFleet(NS, INTENT, (milvus, cp, stage) -> {
                if (milvus.equals(NAMESPACE + "/m1") && cp == Checkpoint.MID_WAIT && hook.get() == null) {
                    onFleetThread.set(Thread.currentThread() == fleetThread);
                    Thread t = new Thread(() -> shutdown.request("SIGTERM", Duration.ofSeconds(30)), "sigterm");
                    hook.set(t);
                    t.start();
                }
            });
            shutdown.finished(report.exitCode());
            hook.get().join(Duration.ofSeconds(30).toMillis());

            assertThat(onFleetThread).as("the canary runs on the fleet's own thread").isTrue();
            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(75);
            assertThat(report.record().phase()).isEqualTo(Phase.Interrupted);
            assertThat(report.record().clusters()).extracting(Line::state).containsExactly(State.Interrupted, State.Pending);
            assertThat(new FleetStore(c.client).previous(NS, INTENT).orElseThrow().phase()).isEqualTo(Phase.Interrupted);
            assertThat(holder(c, NS, LeaseNames.fleet(INTENT))).as("the fleet's Lease is released").isNull();
            assertThat(holder(c, NAMESPACE, LeaseNames.milvus("m1"))).as("the canary's Lease is released").isNull();
            assertThat(image(c, "m2")).as("m2 was never started").isEqualTo("milvusdb/milvus:v2.5.4");
            assertThat(Thread.currentThread().isInterrupted()).as("the caller's thread is left without a pending interrupt").isFalse();
        }
    }

    /** Clusters {@code names} in {@value #NAMESPACE}, selected by a fleet intent of one canary and one cluster at a time. */
    private static void seed(ScenarioCluster c, String... names) {
        c.settings = new Runner.Settings(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofMillis(200));
        for (String name : names) {
            GenericKubernetesResource m = SimulatedCluster.milvusResource(NAMESPACE, name, "milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS,
                    "pulsar");
            m.getMetadata().setLabels(Map.of("fleet", "yes"));
            SimulatedCluster.seedMilvus(c.client, m, Duration.ofSeconds(20));
        }
        c.intent(Map.of("selector", "fleet=yes", "namespaces", NAMESPACE, "targetVersion", "v2.6.4", "dataCheck", "off",
                "canary", "1", "maxConcurrent", "1"));
    }

    private static String holder(ScenarioCluster c, String namespace, String lease) {
        Lease l = c.client.leases().inNamespace(namespace).withName(lease).get();
        assertThat(l).as("Lease " + namespace + "/" + lease).isNotNull();
        return l.getSpec().getHolderIdentity();
    }

    @SuppressWarnings("unchecked")
    private static String image(ScenarioCluster c, String name) {
        GenericKubernetesResource m = c.client.genericKubernetesResources(dev.milvusupgrade.k8s.MilvusApi.MILVUS).inNamespace(NAMESPACE)
                .withName(name).get();
        Map<String, Object> spec = (Map<String, Object>) m.getAdditionalProperties().get("spec");
        return (String) ((Map<String, Object>) spec.get("components")).get("image");
    }
}

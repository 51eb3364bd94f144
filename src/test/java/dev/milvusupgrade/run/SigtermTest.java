package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.EventRecorder;
import dev.milvusupgrade.plan.LeaseNames;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord.StagePhase;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM (the Job's activeDeadlineSeconds, an eviction) mid-wait, through the same {@link Shutdown#request} the
 * process's shutdown hook calls, from another thread as the JVM's hook thread would: the run records Interrupted
 * with the stage still Running, emits an Event, releases its Lease, answers the hook within its grace, and exits 75;
 * the next run resumes.
 */
class SigtermTest {

    @Test
    void sigterm_mid_wait_records_interrupted_emits_an_event_and_releases_the_lease() throws Exception {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m", "dataCheck", "off"));
            Shutdown shutdown = new Shutdown().workOn(Thread.currentThread());
            AtomicReference<Thread> hook = new AtomicReference<>();
            AtomicBoolean answeredInGrace = new AtomicBoolean();
            Runner runner = c.runner((cp, stage) -> {
                if (cp == Checkpoint.MID_WAIT && stage.equals("mixcoord-2.5.16") && hook.get() == null) {
                    Thread t = new Thread(() -> answeredInGrace.set(shutdown.request("SIGTERM", Duration.ofSeconds(30))), "sigterm");
                    hook.set(t);
                    t.start();
                }
            }).stoppedBy(shutdown);

            Runner.Report report = runner.run(ScenarioCluster.NS, ScenarioCluster.INTENT);
            shutdown.finished(report.exitCode());
            hook.get().join(Duration.ofSeconds(30).toMillis());

            assertThat(answeredInGrace).as("the hook returned once the run had stopped cleanly").isTrue();
            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(75);
            assertThat(shutdown.exitCode()).isEqualTo(75);
            assertThat(c.result().phase()).isEqualTo(Phase.Interrupted);
            assertThat(c.result().message()).startsWith("interrupted by SIGTERM").contains("resumes here");
            assertThat(c.result().stage("mixcoord-2.5.16")).hasValueSatisfying(s -> assertThat(s.phase()).isEqualTo(StagePhase.Running));
            assertThat(c.client.v1().events().inNamespace(ScenarioCluster.NS).list().getItems())
                    .anySatisfy(e -> {
                        assertThat(e.getReason()).isEqualTo(EventRecorder.UPGRADE_INTERRUPTED);
                        assertThat(e.getType()).isEqualTo("Warning");
                    });
            Lease lease = c.client.leases().inNamespace(ScenarioCluster.NS).withName(LeaseNames.milvus(ScenarioCluster.RELEASE)).get();
            assertThat(lease.getSpec().getHolderIdentity()).as("the Lease is released, not left to expire").isNull();

            // The next run (the Job's retry on 75) resumes: nothing waits for a Lease to expire, the stage is not repeated.
            Runner.Report again = c.run();
            assertThat(again.record().phase()).as(String.join("\n", c.log)).isEqualTo(Phase.Succeeded);
            assertThat(c.ourMilvusPatches().stream().filter(p -> p.body().contains("v2.5.16")).count()).isEqualTo(1);
        }
    }
}

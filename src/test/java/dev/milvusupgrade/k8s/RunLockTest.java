package dev.milvusupgrade.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.milvusupgrade.run.FaultInjectingDispatcher;
import dev.milvusupgrade.sim.EmbeddedApiServer;
import dev.milvusupgrade.testing.Await;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RunLockTest {

    private final EmbeddedApiServer api = new EmbeddedApiServer();
    private final KubernetesClient client = api.client();
    // Written by the renewer thread, read by the test.
    private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        api.close();
    }

    private RunLock lock(String holder, Duration duration) {
        return new RunLock(client, "ns", "my-release", holder, duration, Clock.systemUTC(), log::add);
    }

    private Lease lease() {
        return client.leases().inNamespace("ns").withName("milvus-upgrade-my-release").get();
    }

    @Test
    void a_second_run_is_refused_while_the_first_holds_the_lease() {
        try (RunLock first = lock("pod-a/1", Duration.ofSeconds(30)).acquire()) {
            assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("pod-a/1");
            assertThatThrownBy(() -> lock("pod-b/2", Duration.ofSeconds(30)).acquire())
                    .isInstanceOf(RunLock.Busy.class)
                    .hasMessageContaining("another run (pod-a/1) holds Lease ns/milvus-upgrade-my-release");
            assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("pod-a/1");
        }
    }

    private void deadHolder(ZonedDateTime renewTime) {
        // A Lease of one second, so that watching it for its duration takes one second.
        client.leases().inNamespace("ns").resource(new LeaseBuilder().withNewMetadata().withName("milvus-upgrade-my-release")
                .withNamespace("ns").endMetadata().withNewSpec().withHolderIdentity("dead-pod/0").withLeaseDurationSeconds(1)
                .withRenewTime(renewTime).withLeaseTransitions(3).endSpec().build()).create();
    }

    @Test
    void an_expired_lease_of_a_dead_holder_is_taken_over_after_watching_it_unrenewed_for_its_duration() {
        deadHolder(ZonedDateTime.now().minusMinutes(5));

        long start = System.nanoTime();
        try (RunLock lock = lock("pod-c/3", Duration.ofSeconds(30)).acquire()) {
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("watched on this run's clock first")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("pod-c/3");
            assertThat(lease().getSpec().getLeaseTransitions()).isEqualTo(4);
            assertThat(log).anyMatch(l -> l.startsWith("taking over Lease ns/milvus-upgrade-my-release from dead-pod/0: not renewed for"));
        }
    }

    @Test
    void a_dead_holder_whose_clock_ran_a_day_ahead_is_not_waited_on_for_ever() {
        deadHolder(ZonedDateTime.now().plusDays(1));

        try (RunLock lock = lock("pod-c/3", Duration.ofSeconds(30)).acquire()) {
            assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("pod-c/3");
        }
    }

    @Test
    void a_live_holder_whose_clock_is_an_hour_behind_keeps_its_lease() {
        Clock behind = Clock.offset(Clock.systemUTC(), Duration.ofHours(-1));
        try (RunLock live = new RunLock(client, "ns", "my-release", "pod-late/1", Duration.ofSeconds(1), behind, log::add).acquire()) {
            assertThatThrownBy(() -> lock("pod-b/2", Duration.ofSeconds(30)).acquire()).isInstanceOf(RunLock.Busy.class)
                    .hasMessageContaining("another run (pod-late/1) holds Lease ns/milvus-upgrade-my-release"
                            + " and renewed it while this run watched");
            assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("pod-late/1");
            assertThat(live.lost()).isFalse();
        }
    }

    @Test
    void a_released_lease_is_free_at_once_and_a_held_one_is_renewed() {
        try (RunLock lock = lock("pod-d/4", Duration.ofSeconds(1)).acquire()) {
            ZonedDateTime first = lease().getSpec().getRenewTime();
            Await.until(Duration.ofSeconds(5), "the lease to be renewed", () -> lease().getSpec().getRenewTime().isAfter(first));
            assertThat(lock.lost()).isFalse();
        }
        assertThat(lease().getSpec().getHolderIdentity()).isNull();
        try (RunLock next = lock("pod-e/5", Duration.ofSeconds(30)).acquire()) {
            assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("pod-e/5");
        }
    }

    @Test
    void a_lease_that_could_not_be_renewed_for_its_duration_counts_as_lost() {
        FaultInjectingDispatcher[] faults = new FaultInjectingDispatcher[1];
        try (EmbeddedApiServer failing = new EmbeddedApiServer(d -> faults[0] = new FaultInjectingDispatcher(d))) {
            faults[0].inject(new FaultInjectingDispatcher.Fault("renewals fail", FaultInjectingDispatcher.method("PUT", "/leases/"),
                    Integer.MAX_VALUE, () -> FaultInjectingDispatcher.status(500, "InternalError", "etcdserver: leader changed")));
            // No client-side retries, so each renewal fails at once instead of backing off.
            try (KubernetesClient noRetries = new KubernetesClientBuilder()
                    .withConfig(new ConfigBuilder(failing.client().getConfiguration())
                    .withRequestRetryBackoffLimit(0).build()).build();
                    RunLock lock = new RunLock(noRetries, "ns", "my-release", "pod-f/6", Duration.ofSeconds(3), Clock.systemUTC(), log::add)
                            .acquire()) {
                assertThat(lock.lost()).isFalse();
                Await.until(Duration.ofSeconds(10), "the unrenewed lease to count as lost", lock::lost);
                // On a loaded machine the Lease's second can pass before the first failed renewal has come back: wait for it.
                Await.until(Duration.ofSeconds(5), "a failed renewal logged",
                        () -> List.copyOf(log).stream().anyMatch(l -> l.startsWith("could not renew Lease ns/milvus-upgrade-my-release")));
            }
        }
    }

    @Test
    void a_wall_clock_jump_of_the_holder_does_not_count_as_losing_the_lease() {
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> now =
                new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.now());
        Clock jumping = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return now.get();
            }
        };
        try (RunLock lock = new RunLock(client, "ns", "my-release", "pod-j/1", Duration.ofSeconds(30), jumping, log::add).acquire()) {
            // NTP steps the holder's clock an hour ahead: the renewals that reached the API server still count.
            now.set(now.get().plus(Duration.ofHours(1)));
            assertThat(lock.lost()).isFalse();
        }
    }
}

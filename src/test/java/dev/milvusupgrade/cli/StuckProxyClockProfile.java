package dev.milvusupgrade.cli;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.testing.ScaledClock;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTestProfile;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line on a clock that keeps real time until Milvus stuck/my-release has only its proxy left to update
 * (the operator's MilvusUpdated condition says so), then runs ten times faster: the 10 s stage timeout of
 * {@link CommandLineFailureTest} passes in about 1 s once the state it times out in is reached.
 */
public class StuckProxyClockProfile implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(Producer.class);
    }

    /** Enabled by this profile only. */
    @Alternative
    @Singleton
    public static class Producer {

        @Produces
        @Singleton
        Clock clock(KubernetesClient client) {
            return new ScaledClock().fastOnce(() -> onlyProxyUpdating(client), Duration.ofSeconds(60), 10);
        }
    }

    static boolean onlyProxyUpdating(KubernetesClient client) {
        GenericKubernetesResource m = client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace("stuck").withName("my-release").get();
        Object status = m == null ? null : m.getAdditionalProperties().get("status");
        Object conditions = status instanceof Map<?, ?> s ? s.get("conditions") : null;
        return conditions instanceof List<?> list && list.stream().anyMatch(c -> c instanceof Map<?, ?> cond
                && "MilvusUpdated".equals(cond.get("type")) && "Milvus components[proxy] are updating".equals(cond.get("message")));
    }
}

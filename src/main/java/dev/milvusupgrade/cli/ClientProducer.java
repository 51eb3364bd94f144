package dev.milvusupgrade.cli;

import dev.milvusupgrade.k8s.RetryAfter;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The commands' KubernetesClient: built as Quarkus' default producer builds it, from the
 * quarkus.kubernetes-client.* Config, plus the {@link RetryAfter} interceptor. Quarkus 3.33 has a
 * customizer for the Config but none for the client builder, so this replaces its default bean.
 */
@Singleton
public class ClientProducer {

    @Produces
    @Singleton
    KubernetesClient kubernetesClient(KubernetesSerialization serialization, Config config) {
        return RetryAfter.apply(new KubernetesClientBuilder().withKubernetesSerialization(serialization).withConfig(config)).build();
    }

    void close(@Disposes KubernetesClient client) {
        client.close();
    }
}

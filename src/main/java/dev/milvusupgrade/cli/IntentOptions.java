package dev.milvusupgrade.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options every command shares: which intent, in which namespace. */
public class IntentOptions {

    @Option(names = "--intent", description = "Name of the intent ConfigMap (default: env MILVUS_UPGRADE_INTENT, else milvus-upgrade).")
    String intent;

    @Option(names = "--namespace",
            description = "Namespace of the intent (default: env POD_NAMESPACE, else the kubeconfig's, else default).")
    String namespace;

    String intent() {
        return Optional.ofNullable(intent).or(() -> env("MILVUS_UPGRADE_INTENT")).orElse("milvus-upgrade");
    }

    String namespace(KubernetesClient client) {
        return Optional.ofNullable(namespace).or(() -> env("POD_NAMESPACE"))
                .or(() -> Optional.ofNullable(client.getNamespace())).filter(s -> !s.isBlank()).orElse("default");
    }

    private static Optional<String> env(String name) {
        return Optional.ofNullable(System.getenv(name)).filter(s -> !s.isBlank());
    }
}

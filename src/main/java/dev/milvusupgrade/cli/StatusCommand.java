package dev.milvusupgrade.cli;

import dev.milvusupgrade.k8s.FleetStore;
import dev.milvusupgrade.k8s.IntentStore;
import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.ExitCode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.inject.Inject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Prints the recorded result of the intent. Never writes.")
public class StatusCommand implements Callable<Integer> {

    @Mixin
    IntentOptions options;

    /** How the result is printed. Registered so that picocli can convert it in the native image too. */
    @RegisterForReflection
    enum Format {
        table, json
    }

    @Option(names = {"-o", "--output"}, description = "table (default) or json", defaultValue = "table")
    Format output;

    @Inject
    KubernetesClient client;

    @Override
    public Integer call() {
        String ns = options.namespace(client);
        IntentStore store = new IntentStore(client);
        var read = store.read(ns, options.intent());
        if (read.isEmpty()) {
            System.err.println("intent ConfigMap " + ns + "/" + options.intent() + " not found; fix: pass --intent/--namespace");
            return ExitCode.REJECTED.code();
        }
        FleetStore fleets = new FleetStore(client);
        var fleet = fleets.previous(ns, options.intent());
        if (fleet.isPresent()) {
            if (output == Format.json) {
                System.out.println(fleets.encode(fleet.get()));
            } else {
                Console.printFleet(Console.terminalSafe(System.out), fleet.get());
            }
            return ExitCode.OK.code();
        }
        if (read.get().previous().isEmpty()) {
            // JSON readers (jq, scripts) get an empty object, people a sentence.
            System.out.println(output == Format.json ? "{}"
                    : "no result recorded on " + ns + "/" + options.intent() + " yet (annotation " + MilvusApi.ANNOTATION_RESULT + ")");
            return ExitCode.OK.code();
        }
        if (output == Format.json) {
            System.out.println(store.codec().encode(read.get().previous().get()));
        } else {
            Console.printTable(Console.terminalSafe(System.out), read.get().previous().get());
        }
        return ExitCode.OK.code();
    }
}

package dev.milvusupgrade.cli;

import dev.milvusupgrade.run.Fleet;
import dev.milvusupgrade.run.Runner;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Reads the intent, preflights, plans, executes stage by stage and records the result.")
public class RunCommand implements Callable<Integer> {

    @Mixin
    IntentOptions options;

    @Inject
    KubernetesClient client;

    @Inject
    UpgradeConfig config;

    @Override
    public Integer call() {
        Runner runner = new Runner(client, Clock.systemUTC(), config.settings(), Console::log);
        String namespace = options.namespace(client);
        if (runner.isFleet(namespace, options.intent())) {
            Fleet.Report fleet = runner.runFleet(namespace, options.intent());
            Console.printFleet(System.out, fleet.record());
            TerminationMessage.write(Path.of(config.terminationLog()), "fleet " + fleet.record().phase() + ": " + fleet.record().message());
            return fleet.exitCode();
        }
        Runner.Report report = runner.run(namespace, options.intent());
        Outcome.print(report.record());
        TerminationMessage.write(Path.of(config.terminationLog()), report.record().phase() + ": " + report.record().message());
        return report.exitCode();
    }
}

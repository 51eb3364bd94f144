package dev.milvusupgrade.cli;

import dev.milvusupgrade.k8s.Kube;
import dev.milvusupgrade.plan.BackupPoint;
import dev.milvusupgrade.run.Fleet;
import dev.milvusupgrade.run.Runner;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "plan", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Reads the intent and the cluster, prints preflight findings and the staged plan. Never writes.")
public class PlanCommand implements Callable<Integer> {

    @Mixin
    IntentOptions options;

    @Inject
    KubernetesClient client;

    @Inject
    UpgradeConfig config;

    @Override
    public Integer call() {
        String namespace = options.namespace(client);
        Runner quiet = new Runner(new Kube(client), Clock.systemUTC(), config.settings(), line -> { });
        if (quiet.isFleet(namespace, options.intent())) {
            Fleet.Report fleet = quiet.planFleet(namespace, options.intent());
            System.out.println("Fleet plan, in order (canaries first and alone, then up to maxConcurrent at once):");
            fleet.plan().forEach(l -> System.out.println("  " + l));
            System.out.println(fleet.record().phase() + ": " + fleet.record().message());
            return fleet.exitCode();
        }
        Runner.Report report = new Runner(new Kube(client), Clock.systemUTC(), config.settings(), line -> { })
                .plan(namespace, options.intent());
        // A staged plan prints its warnings with it; a cluster already on its target (NoOp) has only the warnings.
        report.plan().ifPresentOrElse(p -> Console.printPlan(System.out, p),
                () -> report.warnings().forEach(w -> System.out.println("  warning: " + w)));
        report.record().stage(BackupPoint.STAGE).ifPresent(b -> System.out.println("  backup " + b.image()
                + " by milvus-backup, before the first 2.6 stage"));
        System.out.println(report.record().phase() + ": " + report.record().message());
        return report.exitCode();
    }
}

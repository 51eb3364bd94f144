package dev.milvusupgrade.cli;

import dev.milvusupgrade.k8s.Kube;
import dev.milvusupgrade.run.Fleet;
import dev.milvusupgrade.run.RetryLater;
import dev.milvusupgrade.run.Runner;
import dev.milvusupgrade.run.Shutdown;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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

    @Inject
    Clock clock;

    @Override
    public Integer call() {
        Runner runner = new Runner(new Kube(client), clock, config.settings(), Console::log);
        String namespace = options.namespace(client);
        // SIGTERM (activeDeadlineSeconds, an eviction): the hook interrupts the run's threads, the run records Interrupted, emits
        // its Event and releases its Lease(s), then the hook ends the process with the run's exit code (75) within the grace.
        Shutdown shutdown = new Shutdown().workOn(Thread.currentThread());
        Thread hook = new Thread(() -> {
            if (shutdown.request("SIGTERM", SHUTDOWN_GRACE)) {
                System.out.flush();
                Runtime.getRuntime().halt(shutdown.exitCode());
            }
        }, "sigterm");
        Runtime.getRuntime().addShutdownHook(hook);
        runner.stoppedBy(shutdown);
        if (runner.isFleet(namespace, options.intent())) {
            Fleet.Report fleet;
            try {
                fleet = runner.runFleet(namespace, options.intent());
            } catch (RuntimeException e) {
                throw runner.changedCluster() && !RetryLater.isTemporary(e) ? new Runner.AfterChange(e) : e;
            } finally {
                unhook(hook);
            }
            Console.printFleet(System.out, fleet.record());
            TerminationMessage.write(Path.of(config.terminationLog()), "fleet " + fleet.record().phase() + ": " + fleet.record().message());
            shutdown.finished(fleet.exitCode());
            return fleet.exitCode();
        }
        try {
            Runner.Report report;
            try {
                report = runner.run(namespace, options.intent());
            } catch (RuntimeException e) {
                throw runner.changedCluster() && !RetryLater.isTemporary(e) ? new Runner.AfterChange(e) : e;
            }
            Outcome.print(report.record());
            TerminationMessage.write(Path.of(config.terminationLog()), report.record().phase() + ": " + report.record().message());
            shutdown.finished(report.exitCode());
            return report.exitCode();
        } finally {
            unhook(hook);
        }
    }

    private static void unhook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it ends the process once the run above has finished
        }
    }

    /** How long SIGTERM waits for the run to record where it stopped: inside the pod's terminationGracePeriodSeconds (30). */
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);
}

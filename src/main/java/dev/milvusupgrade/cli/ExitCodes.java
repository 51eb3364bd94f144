package dev.milvusupgrade.cli;

import dev.milvusupgrade.plan.ExitCode;
import dev.milvusupgrade.run.RetryLater;
import dev.milvusupgrade.run.Runner;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.nio.file.Path;
import org.eclipse.microprofile.config.ConfigProvider;
import picocli.CommandLine;

/** The one mapping from failures to the contract's exit codes ({@link ExitCode}). */
@ApplicationScoped
public class ExitCodes {

    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        return factory.create().setExecutionExceptionHandler((e, cmd, parsed) -> {
            ExitCode code = of(e);
            String line = switch (code) {
                case TEMPORARY -> "Temporary failure, a retry may succeed: ";
                case REJECTED -> "Rejected: ";
                default -> "Error: ";
            } + oneLine(e)
                    + (unreachable(e) ? "; fix: check that the API server is reachable (the in-cluster ServiceAccount, or KUBECONFIG), "
                    + "then retry" : "");
            cmd.getErr().println(line);
            TerminationMessage.write(Path.of(ConfigProvider.getConfig().getOptionalValue("milvus-upgrade.termination-log", String.class)
                    .orElse("/dev/termination-log")), line);
            return code.code();
        });
    }

    static ExitCode of(Throwable e) {
        if (e instanceof Runner.NoIntent) {
            return ExitCode.REJECTED;
        }
        if (RetryLater.isTemporary(e)) {
            return ExitCode.TEMPORARY;
        }
        if (e instanceof Runner.AfterChange) {
            return ExitCode.FAILED; // exit 2 means nothing changed, and this run changed the cluster
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k && (k.getCode() == 401 || k.getCode() == 403)) {
                return ExitCode.REJECTED;
            }
        }
        return ExitCode.FAILED;
    }

    static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** The message, and the root cause when it says something the message does not (a host that does not resolve). */
    static String oneLine(Throwable e) {
        String m = message(e);
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && !m.contains(message(root))) {
            m = m + ": " + message(root);
        }
        return m.replaceAll("\\s+", " ").trim();
    }

    private static String message(Throwable t) {
        String m = t.getMessage() == null ? "" : t.getMessage();
        return t instanceof IOException || m.isEmpty() ? (t.getClass().getSimpleName() + " " + m).trim() : m;
    }

}

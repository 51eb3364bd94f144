package dev.milvusupgrade.cli;

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

/** The one mapping from failures to the contract's exit codes. */
@ApplicationScoped
public class ExitCodes {

    public static final int FAILED = 1;
    public static final int REJECTED = 2;
    public static final int TEMPORARY = 75;

    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        return factory.create().setExecutionExceptionHandler((e, cmd, parsed) -> {
            int code = of(e);
            String line = (code == TEMPORARY ? "Temporary failure, a retry may succeed: " : code == REJECTED ? "Rejected: " : "Error: ") + oneLine(e);
            cmd.getErr().println(line);
            TerminationMessage.write(Path.of(ConfigProvider.getConfig().getOptionalValue("milvus-upgrade.termination-log", String.class)
                    .orElse("/dev/termination-log")), line);
            return code;
        });
    }

    static int of(Throwable e) {
        if (e instanceof Runner.NoIntent) {
            return REJECTED;
        }
        if (e instanceof RetryLater) {
            return TEMPORARY;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k) {
                int c = k.getCode();
                if (c == 0 || c == 429 || c >= 500 || c == 409) {
                    return TEMPORARY;
                }
                if (c == 401 || c == 403) {
                    return REJECTED;
                }
                return FAILED;
            }
            if (t instanceof IOException) {
                return TEMPORARY;
            }
        }
        return FAILED;
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s+", " ").trim();
    }

}

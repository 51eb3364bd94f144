package dev.milvusupgrade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.ExitCode;
import dev.milvusupgrade.run.RetryLater;
import dev.milvusupgrade.run.Runner;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The one mapping from failures to the contract's exit codes, on exceptions shaped as fabric8 throws them. */
class ExitCodesTest {

    /** fabric8 reports a failed connection as a KubernetesClientException without HTTP code (-1) around the I/O error. */
    private static KubernetesClientException transport(Exception cause) {
        return new KubernetesClientException("Operation: [get] for kind: [ConfigMap] with name: [x] in namespace: [y] failed.",
                new ExecutionException(cause));
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("unknown API server host", transport(new UnknownHostException("kubernetes.default.svc")), ExitCode.TEMPORARY),
                Arguments.of("connection refused", transport(new ConnectException("Connection refused")), ExitCode.TEMPORARY),
                Arguments.of("request timed out", transport(new TimeoutException()), ExitCode.TEMPORARY),
                Arguments.of("connection closed by the HTTP client", transport(new IllegalStateException("Connection was closed")),
                        ExitCode.TEMPORARY),
                Arguments.of("429 throttled", new KubernetesClientException("slow down", 429, null), ExitCode.TEMPORARY),
                Arguments.of("503 unavailable", new KubernetesClientException("try again", 503, null), ExitCode.TEMPORARY),
                Arguments.of("409 conflict left over", new KubernetesClientException("conflict", 409, null), ExitCode.TEMPORARY),
                Arguments.of("lock held", new RetryLater("Lease held by another run"), ExitCode.TEMPORARY),
                Arguments.of("403 forbidden", new KubernetesClientException("forbidden", 403, null), ExitCode.REJECTED),
                Arguments.of("401 unauthorized", new KubernetesClientException("unauthorized", 401, null), ExitCode.REJECTED),
                Arguments.of("no intent", new Runner.NoIntent("intent ConfigMap milvus/x not found"), ExitCode.REJECTED),
                Arguments.of("403 after the run patched a Milvus",
                        new Runner.AfterChange(new KubernetesClientException("forbidden", 403, null)),
                        ExitCode.FAILED),
                Arguments.of("401 after the run patched a Milvus",
                        new Runner.AfterChange(new KubernetesClientException("unauthorized", 401, null)),
                        ExitCode.FAILED),
                Arguments.of("404 on a later read", new KubernetesClientException("not found", 404, null), ExitCode.FAILED),
                Arguments.of("a bug", new IllegalStateException("unexpected"), ExitCode.FAILED));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("cases")
    void maps_failures_to_the_contract_exit_codes(String name, Throwable e, ExitCode code) {
        assertThat(ExitCodes.of(e)).isEqualTo(code);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void says_it_in_one_line(String name, Throwable e, ExitCode code) {
        assertThat(ExitCodes.oneLine(e)).isNotBlank().doesNotContain("\n");
    }

    @Test
    void an_unreachable_api_server_names_the_host_that_did_not_resolve() {
        Throwable e = transport(new UnknownHostException("kubernetes.default.svc"));

        assertThat(ExitCodes.oneLine(e)).contains("[ConfigMap]").contains("UnknownHostException kubernetes.default.svc");
        assertThat(ExitCodes.unreachable(e)).isTrue();
    }
}

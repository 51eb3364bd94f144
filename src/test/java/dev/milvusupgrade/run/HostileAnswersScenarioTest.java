package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.k8s.Kube;
import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.data.MilvusRestClient;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.plan.RunRecord;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import dev.milvusupgrade.testing.Await;
import dev.milvusupgrade.testing.MilvusProxy;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Issue 22: an answer of the wrong type from Milvus ends the run in a recorded outcome, never in an escaped exception; text
 * from outside reaches the record and Events bounded, on one line.
 */
class HostileAnswersScenarioTest {

    private static final UnaryOperator<String> LOTS = b -> b.replaceFirst("\"rowCount\":\\s*\"?\\d+\"?", "\"rowCount\":\"lots\"");

    /** A runner whose Milvus is reached through {@code proxy}; {@code listener} sees its checkpoints. */
    private static Runner through(ScenarioCluster c, MilvusProxy proxy, Checkpoint.Listener listener) {
        return new Runner(new Kube(c.toolClient), c.clock, c.settings, c.log::add, listener,
                e -> new MilvusRestClient(new MilvusEndpoint(proxy.uri(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()), 4, Duration.ofSeconds(10)));
    }

    private static Map<String, String> intent() {
        return Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "30s");
    }

    @Test
    void a_wrong_typed_row_count_after_a_stage_fails_the_run_with_the_record_written() {
        try (ScenarioCluster c = ScenarioCluster.start(); MilvusProxy proxy = new MilvusProxy(c.data.uri())) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(intent());
            Runner runner = through(c, proxy, (cp, stage) -> {
                if (cp == Checkpoint.AFTER_PATCH) {
                    proxy.rewrite("collections/get_stats", LOTS);
                }
            });

            Runner.Report report = runner.run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).as(String.join("\n", c.log)).isEqualTo(1);
            RunRecord r = c.result();
            assertThat(r.phase()).isEqualTo(Phase.Failed);
            assertThat(r.message()).contains("could not read Milvus's answer").contains("collections/get_stats")
                    .contains("rowCount = \"lots\", not a whole number").contains("; fix: ").doesNotContain("\n");
            assertThat(c.ourMilvusPatches()).isNotEmpty();
        }
    }

    @Test
    void a_wrong_typed_answer_before_any_change_is_rejected_untouched() {
        try (ScenarioCluster c = ScenarioCluster.start(); MilvusProxy proxy = new MilvusProxy(c.data.uri())) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            c.intent(intent());
            proxy.rewrite("collections/describe", b -> "{\"code\":0,\"data\":\"not an object\"}");
            String before = c.resourceVersion();

            Runner.Report report = through(c, proxy, Checkpoint.Listener.NONE).run(ScenarioCluster.NS, ScenarioCluster.INTENT);

            assertThat(report.exitCode()).as(report.record().message()).isEqualTo(2);
            assertThat(c.result().message()).contains("cannot read what Milvus at").contains("data = \"not an object\", not an object")
                    .contains("; fix: ");
            assertThat(c.resourceVersion()).isEqualTo(before);
            assertThat(c.ourMilvusPatches()).isEmpty();
        }
    }

    @Test
    void a_one_megabyte_condition_message_is_recorded_cut_and_the_event_is_bounded() {
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.16", Layout.MIXCOORD);
            String huge = "connect to pulsar://pulsar:6650 failed\nINFO forged line\r\n\u001b[2J" + "x".repeat(1024 * 1024);
            c.operator.setDependencyDown("MsgStreamReady", "ConnectionFailed", huge);
            Await.until(Duration.ofSeconds(10), "the operator to report the message queue down", () -> String.valueOf(
                    c.milvus().getAdditionalProperties().get("status")).contains("ConnectionFailed"));
            c.intent(intent());
            String before = c.resourceVersion();

            Runner.Report report = c.run();

            assertThat(report.exitCode()).as(report.record().message()).isEqualTo(2);
            String message = c.result().message();
            assertThat(message).contains("MsgStreamReady False/ConnectionFailed: connect to pulsar://pulsar:6650 failed INFO forged line"
                    + " \\u001b[2Jxxx").contains("more characters)").doesNotContain("\n", "\r", "\u001b");
            assertThat(message.length()).isLessThanOrEqualTo(RunRecord.MAX_MESSAGE);
            assertThat(c.annotations().get(MilvusApi.ANNOTATION_RESULT).length()).as("the record, far below the 256 KiB of all annotations")
                    .isLessThan(16 * 1024);
            List<Event> events = c.client.v1().events().inNamespace(ScenarioCluster.NS).list().getItems();
            assertThat(events).isNotEmpty().allSatisfy(e -> assertThat(e.getMessage()).hasSizeLessThanOrEqualTo(1024)
                    .doesNotContain("\n", "\u001b"));
            assertThat(events).anyMatch(e -> e.getMessage().contains("MsgStreamReady False/ConnectionFailed"));
            assertThat(c.resourceVersion()).isEqualTo(before);
        }
    }
}

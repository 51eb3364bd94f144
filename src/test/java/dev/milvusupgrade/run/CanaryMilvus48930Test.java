package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.data.MilvusRestClient;
import dev.milvusupgrade.plan.Canary;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.DataCheck;
import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.plan.Version;
import dev.milvusupgrade.sim.SimulatedMilvusDataPlane;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * milvus#48930 through the canary: a canary made on 2.5 refuses an insert once the proxies run 2.6.13. The
 * tool's catalogue does not offer 2.6.12 to 2.6.14 as targets from 2.5, so the gate is driven directly, with
 * the simulated proxies' release set by hand.
 */
class CanaryMilvus48930Test {

    private static DataGate gate(SimulatedMilvusDataPlane data, List<String> log) {
        return new DataGate(new MilvusRestClient(MilvusEndpoint.of(data.uri()), 4, Duration.ofSeconds(5)), DataCheck.Mode.WRITE,
                Clock.systemUTC(), Duration.ofMillis(50), log::add, Canary.name("milvus/my-release", Version.of(2, 6, 13)), false);
    }

    @Test
    void insert_into_the_canary_made_on_2_5_is_refused_after_2_6_13() {
        try (SimulatedMilvusDataPlane data = new SimulatedMilvusDataPlane()) {
            List<String> log = new ArrayList<>();
            data.proxiesRun("2.5.16");
            DataGate gate = gate(data, log);
            Checked<DataCheckRecord> baseline = gate.baseline("sim", Optional.empty(), Optional.empty());
            assertThat(baseline).as(String.join("\n", log)).isInstanceOf(Checked.Ok.class);

            data.proxiesRun("2.6.13");
            DataGate.Verdict v = gate.afterStage("2.6.13", true, java.time.Instant.now().plusSeconds(10),
                    ((Checked.Ok<DataCheckRecord>) baseline).value(), () -> Optional.of("no remedy expected"));

            assertThat(v).isInstanceOf(DataGate.Verdict.Failed.class);
            assertThat(((DataGate.Verdict.Failed) v).message())
                    .contains("the canary check after stage 2.6.13 failed: insert into the canary "
                    + Canary.name("milvus/my-release", Version.of(2, 6, 13))
                    + " (created before the upgrade) failed: code 1100: the length of"
                    + " valid_data of field($meta) is wrong");
            assertThat(((DataGate.Verdict.Failed) v).record().remedy47806()).isFalse();
        }
    }

    @Test
    void the_same_canary_takes_writes_again_on_2_6_15() {
        try (SimulatedMilvusDataPlane data = new SimulatedMilvusDataPlane()) {
            List<String> log = new ArrayList<>();
            data.proxiesRun("2.5.16");
            DataGate gate = gate(data, log);
            DataCheckRecord r = ((Checked.Ok<DataCheckRecord>) gate.baseline("sim", Optional.empty(), Optional.empty())).value();

            data.proxiesRun("2.6.15");
            DataGate.Verdict v = gate.afterStage("2.6.15", true, java.time.Instant.now().plusSeconds(10), r, () -> Optional.of("none"));

            assertThat(v).as(String.join("\n", log)).isInstanceOf(DataGate.Verdict.Passed.class);
        }
    }
}

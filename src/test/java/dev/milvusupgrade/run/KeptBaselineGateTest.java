package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.data.MilvusRestClient;
import dev.milvusupgrade.plan.Canary;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.DataCheck;
import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.DataSnapshot;
import dev.milvusupgrade.plan.MilvusEndpoint;
import dev.milvusupgrade.plan.Rejection;
import dev.milvusupgrade.plan.Version;
import dev.milvusupgrade.sim.SimulatedMilvusDataPlane;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The data gate with a kept baseline (issue 21 item 6), driven directly against the simulated data plane. */
class KeptBaselineGateTest {

    private static DataGate gate(SimulatedMilvusDataPlane data, List<String> log, DataCheck.Mode mode) {
        return new DataGate(new MilvusRestClient(MilvusEndpoint.of(data.uri()), 4, Duration.ofSeconds(5)), mode, Clock.systemUTC(),
                Duration.ofMillis(50), log::add, Canary.name("milvus/my-release", Version.of(2, 6, 4)), false);
    }

    @Test
    void a_baseline_too_large_to_keep_is_refused_before_the_probe_or_the_canary_writes_anything() {
        try (SimulatedMilvusDataPlane data = new SimulatedMilvusDataPlane()) {
            List<String> log = new ArrayList<>();
            List<String> before = data.collections("default");

            Checked<DataCheckRecord> r = gate(data, log, DataCheck.Mode.WRITE)
                    .baseline("sim", Optional.empty(), Optional.empty(), Optional.empty(),
                        s -> Optional.of(Rejection.of("the data check's baseline takes 2000000 bytes compressed", "set dataCheck: off")));

            assertThat(r).isInstanceOf(Checked.Refused.class);
            assertThat(((Checked.Refused<DataCheckRecord>) r).rejection().message())
                    .startsWith("the data check's baseline takes 2000000 bytes");
            assertThat(data.collections("default")).as("no canary, no probe collection").isEqualTo(before);
        }
    }

    @Test
    void a_kept_baseline_is_compared_collection_by_collection_and_stays_the_baseline() {
        try (SimulatedMilvusDataPlane data = new SimulatedMilvusDataPlane()) {
            List<String> log = new ArrayList<>();
            DataGate first = gate(data, log, DataCheck.Mode.READ);
            assertThat(first.baseline("sim", Optional.empty(), Optional.empty())).isInstanceOf(Checked.Ok.class);
            DataSnapshot kept = first.baselineSnapshot().orElseThrow();
            DataCheckRecord record = DataCheckRecord.start(DataCheck.Mode.READ,
                    DataCheckRecord.Totals.of(kept, DataCheckRecord.Probe.NONE));

            data.addCollection("default", "newbooks", 5_000, true);
            DataGate again = gate(data, log, DataCheck.Mode.READ);
            Checked<DataCheckRecord> same = again.baseline("sim", Optional.empty(), Optional.of(record), Optional.of(kept), s -> {
                throw new AssertionError("a kept baseline is not admitted again");
            });
            assertThat(same).as(String.join("\n", log)).isEqualTo(Checked.ok(record));
            assertThat(again.baselineSnapshot()).contains(kept);

            data.loseQueryRows("default", "books", 1);
            Checked<DataCheckRecord> lost = gate(data, log, DataCheck.Mode.READ).baseline("sim", Optional.empty(), Optional.of(record),
                    Optional.of(kept), s -> Optional.empty());
            assertThat(lost).isInstanceOf(Checked.Refused.class);
            assertThat(((Checked.Refused<DataCheckRecord>) lost).rejection().message())
                    .contains("default.books: count(*) 12000 before, 11999 now");
        }
    }
}

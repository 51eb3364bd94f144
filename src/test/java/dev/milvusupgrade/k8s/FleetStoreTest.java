package dev.milvusupgrade.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.FleetRecord;
import dev.milvusupgrade.plan.FleetRecord.Line;
import dev.milvusupgrade.plan.FleetRecord.State;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.sim.EmbeddedApiServer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The fleet record on the intent: compact enough for 500 clusters, and read back as written. */
class FleetStoreTest {

    /** The API server's limit on all annotations of an object together (256 KiB). */
    private static final int ANNOTATIONS_LIMIT = 256 * 1024;

    @Test
    void a_500_cluster_fleet_with_the_longest_names_fits_the_annotation_limit_and_reads_back() {
        try (EmbeddedApiServer api = new EmbeddedApiServer()) {
            FleetStore store = new FleetStore(api.client());
            Instant t = Instant.parse("2026-11-26T03:04:05.123Z");
            List<Line> lines = new ArrayList<>();
            State[] states = State.values();
            for (int i = 0; i < 500; i++) {
                // A namespace of 63 characters and a Milvus name of 40 (the operator's Deployment names add "-milvus-<component>"
                // within 63).
                String ns = ("team-" + i + "-" + "x".repeat(63)).substring(0, 63);
                String name = ("milvus-" + i + "-" + "y".repeat(40)).substring(0, 40);
                lines.add(new Line(ns + "/" + name, states[i % states.length], i < 3, "v2.5.16", "v2.6.4",
                        i % 2 == 0 ? Optional.of(t) : Optional.empty()));
            }
            FleetRecord r = new FleetRecord(Phase.Failed, "env=prod,tier!=critical", "v2.6.4", lines,
                    "halted: a failed; " + "z".repeat(300),
                    t, Optional.of(t), "abcd1234");

            String json = store.encode(r);

            assertThat(json.getBytes(StandardCharsets.UTF_8).length).isLessThan(ANNOTATIONS_LIMIT / 2);
            assertThat(store.decode(json)).contains(r);
        }
    }

    @Test
    void the_largest_fleet_a_run_takes_still_fits_with_room_for_the_other_annotations() {
        try (EmbeddedApiServer api = new EmbeddedApiServer()) {
            FleetStore store = new FleetStore(api.client());
            Instant t = Instant.parse("2026-11-26T03:04:05.123Z");
            List<Line> lines = new ArrayList<>();
            for (int i = 0; i < FleetStore.MAX_CLUSTERS; i++) {
                String ns = ("team-" + i + "-" + "x".repeat(63)).substring(0, 63);
                String name = ("milvus-" + i + "-" + "y".repeat(40)).substring(0, 40);
                lines.add(new Line(ns + "/" + name, State.Succeeded, i < 3, "v2.5.16-gpu", "v2.6.11-gpu", Optional.of(t)));
            }
            FleetRecord r = new FleetRecord(Phase.Succeeded, "env=prod,tier!=critical", "v2.6.11-gpu", lines, "done; " + "z".repeat(300),
                    t, Optional.of(t), "abcd1234");

            assertThat(store.encode(r).getBytes(StandardCharsets.UTF_8).length).isLessThan(ANNOTATIONS_LIMIT - 16 * 1024);
        }
    }

    @Test
    void a_selection_above_the_cap_is_refused_saying_how_to_split_it() {
        assertThat(FleetStore.overCap(FleetStore.MAX_CLUSTERS, "all namespaces")).isEmpty();
        assertThat(FleetStore.overCap(FleetStore.MAX_CLUSTERS + 1, "all namespaces"))
                .hasValue("the selector matches 1001 Milvus resources in"
                + " all namespaces, more than the 1000 one fleet run can record; nothing was changed; fix: split the fleet into intents "
                + "with narrower selectors or namespaces");
    }
}

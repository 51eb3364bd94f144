package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fleet intent's own keys, the shared keys as each cluster reads them, the selector and the order. */
class FleetIntentTest {

    private static final Instant NOW = Instant.parse("2026-11-26T22:00:00Z");

    private static Checked<FleetIntent> parse(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("selector", "env=prod", "targetVersion", "v2.6.4"));
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                m.remove(kv[i]);
            } else {
                m.put(kv[i], kv[i + 1]);
            }
        }
        return FleetIntent.parse(m, NOW);
    }

    private static String refused(Checked<?> c) {
        assertThat(c).isInstanceOf(Checked.Refused.class);
        return ((Checked.Refused<?>) c).rejection().message();
    }

    @Test
    void applies_the_defaults_and_hands_each_cluster_the_shared_keys() {
        FleetIntent f = ((Checked.Ok<FleetIntent>) parse("stageTimeout", "45m", "dataCheck", "off", "namespaces", "b, a,a")).value();
        assertThat(f.maxConcurrent()).isEqualTo(1);
        assertThat(f.canary()).isEqualTo(1);
        assertThat(f.onFailure()).isEqualTo(FleetIntent.OnFailure.HALT);
        assertThat(f.namespaces()).containsExactly("a", "b");
        Intent one = ((Checked.Ok<Intent>) f.forCluster("team-a", "m1", NOW)).value();
        assertThat(one.milvus()).isEqualTo("m1");
        assertThat(one.milvusNamespace()).contains("team-a");
        assertThat(one.stageTimeout()).isEqualTo(Duration.ofMinutes(45));
        assertThat(one.dataCheck()).isEqualTo(DataCheck.Mode.OFF);
        assertThat(FleetIntent.isFleet(Map.of("selector", "x"))).isTrue();
        assertThat(FleetIntent.isFleet(Map.of("milvus", "x"))).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "milvus|my-release|the intent has both 'milvus' and 'selector'",
        "milvusNamespace|ns|intent key 'milvusNamespace' names one cluster's endpoint or namespace and cannot be shared by a fleet",
        "milvusEndpoint|http://m:19530|intent key 'milvusEndpoint' names one cluster's endpoint",
        "backupEndpoint|http://b:8080|intent key 'backupEndpoint' names one cluster's endpoint",
        "selector|'  '|the fleet's selector is empty, which would select every Milvus",
        "selector|env=|",
        "selector|env in prod|the fleet's selector term 'env in prod' is not a label selector",
        "selector|=prod|the fleet's selector term '=prod' is not a label selector",
        "selector|x notin ()|the fleet's selector term 'x notin ()' has an empty set: for 'in' and 'notin' the values can't be empty",
        "selector|env=prod,zone in ( )|the fleet's selector term 'zone in ( )' has an empty set: for 'in' and 'notin' the values can't be empty",
        "namespaces|Team-A|intent key 'namespaces' lists 'Team-A', not a namespace name",
        "maxConcurrent|0|intent key 'maxConcurrent' is '0', not a whole number within 1..50",
        "maxConcurrent|51|intent key 'maxConcurrent' is '51', not a whole number within 1..50",
        "maxConcurrent|two|intent key 'maxConcurrent' is 'two', not a whole number within 1..50",
        "canary|-1|intent key 'canary' is '-1', not a whole number within 0..1000",
        "onFailure|stop|intent key 'onFailure' is 'stop', not halt or continue",
        "targetVersion|2.6|intent key 'targetVersion' is '2.6', not a version",
        "notAfter|2026-11-26T21:00:00Z|the maintenance window in 'notAfter' ended at 2026-11-26T21:00:00Z",
        "paused|yes|",
        "dataCheck|maybe|intent key 'dataCheck' is 'maybe', not off, read or write",
    })
    void refuses_a_bad_fleet_intent_with_the_key_and_the_fix(String key, String value, String message) {
        Checked<FleetIntent> c = parse(key, value);
        if (message == null) {
            // Valid as a selector (env= selects an empty value) or refused by the single-cluster rules: both are fine here.
            if ("selector".equals(key)) {
                assertThat(c).isInstanceOf(Checked.Ok.class);
            } else {
                assertThat(refused(c)).contains("'" + key + "'");
            }
            return;
        }
        assertThat(refused(c)).startsWith(message);
        assertThat(((Checked.Refused<?>) c).rejection().message()).contains("; fix: ");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "env=prod|env=prod|true",
        "env=prod|env=dev|false",
        "env==prod|env=prod|true",
        "env=prod,tier!=critical|env=prod;tier=critical|false",
        "env=prod,tier!=critical|env=prod|true",
        "env=prod,tier!=critical|env=prod;tier=web|true",
        "zone in (a, b)|zone=b|true",
        "zone in (a,b)|zone=c|false",
        "zone notin (a,b)|zone=c|true",
        "zone notin (a,b)||true",
        "legacy||false",
        "!legacy||true",
        "!legacy|legacy=yes|false",
        "example.com/wave=1,!example.com/skip|example.com/wave=1|true",
        "env=prod, zone in (a,b), !legacy|env=prod;zone=a;legacy=1|false",
    })
    void matches_labels_as_the_api_server_does(String selector, String labels, boolean matches) {
        Map<String, String> l = new HashMap<>();
        if (labels != null) {
            for (String kv : labels.split(";")) {
                String[] p = kv.split("=", 2);
                l.put(p[0], p[1]);
            }
        }
        LabelSelector s = ((Checked.Ok<LabelSelector>) LabelSelector.parse(selector)).value();
        assertThat(s.matches(l)).isEqualTo(matches);
    }

    @Test
    void orders_the_canary_labelled_first_then_by_namespace_and_name() {
        record M(String ns, String name, Map<String, String> labels) {
        }
        List<M> ms = new ArrayList<>(List.of(new M("b", "x", Map.of()), new M("a", "z", Map.of()),
                new M("c", "a", Map.of(FleetIntent.CANARY_LABEL, "")),
                new M("a", "y", Map.of())));
        ms.sort(Comparator.comparing(m -> m, (p, q) -> FleetIntent.compare(p.ns(), p.name(), p.labels(), q.ns(), q.name(), q.labels())));
        assertThat(ms).extracting(m -> m.ns() + "/" + m.name()).containsExactly("c/a", "a/y", "a/z", "b/x");
    }

    @Test
    void exit_codes_follow_the_worst_cluster() {
        assertThat(record(FleetRecord.State.Succeeded, FleetRecord.State.NoOp, FleetRecord.State.Deferred).exitCode()).isZero();
        assertThat(record(FleetRecord.State.Succeeded, FleetRecord.State.Failed, FleetRecord.State.Halted).exitCode()).isEqualTo(1);
        assertThat(record(FleetRecord.State.Succeeded, FleetRecord.State.Rejected).exitCode()).isEqualTo(1);
        assertThat(record(FleetRecord.State.Succeeded, FleetRecord.State.Retry).exitCode()).isEqualTo(75);
        assertThat(record(FleetRecord.State.Failed, FleetRecord.State.Retry).exitCode()).isEqualTo(1);
        FleetRecord invalid = new FleetRecord(Phase.Rejected, "", "", List.of(), "bad", NOW, Optional.of(NOW), "r");
        assertThat(invalid.exitCode()).isEqualTo(2);
        assertThat(FleetRecord.endPhase(record(FleetRecord.State.Succeeded, FleetRecord.State.Deferred).clusters(), false))
                .isEqualTo(Phase.Deferred);
        assertThat(FleetRecord.endPhase(record(FleetRecord.State.Succeeded, FleetRecord.State.Retry).clusters(), false))
                .isEqualTo(Phase.Running);
    }

    static FleetRecord record(FleetRecord.State... states) {
        List<FleetRecord.Line> lines = new ArrayList<>();
        for (int i = 0; i < states.length; i++) {
            lines.add(new FleetRecord.Line("ns/m" + i, states[i], i == 0, "v2.5.4", "v2.6.4", Optional.of(NOW)));
        }
        return new FleetRecord(Phase.Running, "env=prod", "v2.6.4", lines, "", NOW, Optional.empty(), "r");
    }
}

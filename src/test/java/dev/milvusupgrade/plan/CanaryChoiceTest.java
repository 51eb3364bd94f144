package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A fleet's canaries come from the Job's setting canary-clusters when it is set, never from tenants' labels then. */
class CanaryChoiceTest {

    /** a/one carries the canary label; the others do not. */
    private static final Map<String, Map<String, String>> SELECTED = selected();

    private static Map<String, Map<String, String>> selected() {
        Map<String, Map<String, String>> m = new LinkedHashMap<>();
        m.put("a/one", Map.of(FleetIntent.CANARY_LABEL, "true", "app", "x"));
        m.put("a/two", Map.of("app", "x"));
        m.put("b/three", Map.of("app", "x"));
        m.put("b/four", Map.of());
        return m;
    }

    private static List<String> list(String text) {
        return text == null ? List.of() : Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static Optional<Integer> count(String text) {
        return text == null || text.isBlank() ? Optional.empty() : Optional.of(Integer.parseInt(text.strip()));
    }

    /** The fleet's order of the selected clusters under a choice. */
    private static List<String> order(CanaryChoice c) {
        return SELECTED.keySet().stream().sorted((x, y) -> {
            String[] a = x.split("/");
            String[] b = y.split("/");
            return c.compare(a[0], a[1], SELECTED.get(x), b[0], b[1], SELECTED.get(y));
        }).toList();
    }

    @ParameterizedTest(name = "setting [{0}], intent canary [{1}] -> order {2}, named {3}")
    @CsvSource(delimiter = '|', value = {
        // setting | intent's canary ("" = not given) | fleet order | named canaries ("" = by label)
        "||a/one,a/two,b/four,b/three|",
        "|3|a/one,a/two,b/four,b/three|",
        "b/three||b/three,a/one,a/two,b/four|b/three",
        "b/three|1|b/three,a/one,a/two,b/four|b/three",
        "b/four, a/two|2|b/four,a/two,a/one,b/three|b/four,a/two",
        "b/four,a/two,b/four||b/four,a/two,a/one,b/three|b/four,a/two",
        "b/three,c/elsewhere|1|b/three,a/one,a/two,b/four|b/three",
        "c/elsewhere|0|a/one,a/two,b/four,b/three|",
    })
    void the_setting_puts_exactly_its_selected_clusters_first_in_its_order_and_ignores_the_label(String setting, String asked,
            String expectedOrder, String expectedNamed) {
        CanaryChoice c = ((Checked.Ok<CanaryChoice>) CanaryChoice.choose(list(setting), SELECTED, count(asked))).value();
        assertThat(c.fromSetting()).isEqualTo(!list(setting).isEmpty());
        assertThat(c.named()).isEqualTo(list(expectedNamed));
        assertThat(order(c)).isEqualTo(list(expectedOrder));
    }

    @ParameterizedTest(name = "setting [{0}], intent canary {1} -> refused")
    @CsvSource(delimiter = '|', value = {
        "b/three|0",
        "b/three|2",
        "b/three,a/two|1",
        "b/three,c/elsewhere|2",
        "c/elsewhere|1",
    })
    void an_intent_count_other_than_the_named_selected_clusters_is_refused_naming_the_setting(String setting, int asked) {
        Checked<CanaryChoice> got = CanaryChoice.choose(list(setting), SELECTED, Optional.of(asked));
        String named = String.valueOf(list(setting).stream().filter(SELECTED::containsKey).count());
        assertThat(((Checked.Refused<CanaryChoice>) got).rejection().message()).isEqualTo("the fleet intent asks for canary: " + asked
                + ", but the Job's setting milvus-upgrade.canary-clusters (env MILVUS_UPGRADE_CANARY_CLUSTERS) names " + named
                + " of the selected clusters as canaries; fix: write canary: " + named
                + " or leave it out, or change the setting in the Job's manifest");
    }

    @ParameterizedTest(name = "setting entry [{0}] is refused")
    @CsvSource(delimiter = '|', value = {"one", "/one", "a/", "a/b/c", "A/b", "a/b c", "a/b\u001b[31m"})
    void a_setting_entry_that_is_not_namespace_slash_name_is_refused(String entry) {
        Checked<CanaryChoice> got = CanaryChoice.choose(List.of("b/three", entry), SELECTED, Optional.empty());
        assertThat(((Checked.Refused<CanaryChoice>) got).rejection().message())
                .startsWith("the Job's setting milvus-upgrade.canary-clusters (env MILVUS_UPGRADE_CANARY_CLUSTERS) lists '")
                .endsWith("', not namespace/name; fix: list the canary clusters as namespace/name, separated by commas")
                .doesNotContain("\u001b").doesNotContain("\n");
    }

    @Test
    void a_setting_entry_with_a_line_break_is_refused_in_one_line() {
        Checked<CanaryChoice> got = CanaryChoice.choose(List.of("a/b\nforged line"), SELECTED, Optional.empty());
        assertThat(((Checked.Refused<CanaryChoice>) got).rejection().message()).contains("lists 'a/b forged line'").doesNotContain("\n");
    }

    @Test
    void the_ignored_label_and_a_listed_cluster_not_selected_are_each_said_once() {
        CanaryChoice c = ((Checked.Ok<CanaryChoice>) CanaryChoice.choose(List.of("c/elsewhere", "b/three"), SELECTED, Optional.empty()))
                .value();
        assertThat(c.notes()).containsExactly(
                "label milvus-upgrade.dev/canary ignored on a/one: the Job's setting milvus-upgrade.canary-clusters"
                        + " (env MILVUS_UPGRADE_CANARY_CLUSTERS) picks the canaries",
                "warning: canary cluster(s) c/elsewhere in the Job's setting milvus-upgrade.canary-clusters"
                        + " (env MILVUS_UPGRADE_CANARY_CLUSTERS) not selected by this fleet; not upgraded by it");
    }

    @Test
    void without_a_labelled_cluster_or_a_stray_entry_there_is_nothing_to_say() {
        Map<String, Map<String, String>> plain = Map.of("a/two", Map.of(), "b/three", Map.of());
        assertThat(((Checked.Ok<CanaryChoice>) CanaryChoice.choose(List.of("b/three"), plain, Optional.empty())).value().notes())
                .isEmpty();
        assertThat(((Checked.Ok<CanaryChoice>) CanaryChoice.choose(List.of(), SELECTED, Optional.empty())).value().notes()).isEmpty();
    }

    @Test
    void a_setting_naming_none_of_the_selected_clusters_warns_that_the_fleet_has_no_canary() {
        CanaryChoice c = ((Checked.Ok<CanaryChoice>) CanaryChoice.choose(List.of("c/elsewhere"), SELECTED, Optional.empty())).value();
        assertThat(c.named()).isEmpty();
        assertThat(c.notes()).last().asString().startsWith("warning: no selected cluster is named").endsWith("so this fleet has no canary");
    }

    private static FleetPlan.Member member(String ref, FleetRecord.State planned) {
        return new FleetPlan.Member(ref, "2.5.16", planned, "", "");
    }

    @Test
    void with_the_setting_every_named_cluster_not_on_its_target_is_a_canary_whatever_the_count() {
        List<FleetPlan.Member> planned = List.of(member("b/four", FleetRecord.State.NoOp), member("a/two", FleetRecord.State.Rejected),
                member("b/three", FleetRecord.State.Planned), member("a/one", FleetRecord.State.Planned));
        CanaryChoice c = ((Checked.Ok<CanaryChoice>) CanaryChoice.choose(List.of("b/four", "a/two", "b/three"), SELECTED,
                Optional.empty())).value();
        // Already upgraded: proven; refused: still a canary, so that its refusal halts the fleet.
        assertThat(c.canaries(planned, 1)).containsExactly("a/two", "b/three");
        assertThat(CanaryChoice.byLabel().canaries(planned, 1)).containsExactly("b/three");
    }
}

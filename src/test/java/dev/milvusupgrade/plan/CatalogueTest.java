package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The bundled catalogue file is consistent, the validator refuses bad files, and routes follow the data. */
class CatalogueTest {

    private static final Catalogue BUILT_IN = Catalogue.builtIn();

    private static Version v(String text) {
        return Version.parse(text).orElseThrow();
    }

    private static String refusal(Checked<?> c) {
        assertThat(c).as("refused").isInstanceOf(Checked.Refused.class);
        String message = ((Checked.Refused<?>) c).rejection().message();
        assertThat(message).contains("fix:").doesNotContain("\n");
        return message;
    }

    @Test
    void the_bundled_file_is_sorted_without_duplicates_and_every_refusal_has_a_reason_and_an_issue() {
        List<Release> releases = BUILT_IN.releases();
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < releases.size(); i++) {
            Release r = releases.get(i);
            assertThat(keys.add(Catalogue.key(r.version()))).as("duplicate " + r.version()).isTrue();
            if (i > 0) {
                assertThat(r.version()).as("order at line " + r.line()).isGreaterThan(releases.get(i - 1).version());
            }
            r.refusal().ifPresent(x -> {
                assertThat(x.issue()).matches(CatalogueFile.ISSUE);
                assertThat(x.reason()).isNotBlank();
            });
            assertThat(r.fixes()).allMatch(f -> CatalogueFile.ISSUE.matcher(f).matches());
        }
        // What FACTS §9.8 and §9.10 confirm: the newest 2.5 found, 2.6 up to at least 2.6.24, the 3.0 releases found.
        assertThat(releases).extracting(Release::version).contains(v("v2.5.0"), v("v2.5.27"), v("v2.6.0-rc1"), v("v2.6.24"), v("v2.6.25"),
                v("v3.0.0"), v("v3.0.1"));
        assertThat(releases).extracting(Release::version).doesNotContain(v("v2.5.28"), v("v3.0.4"));
    }

    @Test
    void the_bundled_routes_are_2_5_to_2_6_via_mixcoord_and_2_6_to_2_6() {
        assertThat(BUILT_IN.routes()).extracting(r -> r.from() + "->" + r.to() + " " + r.bridge().map(Version::toString).orElse("-")
                + " " + r.oldestTarget().map(Version::toString).orElse("-") + " " + r.advise().map(Version::toString).orElse("-"))
                .containsExactly("2.5->2.6 v2.5.16 v2.6.4 v2.6.16", "2.6->2.6 - - -");
        assertThat(BUILT_IN.find(v("v2.5.16")).orElseThrow().version()).isEqualTo(Catalogue.MIXCOORD_BRIDGE);
    }

    private static final String HEAD = "route 2.5 -> 2.6 from v2.6.4 via-mixcoord v2.5.16\n";

    static Stream<Arguments> badFiles() {
        return Stream.of(
                Arguments.of("unsorted", HEAD + "v2.5.16 | - | - | - | -\nv2.6.4 | - | - | - | -\nv2.6.2 | - | - | - | -\n",
                        "line 4 v2.6.2 comes after v2.6.4 (line 3); fix: keep releases sorted"),
                Arguments.of("duplicate", HEAD + "v2.5.16 | - | - | - | -\nv2.6.4 | - | - | - | -\nv2.6.4 | - | - | - | -\n",
                        "line 4 repeats v2.6.4 (also on line 3)"),
                Arguments.of("duplicate pre-release spelling",
                        HEAD + "v2.5.16 | - | - | - | -\nv2.6.0-rc.1 | - | - | - | -\nv2.6.0-rc1 | - | - | - | -\nv2.6.4 | - | - | - | -\n",
                        "line 4 repeats v2.6.0-rc1"),
                Arguments.of("refusal without issue",
                        HEAD + "v2.5.16 | - | - | - | -\nv2.6.4 | - | - | target-from-2.5: inserts fail badly | -\n",
                        "line 3 has the refusal"),
                Arguments.of("refusal with a bad issue",
                        HEAD + "v2.5.16 | - | - | - | -\nv2.6.4 | - | - | target-from-2.5 48930: inserts fail badly | -\n",
                        "line 3 refuses without an issue ('48930')"),
                Arguments.of("refusal without reason", HEAD + "v2.5.16 | - | - | - | -\nv2.6.4 | - | - | target milvus-io/milvus#1: | -\n",
                        "line 3 refuses without a reason"),
                Arguments.of("bad date", HEAD + "v2.5.16 | 2026-13-01 | - | - | -\nv2.6.4 | - | - | - | -\n",
                    "line 2 has the release date '2026-13-01'"),
                Arguments.of("dates backwards in a series",
                        HEAD + "v2.5.16 | - | - | - | -\nv2.6.4 | 2026-05-01 | - | - | -\nv2.6.5 | 2026-04-01 | - | - | -\n",
                        "line 4 v2.6.5 is dated 2026-04-01, before v2.6.4 (2026-05-01)"),
                Arguments.of("four fields", HEAD + "v2.5.16 | - | - | -\n", "line 2 has 4 field(s), not 5"),
                Arguments.of("not a version", HEAD + "2.6.x | - | - | - | -\n", "line 2 starts with '2.6.x', not a release version"),
                Arguments.of("a build variant", HEAD + "v2.6.4-gpu | - | - | - | -\n", "line 2 starts with 'v2.6.4-gpu'"),
                Arguments.of("bad fix", HEAD + "v2.5.16 | - | #48977 | - | -\n", "line 2 lists the fix '#48977', not an issue"),
                Arguments.of("unknown flag", HEAD + "v2.5.16 | - | - | - | note [fast-lane]\n", "line 2 has the unknown flag [fast-lane]"),
                Arguments.of("unknown route option", "route 2.5 -> 2.6 through v2.5.16\nv2.5.16 | - | - | - | -\n",
                    "line 1 has the unknown option 'through'"),
                Arguments.of("route naming a missing release", HEAD + "v2.5.16 | - | - | - | -\n",
                    "line 1 names v2.6.4, which has no release line"),
                Arguments.of("repeated route", HEAD + HEAD + "v2.5.16 | - | - | - | -\n", "line 2 repeats the route 2.5 -> 2.6"),
                Arguments.of("no releases", HEAD, "has no release line"),
                Arguments.of("empty", "  \n", "is empty"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void a_bad_file_is_refused_whole_with_its_line_and_the_fix(String name, String text, String fragment) {
        assertThat(refusal(Catalogue.parse(text, "test catalogue"))).startsWith("test catalogue").contains(fragment);
    }

    @ParameterizedTest(name = "{0} from {1}")
    @CsvSource({"v2.6.12, v2.5.8", "v2.6.13, v2.5.4", "v2.6.14, v2.5.27", "v2.6.13, v2.5.16"})
    void targets_that_break_2_5_dynamic_field_collections_are_refused_from_every_2_5_source(String target, String source) {
        assertThat(refusal(BUILT_IN.route(v(source), v(target))))
                .contains("targetVersion " + target + " is refused from 2.5 (milvus-io/milvus#48930)")
                .contains("enable_dynamic_field")
                .contains("fix: target v2.6.15 or later (recommended: v2.6.25)");
    }

    @ParameterizedTest(name = "{0} to {1}")
    @CsvSource({"v2.6.11, v2.6.13", "v2.6.11, v2.6.24", "v2.5.16, v2.6.15", "v2.5.4, v2.6.24", "v2.6.24, v2.6.24", "v2.5.8-gpu, v2.6.16"})
    void allowed_routes(String source, String target) {
        assertThat(BUILT_IN.route(v(source), v(target))).isInstanceOf(Checked.Ok.class);
    }

    static Stream<Arguments> refusedRoutes() {
        return Stream.of(
                Arguments.of("3.0 as a target", "v2.6.24", "v3.0.1",
                        "targetVersion v3.0.1 is refused (milvus-io/milvus-docs#3574): the 2.6 to 3.0 route is"
                        + " not supported yet"),
                Arguments.of("a cluster on 3.0", "v3.0.1", "v3.0.5",
                        "the cluster runs v3.0.1, outside this tool's routes (2.5.x -> 2.6.4+, 2.6.x -> 2.6.x),"
                        + " so this tool never patches it"),
                Arguments.of("rc1 source", "v2.6.0-rc1", "v2.6.24", "v2.6.0-rc1 is not compatible with later 2.6 releases"),
                Arguments.of("unknown source", "v2.6.26", "v2.6.26",
                        "the cluster runs v2.6.26, which is not in the release catalogue (newest known 2.6"
                        + " release: v2.6.25)"),
                Arguments.of("unknown target", "v2.5.8", "v2.6.99",
                    "targetVersion v2.6.99 is not in the upgrade catalogue; fix: pick one of"),
                Arguments.of("2.5 to 2.5", "v2.5.8", "v2.5.27",
                    "no known upgrade path from v2.5.8 to v2.5.27; fix: from 2.5.x target v2.6.4 or later"),
                Arguments.of("downgrade", "v2.6.24", "v2.6.16", "downgrades are not supported"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedRoutes")
    void refused_routes_say_why_in_one_line(String name, String source, String target, String fragment) {
        assertThat(refusal(BUILT_IN.route(v(source), v(target)))).contains(fragment);
    }

    @ParameterizedTest(name = "from {0}")
    @CsvSource({"v2.5.4, v2.6.25", "v2.5.16, v2.6.25", "v2.6.11, v2.6.25", "v2.6.25, v2.6.25"})
    void the_recommended_target_is_the_newest_safe_one(String source, String expected) {
        assertThat(BUILT_IN.recommended(v(source))).contains(v(expected));
        assertThat(BUILT_IN.recommendation(v(source))).contains("recommended target from " + v(source) + ": " + expected);
    }

    @Test
    void the_recommendation_from_2_5_names_what_it_skipped() {
        assertThat(BUILT_IN.recommendation(v("v2.5.4")))
                .contains("refused on the way: v2.6.12 (milvus-io/milvus#48930), v2.6.13 (milvus-io/milvus#48930),"
                + " v2.6.14 (milvus-io/milvus#48930)").contains("not offered: v3.0.0");
    }

    @Test
    void no_recommendation_when_every_target_is_refused() {
        Catalogue c = ((Checked.Ok<Catalogue>) Catalogue.parse(HEAD + "v2.5.16 | - | - | - | -\nv2.6.2 | - | - | - | -\n"
                + "v2.6.4 | - | - | target-from-2.5 example/ops#1: refused for this test | -\n", "test catalogue")).value();
        assertThat(c.recommended(v("v2.5.16"))).isEmpty();
        assertThat(c.recommendation(v("v2.5.16")))
                .isEqualTo("no recommended target from v2.5.16: no release of the catalogue is a safe target from it");
        assertThat(refusal(c.route(v("v2.5.16"), v("v2.6.4")))).endsWith("fix: stay on v2.5.16 until a later release is in the catalogue");
    }

    @Test
    void no_recommendation_outside_the_routes() {
        assertThat(BUILT_IN.recommended(v("v3.0.1"))).isEmpty();
        assertThat(BUILT_IN.recommended(v("v2.6.0-rc1"))).isEmpty();
    }

    @Test
    void a_2_5_to_2_6_target_older_than_2_6_16_is_warned_with_the_fixes_it_misses() {
        Catalogue.Route old = ((Checked.Ok<Catalogue.Route>) BUILT_IN.route(v("v2.5.16"), v("v2.6.11"))).value();
        assertThat(BUILT_IN.advice(old)).hasValueSatisfying(w -> assertThat(w).contains("older than v2.6.16")
                .contains("v2.6.13 (milvus-io/milvus#48351, milvus-io/milvus#48391)").contains("v2.6.16 (milvus-io/milvus#49552")
                .doesNotContain("v2.6.18"));
        Catalogue.Route good = ((Checked.Ok<Catalogue.Route>) BUILT_IN.route(v("v2.5.16"), v("v2.6.16"))).value();
        assertThat(BUILT_IN.advice(good)).isEmpty();
        Catalogue.Route within = ((Checked.Ok<Catalogue.Route>) BUILT_IN.route(v("v2.6.4"), v("v2.6.11"))).value();
        assertThat(BUILT_IN.advice(within)).isEmpty();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"v2.6.24, false", "v2.6.25, true", "v3.0.1, false", "v3.0.3, true", "v3.0.5, true", "v2.5.27, false"})
    void the_pulsar_exclusive_producer_is_carried_from_its_first_release_on(String version, boolean carries) {
        assertThat(BUILT_IN.carries(v(version), Release.PULSAR_EXCLUSIVE_PRODUCER)).isEqualTo(carries);
    }

    @Test
    void the_readme_table_is_the_catalogue() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        String start = "<!-- catalogue:start -->\n";
        String inReadme = readme.substring(readme.indexOf(start) + start.length(), readme.indexOf("<!-- catalogue:end -->"));
        String expected = BUILT_IN.markdownTable();
        if (!inReadme.equals(expected)) {
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "readme-catalogue-table.md"), expected, StandardCharsets.UTF_8);
        }
        assertThat(inReadme).as("README table between the catalogue markers; the expected one is in target/readme-catalogue-table.md")
                .isEqualTo(expected);
        // The hand-written route table names the newest target from 2.5.
        String newest = BUILT_IN.recommended(v("v2.5.0")).orElseThrow().toString().substring(1);
        assertThat(readme).contains("| 2.5.x without mixCoord, or < 2.5.16 | 2.6.4 … " + newest + ", except 2.6.12–2.6.14 |")
                .contains("(from any 2.5 today: v" + newest + ")");
        assertThat(expected).contains("| v2.6.13 | 2026-03-23 | **refused** (milvus-io/milvus#48930) | yes |")
                .contains("| v2.6.0-rc1 |  |  |  | **not upgradable** (milvus-io/milvus#43538) |");
    }

    private static Checked<Catalogue> withUser(String text) {
        return CatalogueFile.parse(text, "user catalogue").map(c -> BUILT_IN.with(c, "user catalogue"));
    }

    @Test
    void a_user_catalogue_adds_releases_and_refusals() {
        Catalogue c = ((Checked.Ok<Catalogue>) withUser("v2.6.26 | 2026-10-01 | - | - | added by the platform team\n")).value();
        assertThat(c.recommended(v("v2.5.8"))).contains(v("v2.6.26"));
        assertThat(c.route(v("v2.6.26"), v("v2.6.26"))).isInstanceOf(Checked.Ok.class);

        Catalogue refusing = ((Checked.Ok<Catalogue>) withUser(
                "v2.6.25 | - | - | target-from-2.5 example/ops#7: fails our soak test | -\n")).value();
        assertThat(refusing.recommended(v("v2.5.8"))).contains(v("v2.6.24"));
        assertThat(refusing.recommended(v("v2.6.11"))).contains(v("v2.6.25"));
        assertThat(refusing.find(v("v2.6.25")).orElseThrow().note()).contains("Pulsar");
    }

    @Test
    void a_user_catalogue_never_lifts_a_built_in_refusal_nor_adds_routes() {
        assertThat(refusal(withUser("v2.6.13 | - | - | - | fine for us\n")))
                .isEqualTo("user catalogue line 1 changes the built-in refusal of v2.6.13 (milvus-io/milvus#48930), which a user catalogue"
                        + " cannot lift; fix: remove the line for v2.6.13");
        assertThat(refusal(withUser("route 2.6 -> 3.0\nv3.0.5 | - | - | - | -\n"))).contains("line 1 adds a route");
        assertThat(refusal(withUser("v2.6.27 | - | - | - | -\nv2.6.26 | - | - | - | -\n"))).contains("line 2 v2.6.26 comes after v2.6.27");
    }
}

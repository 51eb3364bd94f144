package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The canary's content and how a read-back is compared with it, bit for bit. */
class CanaryTest {

    /** The rows as a client reads them back: ints where Long was written, doubles for floats, JSON parsed. */
    private static List<Map<String, Object>> asRead() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : Canary.rows()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", ((Long) r.get("id")).intValue());
            m.put("vector", ((List<?>) r.get("vector")).stream().map(f -> (Object) ((Float) f).doubleValue()).toList());
            m.put("title", r.get("title"));
            m.put("meta", Map.of("n", ((Long) ((Map<?, ?>) r.get("meta")).get("n")).intValue(), "tag", "canary"));
            m.put("extra", ((Long) r.get("extra")).intValue());
            out.add(m);
        }
        return out;
    }

    @Test
    void the_name_is_stable_per_upgrade_and_the_vectors_are_distinct_and_exact() {
        assertThat(Canary.name("milvus/my-release", Version.of(2, 6, 4))).isEqualTo(Canary.name("milvus/my-release", Version.of(2, 6, 4)))
                .startsWith(Canary.PREFIX).hasSize(Canary.PREFIX.length() + 12)
                .isNotEqualTo(Canary.name("milvus/my-release", Version.of(2, 6, 5)));
        assertThat(Canary.rows()).extracting(r -> r.get("vector")).doesNotHaveDuplicates().hasSize(Canary.ROWS);
        assertThat(Canary.compare(Canary.rows(), asRead())).isEmpty();
    }

    static Stream<Arguments> breaks() {
        return Stream.of(
                Arguments.of("a vector component off by one float32 step", (Consumer<List<Map<String, Object>>>) rows -> {
                    List<Object> v = new ArrayList<>((List<?>) rows.get(16).get("vector"));
                    v.set(3, (double) Math.nextUp(((Double) v.get(3)).floatValue()));
                    rows.get(16).put("vector", v);
                }, "vector of id=17 changed"),
                Arguments.of("a title", (Consumer<List<Map<String, Object>>>) rows -> rows.get(0).put("title", "x"),
                    "title (VarChar) of id=1 changed"),
                Arguments.of("the JSON field", (Consumer<List<Map<String, Object>>>) rows -> rows.get(1).put("meta", Map.of("n", 2)),
                        "meta (JSON) of id=2 changed"),
                Arguments.of("the dynamic key", (Consumer<List<Map<String, Object>>>) rows -> rows.get(2).remove("extra"),
                        "dynamic field extra of id=3 changed"),
                Arguments.of("rows missing", (Consumer<List<Map<String, Object>>>) rows -> rows.subList(0, 2).clear(),
                        "rows: 2 of 256 written rows do not come back (first id=1)"),
                Arguments.of("a row too many",
                        (Consumer<List<Map<String, Object>>>) rows -> rows.add(new LinkedHashMap<>(Map.of("id", 999))),
                        "rows: 1 unexpected row(s) came back (first id=999)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("breaks")
    void names_the_first_property_that_broke(String name, Consumer<List<Map<String, Object>>> change, String expected) {
        List<Map<String, Object>> read = asRead();
        change.accept(read);
        assertThat(Canary.compare(Canary.rows(), read)).hasValueSatisfying(d -> assertThat(d).startsWith(expected));
    }

    @Test
    void a_search_must_find_each_searched_row_first() {
        Map<Long, List<Long>> hits = new LinkedHashMap<>();
        Canary.SEARCHED.forEach(id -> hits.put(id, List.of(id, 5L, 6L)));
        assertThat(Canary.compareSearch(hits)).isEmpty();
        hits.put(97L, List.of(12L, 97L));
        assertThat(Canary.compareSearch(hits))
                .isEqualTo(Optional.of("search: the top 3 hits for the vector of id=97 are [12, 97], not led by 97"));
    }
}

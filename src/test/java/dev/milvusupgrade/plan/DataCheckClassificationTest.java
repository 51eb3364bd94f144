package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Issue 20: which differences of a loaded or unloaded collection are losses, which warnings, each with its exact text. */
class DataCheckClassificationTest {

    private static final List<DataSnapshot.Index> INDEX = List.of(new DataSnapshot.Index("vector", "Finished"));

    private static DataSnapshot.Collection c(long stats, long count, long ttl, String... sample) {
        return new DataSnapshot.Collection("books", stats,
                count != DataSnapshot.Collection.NOT_COUNTED ? "LoadStateLoaded" : "LoadStateNotLoad", INDEX, "s1", ttl, count,
                List.of(sample));
    }

    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of("nothing changed", c(100, 100, 0, "1", "2"), c(100, 100, 0, "1", "2"), false, List.of()),
                Arguments.of("rows added", c(100, 100, 0, "1"), c(150, 160, 0, "1"), false, List.of()),
                Arguments.of("count(*) lower, get_stats unchanged: the query path lost rows", c(100, 100, 0, "1"), c(100, 60, 0, "1"),
                        false,
                        List.of("LOSS default.books: count(*) 100 before, 60 now (get_stats 100 before, 100 now)")),
                Arguments.of("both lower together: a loss of flushed data", c(100, 100, 0, "1"), c(90, 90, 0, "1"), false,
                        List.of("LOSS default.books: count(*) 100 before, 90 now (get_stats 100 before, 90 now)")),
                Arguments.of("a sampled key gone", c(100, 100, 0, "1", "2", "3"), c(100, 100, 0, "1", "3"), false,
                        List.of("LOSS default.books: 1 of 3 sampled primary keys no longer come back (2)")),
                Arguments.of("get_stats lower while count(*) is not: compaction", c(100, 90, 0, "1"), c(90, 90, 0, "1"), false,
                        List.of("WARNING default.books: get_stats 100 before, 90 now: count(*) is not lower, so likely compaction applying "
                                + "deletes or upserts (or a failed import)")),
                Arguments.of("get_stats lower on an unloaded collection", c(100, -1, 0), c(80, -1, 0), false,
                        List.of("WARNING default.books: get_stats 100 before, 80 now: not loaded, so count(*) cannot tell; likely "
                                + "compaction applying deletes or upserts, TTL expiry or a failed import")),
                Arguments.of("a TTL collection's count(*) lower", c(100, 100, 60, "1"), c(100, 70, 60, "1"), false,
                        List.of("WARNING default.books: count(*) 100 before, 70 now (get_stats 100 before, 100 now): a TTL collection"
                                + " (collection.ttl.seconds=60): expired rows go")),
                Arguments.of("clients write: count(*) lower and a key gone are warnings", c(100, 100, 0, "1"), c(100, 99, 0), true,
                        List.of("WARNING default.books: count(*) 100 before, 99 now (get_stats 100 before, 100 now): clients write during "
                                + "the upgrade (clientsWrite: true) and may have deleted rows",
                                "WARNING default.books: 1 of 1 sampled primary keys no longer come back (1): clients write during the upgrade"
                                        + " (clientsWrite: true) and may have deleted rows")),
                Arguments.of("count(*) timed out: pending", c(100, 100, 0, "1"), c(100, DataSnapshot.Collection.TIMED_OUT, 0), false,
                        List.of("PENDING default.books: count(*) timed out (it answered before the stage)")),
                Arguments.of("clients write do not excuse a vanished index", c(100, 100, 0),
                        new DataSnapshot.Collection("books", 100, "LoadStateLoaded", List.of(), "s1", 0, 100, List.of()), true,
                        List.of("LOSS default.books: index vector missing")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void classifies(String name, DataSnapshot.Collection was, DataSnapshot.Collection is, boolean clientsWrite, List<String> expected) {
        assertThat(DataCheck.compare("default", was, Optional.of(is), clientsWrite)).extracting(d -> d.kind() + " " + d.describe())
                .containsExactlyElementsOf(expected);
    }
}

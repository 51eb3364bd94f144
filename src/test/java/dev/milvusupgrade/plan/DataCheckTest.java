package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.DataSnapshot.Collection;
import dev.milvusupgrade.plan.DataSnapshot.Database;
import dev.milvusupgrade.plan.DataSnapshot.Index;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataCheckTest {

    private static Collection books(long rows, String load, String schema, String... indexes) {
        return new Collection("books", rows, load, Arrays.stream(indexes).map(i -> new Index(i, "Finished")).toList(), schema);
    }

    private static DataSnapshot snapshot(Collection... books) {
        return new DataSnapshot(List.of(new Database("default", List.of(books)), new Database("analytics", List.of(
                new Collection("events", 10, "LoadStateNotLoad", List.of(), "e1")))));
    }

    private static final DataSnapshot BEFORE = snapshot(books(1000, "LoadStateLoaded", "s1", "vector_idx"));

    @Test
    void the_same_data_and_more_rows_are_no_difference() {
        assertThat(DataCheck.compare(BEFORE, BEFORE)).isEmpty();
        assertThat(DataCheck.compare(BEFORE, snapshot(books(1200, "LoadStateLoaded", "s1", "vector_idx")))).isEmpty();
        assertThat(BEFORE.collectionCount()).isEqualTo(2);
        assertThat(BEFORE.rowCount()).isEqualTo(1010);
    }

    @Test
    void every_loss_is_named_by_database_and_collection() {
        assertThat(DataCheck.compare(BEFORE, snapshot(books(998, "LoadStateLoaded", "s1", "vector_idx"))))
                .as("a lower get_stats alone is a warning").singleElement().satisfies(d -> assertThat(d.isWarning()).isTrue());
        assertThat(DataCheck.compare(BEFORE, snapshot(books(1000, "LoadStateLoaded", "s2", "vector_idx"))))
                .extracting(DataCheck.Difference::describe).containsExactly("default.books: schema changed");
        assertThat(DataCheck.compare(BEFORE, snapshot(books(1000, "LoadStateLoaded", "s1"))))
                .extracting(DataCheck.Difference::describe).containsExactly("default.books: index vector_idx missing");
        assertThat(DataCheck.compare(BEFORE, snapshot()))
                .extracting(DataCheck.Difference::describe).containsExactly("default.books: collection missing (1000 rows before)");
        assertThat(DataCheck.compare(BEFORE, new DataSnapshot(List.of(new Database("default", List.of(books(1000, "LoadStateLoaded", "s1",
                "vector_idx")))))))
                .extracting(DataCheck.Difference::describe).containsExactly("analytics: database missing (1 collections before)");
    }

    @Test
    void a_collection_not_loaded_again_may_still_resolve_the_rest_is_final() {
        List<DataCheck.Difference> d = DataCheck.compare(BEFORE, snapshot(books(1000, "LoadStateLoading", "s1", "vector_idx")));
        assertThat(d).singleElement().satisfies(x -> {
            assertThat(x.describe()).isEqualTo("default.books: loaded before, LoadStateLoading now");
            assertThat(x.mayResolve()).isTrue();
        });
        assertThat(DataCheck.compare(BEFORE, snapshot(books(1, "LoadStateLoaded", "s1", "vector_idx")))).allMatch(x -> !x.mayResolve());
    }
}

package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The small values the run loop decides on instead of strings and casts (issue 18). */
class MilvusRefAndCheckedTest {

    @Test
    void a_milvus_ref_writes_namespace_slash_name_and_knows_when_an_intent_named_none() {
        assertThat(new MilvusRef("prod", "my-release")).hasToString("prod/my-release");
        assertThat(new MilvusRef("prod", "my-release").named()).isTrue();
        assertThat(new MilvusRef("prod", "").named()).isFalse();
        assertThatThrownBy(() -> new MilvusRef(null, "x")).isInstanceOf(NullPointerException.class);
    }

    @Test
    void fold_takes_the_value_or_the_rejection_apart_without_a_cast() {
        Checked<Integer> ok = Checked.ok(41);
        Checked<Integer> no = Checked.refused("too small", "add one");

        String value = ok.fold(v -> "value " + (v + 1), Rejection::message);
        String refused = no.fold(v -> "value " + v, Rejection::message);

        assertThat(value).isEqualTo("value 42");
        assertThat(refused).isEqualTo("too small; fix: add one");
        assertThat(ok.toOptional()).contains(41);
        assertThat(no.toOptional()).isEmpty();
    }
}

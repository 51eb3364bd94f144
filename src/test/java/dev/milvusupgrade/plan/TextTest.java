package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Text from outside, shown safely. */
class TextTest {

    static Stream<Arguments> controls() {
        return Stream.of(
                Arguments.of("plain text", "plain text"),
                Arguments.of("\u001b[2Jgone", "\\u001b[2Jgone"),
                Arguments.of("bell\u0007and del\u007f", "bell\\u0007and del\\u007f"),
                Arguments.of("csi\u009bx", "csi\\u009bx"),
                Arguments.of("cr\rforged", "cr\\u000dforged"),
                Arguments.of("sep\u2028line", "sep\\u2028line"),
                Arguments.of("tab\there", "tab\\u0009here"),
                Arguments.of("line\nbreak", "line\nbreak"));
    }

    @ParameterizedTest
    @MethodSource("controls")
    void control_characters_come_out_visible_except_line_breaks(String in, String out) {
        assertThat(Text.visibleControls(in)).isEqualTo(out);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // text | byte limit | expected prefix
        "abcdef|4|abcd",
        "héllo|2|h",
        "héllo|3|hé",
        "日本語|5|日",
        "日本語|6|日本",
        "a😀b|4|a",
        "a😀b|5|a😀",
        "short|4096|short",
    })
    void utf8_cuts_fall_between_characters(String in, int limit, String expected) {
        byte[] cut = Text.utf8Prefix(in, limit);

        assertThat(cut.length).isLessThanOrEqualTo(limit);
        assertThat(new String(cut, StandardCharsets.UTF_8)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // text | limit | expected
        "short|40|short",
        "a\\nb|40|a b",
        "0123456789012345678901234567890123456789xyz|40|0123456789012345678…(24 more characters)",
    })
    void one_line_keeps_short_text_and_cuts_long_text_saying_how_much(String in, int limit, String expected) {
        String out = Text.oneLine(in.replace("\\n", "\n\r\n"), limit);

        assertThat(out).isEqualTo(expected).hasSizeLessThanOrEqualTo(limit);
        assertThat(Text.oneLine(out, limit)).as("idempotent").isEqualTo(out);
    }

    @org.junit.jupiter.api.Test
    void a_cut_never_splits_a_surrogate_pair_and_a_megabyte_stays_within_the_bound() {
        String emoji = "😀".repeat(100);
        String cut = Text.cut(emoji, 60);
        assertThat(cut).hasSizeLessThanOrEqualTo(60);
        assertThat(Character.isHighSurrogate(cut.charAt(cut.indexOf('…') - 1))).isFalse();
        assertThat(Text.oneLine("\u001b".repeat(1024 * 1024), Text.MAX_FIELD)).hasSizeLessThanOrEqualTo(Text.MAX_FIELD)
                .startsWith("\\u001b");
    }

    @org.junit.jupiter.api.Test
    void a_long_list_keeps_its_first_lines_and_says_how_many_more() {
        assertThat(Text.lines(java.util.List.of("a", "b\nc", "d"), 3, 10)).containsExactly("a", "b c", "d");
        assertThat(Text.lines(java.util.List.of("a", "b", "c", "d"), 3, 10)).containsExactly("a", "b", "and 2 more");
    }
}

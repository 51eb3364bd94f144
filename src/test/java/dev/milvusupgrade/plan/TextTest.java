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
}

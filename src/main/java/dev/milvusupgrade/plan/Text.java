package dev.milvusupgrade.plan;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Text from outside (Milvus, milvus-backup, the operator's conditions, a record someone else wrote) made safe
 * to show: control characters made visible, so that no answer can move a terminal's cursor or forge a line,
 * and cuts that never split a character.
 */
public final class Text {

    private Text() {
    }

    /**
     * The text with every control character other than a line break shown as {@code \\uXXXX}: C0 and C1
     * controls (ESC starts a terminal escape), DEL, and the Unicode line and paragraph separators.
     */
    public static String visibleControls(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c != '\n' && (Character.isISOControl(c) || c == '\u2028' || c == '\u2029');
            if (control && out == null) {
                out = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (out != null) {
                if (control) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? s : out.toString();
    }

    /** The longest prefix of the text whose UTF-8 encoding fits in {@code maxBytes}, cut between characters. */
    public static byte[] utf8Prefix(String s, int maxBytes) {
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        ByteBuffer out = ByteBuffer.allocate(Math.max(0, maxBytes));
        // The encoder stops before a character that does not fit whole (a surrogate pair is one character).
        encoder.encode(CharBuffer.wrap(s == null ? "" : s), out, true);
        byte[] bytes = new byte[out.position()];
        out.flip().get(bytes);
        return bytes;
    }

    /**
     * At most {@code maxLines} lines, each {@link #oneLine} within {@code maxChars}; a longer list keeps its first lines
     * and ends with one saying how many were left out.
     */
    public static List<String> lines(List<String> lines, int maxLines, int maxChars) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (i == maxLines - 1 && lines.size() > maxLines) {
                out.add("and " + (lines.size() - i) + " more");
                break;
            }
            out.add(oneLine(lines.get(i), maxChars));
        }
        return List.copyOf(out);
    }

    /** The longest text from outside kept in one field of the record, an Event, or one log line. */
    public static final int MAX_FIELD = 1024;

    /**
     * Text from outside as one bounded line, ready for the record, an Event, a log line or the termination message:
     * each run of line breaks becomes one space (no forged lines), other control characters come out visible, and
     * whatever is beyond {@code maxChars} is cut between characters and replaced by a note of how much was left out.
     */
    public static String oneLine(String s, int maxChars) {
        if (s == null) {
            return "";
        }
        String flat = s.indexOf('\n') < 0 && s.indexOf('\r') < 0 ? s : s.replaceAll("[\r\n]+", " ");
        return cut(visibleControls(flat), maxChars);
    }

    /**
     * At most {@code maxChars} characters of {@code s}: longer text keeps its start, cut before a surrogate pair is split,
     * and ends with {@code …(N more characters)}, all within the bound.
     */
    public static String cut(String s, int maxChars) {
        if (s == null) {
            return "";
        }
        if (s.length() <= maxChars) {
            return s;
        }
        // The note is sized for the longest count it can show, so that the text and the note stay within the bound.
        int keep = Math.max(0, maxChars - ("…(" + s.length() + " more characters)").length());
        if (keep > 0 && Character.isHighSurrogate(s.charAt(keep - 1))) {
            keep--;
        }
        String cut = s.substring(0, keep) + "…(" + (s.length() - keep) + " more characters)";
        return cut.length() <= maxChars ? cut : s.substring(0, Math.min(keep, maxChars));
    }
}

package dev.milvusupgrade.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.milvusupgrade.plan.Text;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields of one answer from Milvus, read with their types checked. A field of the wrong type, or a required one
 * that is missing, is {@link MilvusData.Malformed} naming the request, the field and what was received (one line,
 * cut), never a default value that would pass for data (a row count of 0) and never an exception of another kind.
 * Absent or null arrays read as empty: Go's encoder writes an empty list as {@code null}.
 */
final class AnswerFields {

    /** How much of a received value a message shows. */
    static final int SHOWN = 200;

    private final String where;

    /** @param where the answer, for messages: {@code Milvus at <uri> answered <path> for <what>} */
    AnswerFields(String where) {
        this.where = where;
    }

    /** An object field (required). */
    JsonNode object(JsonNode parent, String field) {
        JsonNode n = parent.path(field);
        if (!n.isObject()) {
            throw wrong(field, n, "an object");
        }
        return n;
    }

    /** An array field; absent or null reads as empty. */
    JsonNode array(JsonNode parent, String field) {
        JsonNode n = parent.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return JsonNodeFactory.instance.arrayNode();
        }
        if (!n.isArray()) {
            throw wrong(field, n, "an array");
        }
        return n;
    }

    /** An array of texts; absent or null reads as empty. */
    List<String> texts(JsonNode parent, String field) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array(parent, field)) {
            if (!n.isTextual()) {
                throw wrong(field, n, "a list of names");
            }
            out.add(n.asText());
        }
        return out;
    }

    /** A text field (required). */
    String text(JsonNode parent, String field) {
        JsonNode n = parent.path(field);
        if (!n.isTextual()) {
            throw wrong(field, n, "a text");
        }
        return n.asText();
    }

    /** A text field; absent or null is {@code absent}, any other type is malformed. */
    String text(JsonNode parent, String field, String absent) {
        JsonNode n = parent.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return absent;
        }
        return text(parent, field);
    }

    /** An Int64 (required) as Milvus sends it: a number, or its decimal text under {@code Accept-Type-Allow-Int64: false}. */
    long number(JsonNode parent, String field) {
        return int64(parent.path(field), field);
    }

    /** An Int64 value, see {@link #number(JsonNode, String)}; {@code field} names it in a message. */
    long int64(JsonNode n, String field) {
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.asLong();
        }
        if (n.isTextual()) {
            try {
                return Long.parseLong(n.asText().trim());
            } catch (NumberFormatException e) {
                throw wrong(field, n, "a whole number");
            }
        }
        throw wrong(field, n, "a whole number");
    }

    /** A Malformed answer: {@code field} held {@code got}, not {@code expected}. */
    MilvusData.Malformed wrong(String field, JsonNode got, String expected) {
        String shown = got.isMissingNode() ? "nothing" : shown(got.toString());
        return new MilvusData.Malformed(where + " with " + field + " = " + shown + ", not " + expected
                + ": not an answer of Milvus's RESTful API v2 this tool can read");
    }

    /** Received text as a message shows it: one line, control characters visible, at most {@link #SHOWN} characters. */
    static String shown(String text) {
        String one = Text.oneLine(text, SHOWN).trim();
        return one.isEmpty() ? "an empty body" : one;
    }
}

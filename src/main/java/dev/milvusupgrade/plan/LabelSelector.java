package dev.milvusupgrade.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector in its string form ({@code env=prod,tier!=critical,zone in (a,b),!legacy}),
 * matched here rather than by the API server so that which clusters a fleet selects is a pure,
 * tested decision. The grammar is the API server's: terms joined by commas, each one of
 * {@code k}, {@code !k}, {@code k=v}, {@code k==v}, {@code k!=v}, {@code k in (v,...)}, {@code k notin (v,...)}.
 */
public record LabelSelector(String text, List<Term> terms) {

    /** One requirement on one label. */
    public record Term(String key, Op op, Set<String> values) {
        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (op) {
                case EXISTS -> v != null;
                case NOT_EXISTS -> v == null;
                case IN -> v != null && values.contains(v);
                // As the API server: k!=v and k notin (...) also match objects without the label.
                case NOT_IN -> v == null || !values.contains(v);
            };
        }
    }

    /** How a term tests its label. */
    public enum Op { EXISTS, NOT_EXISTS, IN, NOT_IN }

    private static final String KEY = "(?:[a-z0-9A-Z](?:[-a-z0-9A-Z.]*[a-z0-9A-Z])?/)?[a-z0-9A-Z](?:[-a-z0-9A-Z_.]*[a-z0-9A-Z])?";
    private static final String VALUE = "(?:[a-z0-9A-Z](?:[-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?";
    private static final Pattern SET = Pattern.compile("^(" + KEY + ")\\s+(in|notin)\\s*\\(([^)]*)\\)$");
    private static final Pattern EQ = Pattern.compile("^(" + KEY + ")\\s*(==|=|!=)\\s*(" + VALUE + ")$");
    private static final Pattern EXISTS = Pattern.compile("^(!?)\\s*(" + KEY + ")$");
    private static final Pattern VALUE_ONLY = Pattern.compile("^" + VALUE + "$");

    public LabelSelector {
        terms = List.copyOf(terms);
    }

    /** Parses the selector; refused with the term it could not read. An empty selector is refused: it would select everything. */
    public static Checked<LabelSelector> parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            return Checked.refused("the fleet's selector is empty, which would select every Milvus",
                    "label the clusters to upgrade (e.g. upgrade-wave=1) and select them: selector: upgrade-wave=1");
        }
        List<Term> terms = new ArrayList<>();
        for (String raw : split(t)) {
            String term = raw.strip();
            Matcher m;
            if ((m = SET.matcher(term)).matches()) {
                if (m.group(3).isBlank()) {
                    // The API server refuses an empty set (apimachinery labels.NewRequirement); here `x notin ()`
                    // would otherwise select every Milvus and slip past the empty-selector guard.
                    return Checked.refused("the fleet's selector term '" + term
                            + "' has an empty set: for 'in' and 'notin' the values can't be empty",
                            "name at least one value, e.g. " + m.group(1) + " " + m.group(2) + " (a,b), or use !" + m.group(1) + " / " + m.group(1));
                }
                Set<String> values = new TreeSet<>(Arrays.stream(m.group(3).split(",")).map(String::strip).toList());
                if (values.stream().anyMatch(v -> !VALUE_ONLY.matcher(v).matches())) {
                    return bad(term);
                }
                terms.add(new Term(m.group(1), "in".equals(m.group(2)) ? Op.IN : Op.NOT_IN, values));
            } else if ((m = EQ.matcher(term)).matches()) {
                terms.add(new Term(m.group(1), "!=".equals(m.group(2)) ? Op.NOT_IN : Op.IN, Set.of(m.group(3))));
            } else if ((m = EXISTS.matcher(term)).matches()) {
                terms.add(new Term(m.group(2), m.group(1).isEmpty() ? Op.EXISTS : Op.NOT_EXISTS, Set.of()));
            } else {
                return bad(term);
            }
        }
        return Checked.ok(new LabelSelector(t, terms));
    }

    public boolean matches(Map<String, String> labels) {
        Map<String, String> l = labels == null ? Map.of() : labels;
        return terms.stream().allMatch(term -> term.matches(l));
    }

    /** Splits on the commas between terms, not those inside {@code in (a,b)}. */
    private static List<String> split(String t) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int from = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (c == ',' && depth == 0) {
                out.add(t.substring(from, i));
                from = i + 1;
            }
        }
        out.add(t.substring(from));
        return out;
    }

    private static Checked<LabelSelector> bad(String term) {
        return Checked.refused("the fleet's selector term '" + term + "' is not a label selector",
                "write terms like env=prod, tier!=critical, zone in (a,b) or !legacy, separated by commas");
    }

    @Override
    public String toString() {
        return text;
    }

}

package dev.milvusupgrade.plan;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the catalogue file format (the bundled {@code milvus-releases.txt}, or a user catalogue in
 * the same format) into routes and releases, refusing the first bad line with its number and the fix.
 * Nothing is read partially: a file with one bad line gives no catalogue.
 */
public final class CatalogueFile {

    /** What a file holds once parsed: its routes and its releases, in file order. */
    public record Content(List<Catalogue.RouteRule> routes, List<Release> releases) {
        public Content {
            routes = List.copyOf(routes);
            releases = List.copyOf(releases);
        }
    }

    static final int MAX_CHARS = 256 * 1024;
    static final int MAX_LINE = 1000;
    static final int MAX_NOTE = 300;
    static final Pattern ISSUE = Pattern.compile("^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}#\\d{1,7}$");
    private static final Pattern SERIES = Pattern.compile("^\\d{1,4}\\.\\d{1,4}$");
    private static final Pattern ROUTE = Pattern.compile("^route\\s+(\\S+)\\s*->\\s*(\\S+)((?:\\s+\\S+\\s+\\S+)*)\\s*$");
    private static final Pattern REFUSAL = Pattern.compile("^(source|target|target-from-(\\d{1,4}\\.\\d{1,4}))\\s+(\\S+):\\s*(.*)$");
    private static final Pattern FLAGS = Pattern.compile("\\s*\\[([a-z0-9-]+)]\\s*$");
    private static final String FORMAT = "version | released | fixes | refusal | note";

    private CatalogueFile() {
    }

    /** Parses {@code text}; {@code origin} names the file in every refusal ("catalogue ConfigMap x/y"). */
    public static Checked<Content> parse(String text, String origin) {
        if (text == null || text.isBlank()) {
            return Checked.refused(origin + " is empty", "write one release a line: " + FORMAT);
        }
        if (text.length() > MAX_CHARS) {
            return Checked.refused(origin + " is " + text.length() + " characters long", "keep it under " + MAX_CHARS + " characters");
        }
        List<Catalogue.RouteRule> routes = new ArrayList<>();
        List<Release> releases = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int n = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.length() > MAX_LINE) {
                return bad(origin, n, "is " + line.length() + " characters long", "keep a line under " + MAX_LINE + " characters");
            }
            Checked<?> parsed = line.startsWith("route ") ? route(line, origin, n) : release(line, origin, n);
            if (parsed instanceof Checked.Refused<?> r) {
                return new Checked.Refused<>(r.rejection());
            }
            Object value = ((Checked.Ok<?>) parsed).value();
            if (value instanceof Catalogue.RouteRule rule) {
                if (routes.stream().anyMatch(r -> r.from().equals(rule.from()) && r.to().equals(rule.to()))) {
                    return bad(origin, n, "repeats the route " + rule.from() + " -> " + rule.to(),
                            "keep one route line per pair of series");
                }
                routes.add(rule);
            } else {
                Release release = (Release) value;
                if (!releases.isEmpty()) {
                    Release prev = releases.get(releases.size() - 1);
                    int order = prev.version().compareTo(release.version());
                    if (order == 0 || Catalogue.key(prev.version()).equals(Catalogue.key(release.version()))) {
                        return bad(origin, n, "repeats " + release.version() + " (also on line " + prev.line() + ")",
                                "keep one line per release");
                    }
                    if (order > 0) {
                        return bad(origin, n, release.version() + " comes after " + prev.version() + " (line " + prev.line() + ")",
                                "keep releases sorted, oldest first");
                    }
                    if (prev.released().isPresent() && release.released().isPresent() && prev.version().sameMinor(release.version())
                            && release.released().get().isBefore(prev.released().get())) {
                        return bad(origin, n, release.version() + " is dated " + release.released().get() + ", before "
                                + prev.version() + " (" + prev.released().get() + ")", "check the release dates in the release notes");
                    }
                }
                releases.add(release);
            }
        }
        if (releases.isEmpty()) {
            return Checked.refused(origin + " has no release line", "write one release a line: " + FORMAT);
        }
        return Checked.ok(new Content(routes, releases));
    }

    private static Checked<Catalogue.RouteRule> route(String line, String origin, int n) {
        Matcher m = ROUTE.matcher(line);
        String fix = "write it like: route 2.5 -> 2.6 from v2.6.4 via-mixcoord v2.5.16 advise v2.6.16";
        if (!m.matches() || !SERIES.matcher(m.group(1)).matches() || !SERIES.matcher(m.group(2)).matches()) {
            return bad(origin, n, "is not a route", fix);
        }
        Optional<Version> from = Optional.empty();
        Optional<Version> bridge = Optional.empty();
        Optional<Version> advise = Optional.empty();
        String[] words = m.group(3).strip().isEmpty() ? new String[0] : m.group(3).strip().split("\\s+");
        Set<String> seen = new HashSet<>();
        for (int w = 0; w + 1 < words.length; w += 2) {
            Optional<Version> v = Version.parse(words[w + 1]).filter(x -> x.suffix().isEmpty());
            if (v.isEmpty() || !seen.add(words[w])) {
                return bad(origin, n, "has '" + words[w] + " " + words[w + 1] + "', not an option with a release", fix);
            }
            switch (words[w]) {
                case "from" -> from = v;
                case "via-mixcoord" -> bridge = v;
                case "advise" -> advise = v;
                default -> {
                    return bad(origin, n, "has the unknown option '" + words[w] + "'", fix);
                }
            }
        }
        String to = m.group(2);
        String fromSeries = m.group(1);
        if (from.filter(v -> !Catalogue.series(v).equals(to)).isPresent()
                || advise.filter(v -> !Catalogue.series(v).equals(to)).isPresent()) {
            return bad(origin, n, "names a target outside the series " + to, "write from and advise as " + to + ".x releases");
        }
        if (bridge.filter(v -> !Catalogue.series(v).equals(fromSeries)).isPresent()) {
            return bad(origin, n, "names a mixCoord bridge outside the series " + fromSeries,
                    "write via-mixcoord as a " + fromSeries + ".x release");
        }
        return Checked.ok(new Catalogue.RouteRule(fromSeries, to, from, bridge, advise, n));
    }

    private static Checked<Release> release(String line, String origin, int n) {
        String[] f = line.split("\\|", -1);
        if (f.length != 5) {
            return bad(origin, n, "has " + f.length + " field(s), not 5", "write: " + FORMAT + " (use - for an empty field)");
        }
        for (int i = 0; i < f.length; i++) {
            f[i] = f[i].strip();
            if (f[i].equals("-")) {
                f[i] = "";
            }
        }
        Optional<Version> version = Version.parse(f[0]);
        if (version.isEmpty() || !version.get().variant().isEmpty()) {
            return bad(origin, n, "starts with '" + f[0] + "', not a release version", "write the version like v2.6.15 or v2.6.0-rc1");
        }
        Optional<LocalDate> date = Optional.empty();
        if (!f[1].isEmpty()) {
            try {
                date = Optional.of(LocalDate.parse(f[1]));
            } catch (DateTimeParseException e) {
                return bad(origin, n, "has the release date '" + f[1] + "'", "write it as YYYY-MM-DD, or - when unknown");
            }
        }
        List<String> fixes = f[2].isEmpty() ? List.of() : Arrays.stream(f[2].split(",")).map(String::strip).toList();
        Optional<String> badFix = fixes.stream().filter(x -> !ISSUE.matcher(x).matches()).findFirst();
        if (badFix.isPresent()) {
            return bad(origin, n, "lists the fix '" + badFix.get() + "', not an issue",
                    "write fixes like milvus-io/milvus#48977, separated by commas");
        }
        Optional<Release.Refusal> refusal = Optional.empty();
        if (!f[3].isEmpty()) {
            Matcher r = REFUSAL.matcher(f[3]);
            if (!r.matches()) {
                return bad(origin, n, "has the refusal '" + f[3] + "'",
                        "write it as <source|target|target-from-2.5> <owner/repo#n>: <reason>");
            }
            if (!ISSUE.matcher(r.group(3)).matches()) {
                return bad(origin, n, "refuses without an issue ('" + r.group(3) + "')", "name the issue like milvus-io/milvus#48930");
            }
            if (r.group(4).strip().length() < 10) {
                return bad(origin, n, "refuses without a reason",
                        "say why after the issue, e.g. milvus-io/milvus#48930: inserts fail on ...");
            }
            Release.Scope scope = r.group(1).equals("source") ? Release.Scope.SOURCE
                    : r.group(1).equals("target") ? Release.Scope.TARGET : Release.Scope.TARGET_FROM;
            refusal = Optional.of(new Release.Refusal(scope, r.group(2) == null ? "" : r.group(2), r.group(3), r.group(4).strip()));
        }
        String note = f[4];
        Set<String> flags = new LinkedHashSet<>();
        Matcher fm = FLAGS.matcher(note);
        while (fm.find()) {
            if (!Release.KNOWN_FLAGS.contains(fm.group(1))) {
                return bad(origin, n, "has the unknown flag [" + fm.group(1) + "]", "use one of " + Release.KNOWN_FLAGS + " or remove it");
            }
            flags.add(fm.group(1));
            note = note.substring(0, fm.start());
            fm = FLAGS.matcher(note);
        }
        if (note.length() > MAX_NOTE) {
            return bad(origin, n, "has a note of " + note.length() + " characters", "keep notes under " + MAX_NOTE + " characters");
        }
        return Checked.ok(new Release(version.get(), date, fixes, refusal, note.strip(), flags, n));
    }

    private static <T> Checked<T> bad(String origin, int line, String problem, String fix) {
        return Checked.refused(origin + " line " + line + " " + problem, fix);
    }
}

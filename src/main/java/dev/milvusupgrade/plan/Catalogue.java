package dev.milvusupgrade.plan;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The Milvus releases this tool knows and the routes between them, as data: the bundled file
 * {@code milvus-releases.txt} (read by {@link CatalogueFile}), optionally with a user catalogue on
 * top. Which source reaches which target, with which stages, is computed here from that data;
 * anything the data does not allow is refused with the reason and the nearest good target.
 */
public final class Catalogue {

    /** The oldest operator with the 2.6 upgrade logic (FACTS: v1.2.x has none). */
    public static final Version MIN_OPERATOR = Version.of(1, 3, 0);
    /**
     * Operators before this one read the version of {@code registry:5000/milvus:v2.6.4} wrongly
     * (every {@code :} ends the name), take it for 2.5 and never start streaming nodes (FACTS, #433).
     */
    public static final Version REGISTRY_PORT_FIX_OPERATOR = Version.of(1, 3, 4);
    /**
     * Operators before this one never finish a two-Deployment querynode rollout with a user-managed
     * HPA ({@code replicas: -1}): they wait for the old group to scale down (FACTS §9.4, #458).
     */
    public static final Version USER_HPA_ROLLOUT_OPERATOR = Version.of(1, 3, 6);
    /** The oldest 2.5 release from which 2.6 may be reached, with mixCoord enabled (the bundled route's bridge). */
    public static final Version MIXCOORD_BRIDGE = Version.of(2, 5, 16);
    /** From 2.6 on the operator runs streaming nodes and no index nodes. */
    public static final Version STREAMING_ERA = Version.of(2, 6, 0);
    public static final Version OLDEST_SOURCE = Version.of(2, 5, 0);
    /** Where the bundled catalogue is, next to this class. */
    public static final String RESOURCE = "milvus-releases.txt";

    private static final Catalogue BUILT_IN = load();

    /**
     * One route line of the file: clusters on series {@code from} may go to releases of series {@code to}.
     *
     * @param oldestTarget targets older than this are not reached
     * @param bridge a cluster not yet on mixCoord first runs mixCoord on this release (or its own, if newer)
     * @param advise plan warns when the target is older than this
     * @param line the line of the file
     */
    public record RouteRule(String from, String to, Optional<Version> oldestTarget, Optional<Version> bridge,
            Optional<Version> advise, int line) {
        String describe() {
            return from + ".x -> " + oldestTarget.map(v -> v.toString().substring(1) + "+").orElse(to + ".x");
        }
    }

    /** A route from one running version to one target, allowed by the catalogue. */
    public record Route(RouteRule rule, Version source, Version target) {
        public boolean viaMixCoord() {
            return rule.bridge().isPresent();
        }

        public Version bridge() {
            return rule.bridge().orElseThrow();
        }
    }

    private final List<RouteRule> routes;
    private final List<Release> releases;

    private Catalogue(List<RouteRule> routes, List<Release> releases) {
        this.routes = List.copyOf(routes);
        this.releases = List.copyOf(releases);
    }

    /** The bundled catalogue. */
    public static Catalogue builtIn() {
        return BUILT_IN;
    }

    /** Builds a catalogue from a parsed file, checking that its routes name releases it lists. */
    public static Checked<Catalogue> of(CatalogueFile.Content content, String origin) {
        Catalogue c = new Catalogue(content.routes(), content.releases());
        for (RouteRule r : content.routes()) {
            List<Version> named = new ArrayList<>();
            r.oldestTarget().ifPresent(named::add);
            r.bridge().ifPresent(named::add);
            r.advise().ifPresent(named::add);
            Optional<Version> missing = named.stream().filter(v -> c.find(v).isEmpty()).findFirst();
            if (missing.isPresent()) {
                return Checked.refused(origin + " line " + r.line() + " names " + missing.get() + ", which has no release line",
                        "add a line for " + missing.get() + " or correct the route");
            }
        }
        return Checked.ok(c);
    }

    /** Parses a catalogue text (the bundled one, or a test's). */
    public static Checked<Catalogue> parse(String text, String origin) {
        return CatalogueFile.parse(text, origin).map(content -> of(content, origin));
    }

    static Catalogue load() {
        String text;
        try (InputStream in = Catalogue.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the bundled " + RESOURCE + " is missing from the build");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bundled " + RESOURCE, e);
        }
        Checked<Catalogue> c = parse(text, "the bundled " + RESOURCE);
        if (c instanceof Checked.Refused<Catalogue> r) {
            throw new IllegalStateException(r.rejection().message());
        }
        return ((Checked.Ok<Catalogue>) c).value();
    }

    /**
     * This catalogue with a user catalogue on top: new releases and new refusals are taken, a route or
     * the lifting of a built-in refusal is refused with the line. The result is the whole or nothing.
     */
    public Checked<Catalogue> with(CatalogueFile.Content user, String origin) {
        if (!user.routes().isEmpty()) {
            RouteRule r = user.routes().get(0);
            return Checked.refused(origin + " line " + r.line() + " adds a route, which only a release of this tool may do",
                    "remove the route line; a user catalogue adds releases and refusals");
        }
        List<Release> merged = new ArrayList<>(releases);
        for (Release u : user.releases()) {
            Optional<Release> known = find(u.version());
            if (known.isEmpty()) {
                merged.add(u);
                continue;
            }
            Release k = known.get();
            if (k.refusal().isPresent() && !k.refusal().equals(u.refusal())) {
                return Checked.refused(origin + " line " + u.line() + " changes the built-in refusal of " + k.version() + " ("
                        + k.refusal().get().issue() + "), which a user catalogue cannot lift", "remove the line for " + k.version());
            }
            merged.set(merged.indexOf(k), new Release(k.version(), k.released().or(u::released), union(k.fixes(), u.fixes()),
                    u.refusal(), k.note().isEmpty() ? u.note() : k.note(), k.flags().isEmpty() ? u.flags() : k.flags(), k.line()));
        }
        merged.sort((a, b) -> a.version().compareTo(b.version()));
        return Checked.ok(new Catalogue(routes, merged));
    }

    private static List<String> union(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        b.stream().filter(x -> !all.contains(x)).forEach(all::add);
        return all;
    }

    public List<Release> releases() {
        return releases;
    }

    public List<RouteRule> routes() {
        return routes;
    }

    /** {@code 2.5} for {@code v2.5.16}. */
    public static String series(Version v) {
        return v.major() + "." + v.minor();
    }

    /** What identifies a release: the version without build variant, the pre-release written without separators. */
    static String key(Version v) {
        return v.major() + "." + v.minor() + "." + v.patch()
                + (v.isPreRelease() ? "-" + v.suffix().replace(".", "").replace("-", "").toLowerCase(Locale.ROOT) : "");
    }

    /** The release line of {@code v}, whatever its build variant ({@code -gpu}) or pre-release spelling. */
    public Optional<Release> find(Version v) {
        String k = key(v);
        return releases.stream().filter(r -> key(r.version()).equals(k)).findFirst();
    }

    /** Every release that is a valid target from some source. */
    public List<Version> targets() {
        return releases.stream().filter(r -> !r.isPreRelease() && r.refusal().filter(x -> x.scope() != Release.Scope.SOURCE).isEmpty())
                .filter(r -> routes.stream().anyMatch(rule -> rule.to().equals(series(r.version()))))
                .map(Release::version).toList();
    }

    /**
     * The route from {@code running} to {@code target}, or why there is none: unknown, refused and
     * pre-release versions, downgrades, targets a route does not reach.
     */
    public Checked<Route> route(Version running, Version target) {
        Optional<Rejection> source = checkSource(running);
        if (source.isPresent()) {
            return new Checked.Refused<>(source.get());
        }
        return routeFromKnown(running, target, true);
    }

    /** Why a running version cannot be the source of any upgrade, if so. */
    public Optional<Rejection> checkSource(Version running) {
        Optional<Release> src = find(running);
        Optional<Release.Refusal> refused = src.flatMap(Release::refusal).filter(r -> r.scope() == Release.Scope.SOURCE);
        if (refused.isPresent()) {
            String reason = refused.get().reason();
            return Optional.of(reason.contains("fix:")
                    ? new Rejection("the cluster runs " + running + " (" + refused.get().issue() + "): " + reason)
                    : Rejection.of("the cluster runs " + running + " (" + refused.get().issue() + "): " + reason,
                            "move it to a release by the Milvus release notes, then rerun"));
        }
        if (running.isPreRelease()) {
            return Optional.of(Rejection.of("the cluster runs the pre-release " + running + ", which cannot be upgraded in place",
                    "move to a release first, following the Milvus release notes"));
        }
        if (running.release().isBefore(OLDEST_SOURCE)) {
            return Optional.of(Rejection.of("the cluster runs " + running + ", older than " + OLDEST_SOURCE,
                    "upgrade to the latest 2.5 release first (2.4 to 2.5 is a separate procedure)"));
        }
        if (routes.stream().noneMatch(r -> r.from().equals(series(running)))) {
            return Optional.of(Rejection.of("the cluster runs " + running + ", outside this tool's routes (" + routesText()
                    + "), so this tool never patches it",
                        "upgrade it by the Milvus documentation for " + series(running) + ", not with this tool"));
        }
        if (src.isEmpty()) {
            return Optional.of(Rejection.of("the cluster runs " + running + ", which is not in the release catalogue (newest known "
                    + series(running) + " release: " + newestOf(series(running)).map(Version::toString).orElse("none") + ")",
                    "add " + running.release() + " in a user catalogue (intent key " + Intent.RELEASE_CATALOGUE
                    + ") or use a milvus-upgrade whose catalogue lists it"));
        }
        return Optional.empty();
    }

    /**
     * The route, or why none; {@code explain} adds the recommended target to the fix, which only a refusal shown to a
     * person needs (and which {@link #recommended} itself must not ask for, or it would recurse).
     */
    private Checked<Route> routeFromKnown(Version running, Version target, boolean explain) {
        Supplier<String> rec = () -> explain ? recommendedText(running) : "";
        if (target.isPreRelease()) {
            return Checked.refused("targetVersion " + target + " is a pre-release", "target a release such as " + rec.get());
        }
        if (target.release().isBefore(running.release())) {
            return Checked.refused("targetVersion " + target + " is older than the running " + running
                    + " and downgrades are not supported",
                    "set targetVersion to " + running.release() + " or later");
        }
        Optional<Release> t = find(target);
        if (t.isEmpty()) {
            List<Version> known = targets();
            return Checked.refused("targetVersion " + target + " is not in the upgrade catalogue",
                    "pick one of " + known.get(0) + ".." + known.get(known.size() - 1) + " (recommended from " + running.release() + ": "
                            + rec.get() + "), or add it in a user catalogue (intent key " + Intent.RELEASE_CATALOGUE + ")");
        }
        Optional<Release.Refusal> refused = t.get().refusal().filter(r -> r.refusesTargetFrom(running));
        if (refused.isPresent()) {
            Release.Refusal r = refused.get();
            String from = r.scope() == Release.Scope.TARGET_FROM ? " from " + r.series() : "";
            String fix = explain ? nearestGood(running, target).map(v -> "target " + v + " or later (recommended: " + rec.get() + ")")
                    .orElse("stay on " + running.release() + " until a later release is in the catalogue") : "";
            return Checked.refused("targetVersion " + target + " is refused" + from + " (" + r.issue() + "): " + r.reason(), fix);
        }
        Optional<RouteRule> rule = routes.stream().filter(r -> r.from().equals(series(running)) && r.to().equals(series(target)))
                .filter(r -> r.oldestTarget().map(o -> !target.release().isBefore(o)).orElse(true)).findFirst();
        if (rule.isEmpty()) {
            String reach = routes.stream().filter(r -> r.from().equals(series(running))).map(r -> r.oldestTarget().map(Version::toString)
                    .orElse(r.to() + ".x")).collect(Collectors.joining(" or "));
            return Checked.refused("no known upgrade path from " + running + " to " + target,
                    "from " + series(running) + ".x target " + reach + " or later (recommended: " + rec.get() + ")");
        }
        return Checked.ok(new Route(rule.get(), running, target));
    }

    /** The newest release that is a safe target from {@code running} (possibly {@code running} itself). */
    public Optional<Version> recommended(Version running) {
        if (checkSource(running).isPresent()) {
            return Optional.empty();
        }
        for (int i = releases.size() - 1; i >= 0; i--) {
            Version v = releases.get(i).version();
            if (routeFromKnown(running, v, false) instanceof Checked.Ok<Route>) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    private String recommendedText(Version running) {
        return recommended(running).map(Version::toString).orElse("none");
    }

    /** The oldest release after {@code refused} that {@code running} may go to. */
    Optional<Version> nearestGood(Version running, Version refused) {
        return releases.stream().map(Release::version).filter(v -> v.isAfter(refused))
                .filter(v -> routeFromKnown(running, v, false) instanceof Checked.Ok<Route>).findFirst();
    }

    /** Why {@code recommended} is the recommendation from {@code running}: one line for plan. */
    public String recommendation(Version running) {
        Optional<Version> rec = recommended(running);
        if (rec.isEmpty()) {
            return "no recommended target from " + running + ": " + checkSource(running).map(Rejection::message)
                    .orElse("no release of the catalogue is a safe target from it");
        }
        List<String> skipped = releases.stream().filter(r -> r.version().isAfter(running) && r.version().isBefore(rec.get()))
                .filter(r -> r.refusal().filter(x -> x.refusesTargetFrom(running)).isPresent())
                .map(r -> r.version() + " (" + r.refusal().get().issue() + ")").toList();
        List<String> later = releases.stream().filter(r -> r.version().isAfter(rec.get()) && !r.isPreRelease())
                .filter(r -> r.refusal().filter(x -> x.refusesTargetFrom(running)).isPresent())
                .map(r -> r.version().toString()).toList();
        return "recommended target from " + running.release() + ": " + rec.get() + ", the newest release this tool reaches safely from "
                + series(running) + (skipped.isEmpty() ? "" : "; refused on the way: " + String.join(", ", skipped))
                + (later.isEmpty() ? "" : "; not offered: " + String.join(", ", later) + " (refused as targets)");
    }

    /** A warning when {@code route} ends before the release its rule advises, naming the upgrade fixes it misses. */
    public Optional<String> advice(Route route) {
        Optional<Version> advise = route.rule().advise();
        if (advise.isEmpty() || !route.target().release().isBefore(advise.get())) {
            return Optional.empty();
        }
        List<String> missed = releases.stream().filter(r -> r.version().isAfter(route.target()) && !r.version().isAfter(advise.get()))
                .filter(r -> !r.fixes().isEmpty())
                .map(r -> r.version() + " (" + String.join(", ", r.fixes()) + ")").toList();
        return Optional.of("targetVersion " + route.target().release() + " is older than " + advise.get() + " on a " + route.rule().from()
                + " -> " + route.rule().to() + " route and misses the upgrade fixes of "
                + (missed.isEmpty() ? "later releases" : String.join(", ", missed))
                + "; consider " + advise.get() + " or later (recommended: " + recommendedText(route.source()) + ")");
    }

    /** Whether {@code target} carries a change flagged on it or on an earlier release of its series. */
    public boolean carries(Version target, String flag) {
        return releases.stream().anyMatch(r -> r.flags().contains(flag) && r.version().sameMinor(target) && !r.version().isAfter(target));
    }

    /**
     * The catalogue as the README's markdown table: one row per release, whether it is a target from
     * each running series the routes start from, its upgrade fixes and its note. The README is tested
     * against this, so the two cannot disagree.
     */
    public String markdownTable() {
        List<String> sources = routes.stream().map(RouteRule::from).distinct().toList();
        StringBuilder b = new StringBuilder("| release | released |");
        sources.forEach(x -> b.append(" target from ").append(x).append(" |"));
        b.append(" upgrade fixes and notes |\n|---|---|");
        sources.forEach(x -> b.append("---|"));
        b.append("---|\n");
        for (Release r : releases) {
            b.append("| ").append(r.version()).append(" | ").append(r.released().map(Object::toString).orElse("")).append(" |");
            for (String series : sources) {
                Optional<Version> oldest = releases.stream().map(Release::version)
                        .filter(v -> series(v).equals(series) && !v.isPreRelease()).findFirst();
                String cell = "";
                if (oldest.isPresent() && !r.isPreRelease()) {
                    Checked<Route> route = route(oldest.get(), r.version());
                    Optional<Release.Refusal> refusal = r.refusal().filter(x -> x.refusesTargetFrom(oldest.get()));
                    cell = route instanceof Checked.Ok<Route> ? "yes" : refusal.map(x -> "**refused** (" + x.issue() + ")").orElse("");
                }
                b.append(" ").append(cell).append(" |");
            }
            List<String> notes = new ArrayList<>();
            r.refusal().filter(x -> x.scope() == Release.Scope.SOURCE).ifPresent(x -> notes.add("**not upgradable** (" + x.issue() + ")"));
            r.refusal().filter(x -> x.scope() != Release.Scope.SOURCE).ifPresent(x -> notes.add(x.reason()));
            if (!r.fixes().isEmpty()) {
                notes.add("fixes " + String.join(", ", r.fixes()));
            }
            if (!r.note().isEmpty()) {
                notes.add(r.note());
            }
            r.flags().forEach(f -> notes.add("[" + f + "]"));
            b.append(" ").append(String.join("; ", notes)).append(" |\n");
        }
        return b.toString();
    }

    private Optional<Version> newestOf(String series) {
        return releases.stream().map(Release::version).filter(v -> series(v).equals(series) && !v.isPreRelease()).reduce((a, b) -> b);
    }

    private String routesText() {
        return routes.stream().map(RouteRule::describe).collect(Collectors.joining(", "));
    }
}

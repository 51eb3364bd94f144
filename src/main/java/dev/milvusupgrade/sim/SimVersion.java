package dev.milvusupgrade.sim;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A version as Milvus and its operator tag their images ({@code v2.6.4}, {@code 2.5.16-gpu}, {@code v2.6.0-rc1}; the
 * operator's tag with or without {@code v}, FACTS §5 "The operator's own Deployment"), for the simulator's own
 * comparisons. A pre-release suffix ({@code rc1}, {@code beta}, ...) sorts before the release; a build variant
 * ({@code gpu}) takes no part in ordering.
 */
record SimVersion(int major, int minor, int patch, String suffix) implements Comparable<SimVersion> {

    private static final Pattern SHAPE = Pattern.compile("^v?(\\d{1,4})\\.(\\d{1,4})\\.(\\d{1,4})(?:-([0-9A-Za-z.\\-]{1,64}))?$");
    private static final Pattern PRE_RELEASE = Pattern.compile("^(rc|alpha|beta|dev|pre|m)([.\\-]?\\d.*)?$", Pattern.CASE_INSENSITIVE);

    SimVersion {
        suffix = suffix == null ? "" : suffix;
    }

    /** Empty when {@code text} is not a version. */
    static Optional<SimVersion> parse(String text) {
        Matcher m = text == null ? null : SHAPE.matcher(text.trim());
        if (m == null || !m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new SimVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                m.group(4)));
    }

    static SimVersion of(int major, int minor, int patch) {
        return new SimVersion(major, minor, patch, "");
    }

    SimVersion release() {
        return of(major, minor, patch);
    }

    private boolean preRelease() {
        return !suffix.isEmpty() && PRE_RELEASE.matcher(suffix).matches();
    }

    @Override
    public int compareTo(SimVersion o) {
        int c = Integer.compare(major, o.major);
        c = c != 0 ? c : Integer.compare(minor, o.minor);
        c = c != 0 ? c : Integer.compare(patch, o.patch);
        if (c == 0 && preRelease() != o.preRelease()) {
            c = preRelease() ? -1 : 1;
        }
        if (c == 0 && preRelease()) {
            c = suffix.compareToIgnoreCase(o.suffix);
        }
        return c;
    }

    boolean isBefore(SimVersion o) {
        return compareTo(o) < 0;
    }

    boolean isAtLeast(SimVersion o) {
        return compareTo(o) >= 0;
    }

    @Override
    public String toString() {
        return "v" + major + "." + minor + "." + patch + (suffix.isEmpty() ? "" : "-" + suffix);
    }
}

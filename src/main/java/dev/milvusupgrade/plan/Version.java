package dev.milvusupgrade.plan;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A semantic version as Milvus and its operator tag their images: {@code v2.5.16}, {@code 2.5.16},
 * {@code v2.5.16-gpu}, {@code v2.6.0-rc1}.
 *
 * <p>A suffix is either a pre-release ({@code rc1}, {@code rc.1}, {@code beta}, {@code alpha},
 * {@code dev}) which sorts before the release, or a build variant ({@code gpu}) which does not take
 * part in ordering and is carried over to the images this tool writes.
 */
public record Version(int major, int minor, int patch, String suffix) implements Comparable<Version> {

    private static final Pattern SHAPE = Pattern.compile("^v?(\\d{1,4})\\.(\\d{1,4})\\.(\\d{1,4})(?:-([0-9A-Za-z.\\-]{1,64}))?$");
    private static final Pattern PRE_RELEASE = Pattern.compile("^(rc|alpha|beta|dev|pre|m)([.\\-]?\\d.*)?$", Pattern.CASE_INSENSITIVE);

    /**
     * Stands for {@code targetVersion: recommended} until the planner resolves it against the running
     * version; printed as {@code recommended}, never written into an image.
     */
    public static final Version RECOMMENDED = new Version(0, 0, 0, "recommended");

    public Version {
        suffix = suffix == null ? "" : suffix;
    }

    /** Parses a version or an image tag; empty when it is not a version. */
    public static Optional<Version> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = SHAPE.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Version(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), m.group(4)));
    }

    public static Version of(int major, int minor, int patch) {
        return new Version(major, minor, patch, "");
    }

    public boolean isPreRelease() {
        return !suffix.isEmpty() && PRE_RELEASE.matcher(suffix).matches();
    }

    /** The build variant ({@code gpu} in {@code v2.5.8-gpu}), empty when none. */
    public String variant() {
        return suffix.isEmpty() || isPreRelease() ? "" : suffix;
    }

    /** The same version without suffix. */
    public Version release() {
        return new Version(major, minor, patch, "");
    }

    public Version withVariant(String variant) {
        return new Version(major, minor, patch, variant);
    }

    public boolean sameMinor(Version other) {
        return major == other.major && minor == other.minor;
    }

    /** The image tag this tool writes: always with a {@code v} prefix, as Milvus publishes them. */
    public String tag() {
        return toString();
    }

    @Override
    public int compareTo(Version o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        if (c == 0) {
            c = Integer.compare(patch, o.patch);
        }
        if (c == 0 && isPreRelease() != o.isPreRelease()) {
            c = isPreRelease() ? -1 : 1;
        }
        if (c == 0 && isPreRelease()) {
            c = suffix.compareToIgnoreCase(o.suffix);
        }
        return c;
    }

    public boolean isBefore(Version o) {
        return compareTo(o) < 0;
    }

    public boolean isAtLeast(Version o) {
        return compareTo(o) >= 0;
    }

    public boolean isAfter(Version o) {
        return compareTo(o) > 0;
    }

    @Override
    public String toString() {
        if (this.equals(RECOMMENDED)) {
            return "recommended";
        }
        return "v" + major + "." + minor + "." + patch + (suffix.isEmpty() ? "" : "-" + suffix);
    }
}

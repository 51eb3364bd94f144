package dev.milvusupgrade.plan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The names of this tool's Leases, the one rule every Lease name comes from: the Lease of one Milvus
 * ({@code milvus-upgrade-<milvus>}, shared by a single-cluster run and a fleet) and the Lease of a fleet intent's run
 * ({@code milvus-upgrade-fleet-<intent>}). The RBAC rules name them (resourceNames), so they are stable and plain
 * for ordinary names.
 *
 * <p>Two guarantees, for any names the API server accepts for a Milvus or a ConfigMap (DNS subdomains of up to 253
 * characters): a name is always a valid Lease name (a DNS subdomain of at most {@value #MAX} characters), and no two
 * different inputs share a name, not a Milvus with a fleet intent either. The plain form is used where it is
 * unambiguous; otherwise the name is a readable prefix followed by {@code -h} and 16 hex digits of a SHA-256 of the
 * kind and the input (so a Milvus named {@code fleet-x} does not take the Lease of fleet intent {@code x}).
 */
public final class LeaseNames {

    /** The API server's limit for a Lease name (a DNS subdomain). */
    public static final int MAX = 253;
    static final String PREFIX = "milvus-upgrade-";
    static final String FLEET = "fleet-";
    /** What a hashed name ends with; a plain name never does. */
    static final Pattern HASHED = Pattern.compile(".*-h[0-9a-f]{16}");

    private LeaseNames() {
    }

    /** The Lease of Milvus {@code milvus}: {@code milvus-upgrade-<milvus>} unless that would be ambiguous or too long. */
    public static String milvus(String milvus) {
        boolean plain = !milvus.startsWith(FLEET) && fits(PREFIX, milvus);
        return plain ? PREFIX + milvus : hashed(PREFIX, "milvus", milvus);
    }

    /** The Lease of a run of fleet intent {@code intent}: {@code milvus-upgrade-fleet-<intent>} unless too long or ambiguous. */
    public static String fleet(String intent) {
        return fits(PREFIX + FLEET, intent) ? PREFIX + FLEET + intent : hashed(PREFIX + FLEET, "fleet", intent);
    }

    private static boolean fits(String prefix, String name) {
        return !name.isEmpty() && prefix.length() + name.length() <= MAX && !HASHED.matcher(name).matches();
    }

    private static String hashed(String prefix, String kind, String name) {
        String hash = "-h" + sha256Hex(kind + "/" + name).substring(0, 16);
        String keep = name.substring(0, Math.min(name.length(), MAX - prefix.length() - hash.length()));
        // A DNS subdomain's parts start and end with a letter or digit: no "-" or "." before the hash.
        keep = keep.replaceAll("[-.]+$", "");
        return prefix + keep + hash;
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}

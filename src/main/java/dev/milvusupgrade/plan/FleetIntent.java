package dev.milvusupgrade.plan;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An intent that selects many Milvus resources instead of naming one: the clusters matching
 * {@code selector} in {@code namespaces} (all namespaces the tool may read when empty), upgraded
 * {@code canary} first and alone, then up to {@code maxConcurrent} at once. Every other key means
 * for each cluster what it means in a single-cluster intent; {@link #forCluster} makes that intent.
 *
 * @param selector which Milvus resources, by their labels
 * @param namespaces where to look; empty means every namespace
 * @param maxConcurrent clusters upgraded at once after the canaries
 * @param canary how many clusters go first, one at a time, and must all succeed before any other starts
 * @param onFailure what a failed cluster does to the rest
 * @param perCluster the shared keys (targetVersion, stageTimeout, notAfter, paused, dryRun, data checks ...)
 * @param sample the shared keys as parsed for one cluster: what the fleet reads its target, window and flags from
 */
public record FleetIntent(LabelSelector selector, List<String> namespaces, int maxConcurrent, int canary, OnFailure onFailure,
        Map<String, String> perCluster, Intent sample) {

    public static final String SELECTOR = "selector";
    public static final String NAMESPACES = "namespaces";
    public static final String MAX_CONCURRENT = "maxConcurrent";
    public static final String CANARY = "canary";
    public static final String ON_FAILURE = "onFailure";
    public static final List<String> KEYS = List.of(SELECTOR, NAMESPACES, MAX_CONCURRENT, CANARY, ON_FAILURE);
    /** Keys that name one cluster's endpoints: a fleet cannot share them. */
    static final List<String> SINGLE_ONLY = List.of(Intent.MILVUS_NAMESPACE, Intent.MILVUS_ENDPOINT, Intent.BACKUP_ENDPOINT,
            Intent.BACKUP_REQUIRED, Intent.BACKUP_COLLECTIONS, Intent.BACKUP_TIMEOUT, Intent.BACKUP_ALWAYS);
    /** The label that puts a cluster first in the fleet's order, and so among the canaries, unless the Job's setting picks them. */
    public static final String CANARY_LABEL = "milvus-upgrade.dev/canary";
    static final int MAX_CONCURRENT_LIMIT = 50;
    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");

    /** What a failed cluster does to the rest of the fleet. */
    public enum OnFailure {
        /** No cluster starts after a failure; clusters under way finish the stage they are in, then stop. */
        HALT,
        /** The other clusters go on. */
        CONTINUE
    }

    public FleetIntent {
        namespaces = List.copyOf(namespaces);
        perCluster = Map.copyOf(perCluster);
    }

    /** Whether the intent's data asks for a fleet (it has a selector) rather than one cluster. */
    public static boolean isFleet(Map<String, String> data) {
        return data != null && data.containsKey(SELECTOR);
    }

    /** Validates a fleet intent: its own keys, and the shared keys as any one cluster would parse them. */
    public static Checked<FleetIntent> parse(Map<String, String> data, Instant now) {
        Map<String, String> d = data == null ? Map.of() : data;
        if (d.containsKey(Intent.MILVUS)) {
            return Checked.refused("the intent has both 'milvus' and 'selector'",
                    "keep milvus to upgrade one cluster, or selector for a fleet");
        }
        Optional<String> single = SINGLE_ONLY.stream().filter(d::containsKey).findFirst();
        if (single.isPresent()) {
            return Checked.refused("intent key '" + single.get()
                    + "' names one cluster's endpoint or namespace and cannot be shared by a fleet",
                    "remove it (the fleet uses each cluster's own Service and namespace), or upgrade that cluster with its own intent");
        }
        Checked<LabelSelector> selector = LabelSelector.parse(d.get(SELECTOR));
        if (selector instanceof Checked.Refused<LabelSelector> r) {
            return new Checked.Refused<>(r.rejection());
        }
        List<String> namespaces = Arrays.stream(trimmed(d.get(NAMESPACES)).split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .distinct().sorted().toList();
        Optional<String> badNs = namespaces.stream().filter(n -> n.length() > 63 || !DNS_LABEL.matcher(n).matches()).findFirst();
        if (badNs.isPresent()) {
            return Checked.refused("intent key 'namespaces' lists '" + badNs.get() + "', not a namespace name",
                    "list namespaces separated by commas, or leave it out for every namespace the tool may read");
        }
        Checked<Integer> max = count(d, MAX_CONCURRENT, 1, 1, MAX_CONCURRENT_LIMIT);
        if (max instanceof Checked.Refused<Integer> r) {
            return new Checked.Refused<>(r.rejection());
        }
        Checked<Integer> canary = count(d, CANARY, 1, 0, 1000);
        if (canary instanceof Checked.Refused<Integer> r) {
            return new Checked.Refused<>(r.rejection());
        }
        String onFailureText = trimmed(d.get(ON_FAILURE)).toLowerCase();
        Optional<OnFailure> onFailure = onFailureText.isEmpty() ? Optional.of(OnFailure.HALT)
                : Arrays.stream(OnFailure.values()).filter(o -> o.name().toLowerCase().equals(onFailureText)).findFirst();
        if (onFailure.isEmpty()) {
            return Checked.refused("intent key 'onFailure' is '" + d.get(ON_FAILURE) + "', not halt or continue",
                    "write onFailure: halt (the default) or continue");
        }
        Map<String, String> shared = new HashMap<>(d);
        KEYS.forEach(shared::remove);
        // The shared keys must make a valid intent for any cluster: checked once here, on a stand-in name.
        Checked<Intent> sample = forCluster(shared, "fleet", "fleet", now);
        if (sample instanceof Checked.Refused<Intent> r) {
            return new Checked.Refused<>(r.rejection());
        }
        return Checked.ok(new FleetIntent(((Checked.Ok<LabelSelector>) selector).value(), namespaces, ((Checked.Ok<Integer>) max).value(),
                ((Checked.Ok<Integer>) canary).value(), onFailure.get(), shared, ((Checked.Ok<Intent>) sample).value()));
    }

    /** The single-cluster intent this fleet means for Milvus {@code namespace/name}. */
    public Checked<Intent> forCluster(String namespace, String name, Instant now) {
        return forCluster(perCluster, namespace, name, now);
    }

    private static Checked<Intent> forCluster(Map<String, String> shared, String namespace, String name, Instant now) {
        Map<String, String> data = new HashMap<>(shared);
        data.put(Intent.MILVUS, name);
        data.put(Intent.MILVUS_NAMESPACE, namespace);
        return Intent.parse(data, now);
    }

    /**
     * The order clusters are upgraded in: those labelled {@value #CANARY_LABEL} first, then by
     * namespace and name. Stable, so that a rerun and {@code plan} show the same order.
     */
    public static int compare(String nsA, String nameA, Map<String, String> labelsA, String nsB, String nameB,
            Map<String, String> labelsB) {
        boolean a = labelsA != null && labelsA.containsKey(CANARY_LABEL);
        boolean b = labelsB != null && labelsB.containsKey(CANARY_LABEL);
        if (a != b) {
            return a ? -1 : 1;
        }
        int byNs = nsA.compareTo(nsB);
        return byNs != 0 ? byNs : nameA.compareTo(nameB);
    }

    private static Checked<Integer> count(Map<String, String> d, String key, int dflt, int min, int max) {
        String text = trimmed(d.get(key));
        if (text.isEmpty()) {
            return Checked.ok(dflt);
        }
        try {
            int n = Integer.parseInt(text);
            if (n >= min && n <= max) {
                return Checked.ok(n);
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        return Checked.refused("intent key '" + key + "' is '" + text + "', not a whole number within " + min + ".." + max,
                "write " + key + ": " + dflt + " (the default) or another number within " + min + ".." + max);
    }

    private static String trimmed(String s) {
        return s == null ? "" : s.strip();
    }
}

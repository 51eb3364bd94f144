package dev.milvusupgrade.plan;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The upgrade intent: the flat {@code data} of the intent ConfigMap, validated. Any key this tool
 * does not know is refused, so that a typo never silently changes what a run does.
 *
 * @param milvus name of the Milvus resource
 * @param milvusNamespace its namespace; empty means the ConfigMap's own
 * @param targetVersion the version to end on
 * @param imageRepository repository of the images to write; empty keeps the current one
 * @param stageTimeout how long one stage may take before the run fails
 * @param notAfter end of the maintenance window: no stage starts that could run past it
 * @param paused do nothing, record Paused
 * @param dryRun plan only, record Planned
 * @param allowUnorderedRollout go on although the spec makes the operator roll every component at
 *     once (rolling update off, or an imageUpdateMode other than rollingUpgrade: FACTS §8.6)
 * @param dataCheck how much of Milvus's data plane the run checks around every stage
 * @param milvusEndpoint where Milvus's RESTful API is, when not its Service {@code <milvus>-milvus.<ns>:19530}
 * @param milvusAuthSecret a Secret in the Milvus namespace with {@code token}, or {@code username} and
 *     {@code password}, and optionally {@code ca.crt}
 * @param backup the milvus-backup gate before the first 2.6 stage, when the intent asks for one
 * @param clientsWrite clients write (and may delete) during the upgrade: a lower {@code count(*)} is then a
 *     warning, not a loss
 * @param acceptClusterAsIs go on although the checkpoint of an upgrade under way is lost or unreadable: the run takes
 *     the cluster as it is now (a fresh data-check baseline) instead of refusing
 * @param releaseCatalogue a ConfigMap in the intent's namespace whose key {@code releases} adds releases and
 *     refusals to the bundled catalogue, in its format; empty when none
 */
public record Intent(String milvus, Optional<String> milvusNamespace, Version targetVersion,
        Optional<String> imageRepository, Duration stageTimeout, Optional<Instant> notAfter,
        boolean paused, boolean dryRun, boolean allowUnorderedRollout, DataCheck.Mode dataCheck,
        Optional<URI> milvusEndpoint, Optional<String> milvusAuthSecret, Optional<Backup> backup, boolean clientsWrite,
            boolean acceptClusterAsIs,
        Optional<String> releaseCatalogue) {

    /**
     * A backup by milvus-backup's REST server before the point of no return.
     *
     * @param endpoint the server, e.g. {@code http://milvus-backup.milvus:8080}
     * @param required whether the upgrade may not go on without it (true unless the intent says false)
     * @param collections the collections to back up ({@code c} or {@code db.c}); empty means all
     * @param timeout how long the backup may take
     * @param always also before a 2.6.x to 2.6.y upgrade, which has no point of no return
     * @param maxAge how long ago the backup may have ended when the first 2.6 stage starts; empty means the stage timeout
     */
    public record Backup(URI endpoint, boolean required, List<String> collections, Duration timeout, boolean always,
            Optional<Duration> maxAge) {
        public Backup {
            collections = List.copyOf(collections);
        }
    }

    public static final String MILVUS = "milvus";
    public static final String MILVUS_NAMESPACE = "milvusNamespace";
    public static final String TARGET_VERSION = "targetVersion";
    public static final String IMAGE_REPOSITORY = "imageRepository";
    public static final String STAGE_TIMEOUT = "stageTimeout";
    public static final String NOT_AFTER = "notAfter";
    public static final String PAUSED = "paused";
    public static final String DRY_RUN = "dryRun";
    public static final String ALLOW_UNORDERED_ROLLOUT = "allowUnorderedRollout";
    public static final String DATA_CHECK = "dataCheck";
    public static final String MILVUS_ENDPOINT = "milvusEndpoint";
    public static final String MILVUS_AUTH_SECRET = "milvusAuthSecret";
    public static final String BACKUP_ENDPOINT = "backupEndpoint";
    public static final String BACKUP_REQUIRED = "backupRequired";
    public static final String BACKUP_COLLECTIONS = "backupCollections";
    public static final String BACKUP_TIMEOUT = "backupTimeout";
    public static final String BACKUP_ALWAYS = "backupAlways";
    public static final String CLIENTS_WRITE = "clientsWrite";
    public static final String MAX_BACKUP_AGE = "maxBackupAge";
    public static final String ACCEPT_CLUSTER_AS_IS = "acceptClusterAsIs";
    public static final String RELEASE_CATALOGUE = "releaseCatalogue";
    /** The value of targetVersion that asks for the catalogue's newest safe target from the running version. */
    public static final String RECOMMENDED = "recommended";
    public static final List<String> KEYS = List.of(MILVUS, MILVUS_NAMESPACE, TARGET_VERSION, IMAGE_REPOSITORY,
            STAGE_TIMEOUT, NOT_AFTER, PAUSED, DRY_RUN, ALLOW_UNORDERED_ROLLOUT, DATA_CHECK, MILVUS_ENDPOINT, MILVUS_AUTH_SECRET,
            BACKUP_ENDPOINT, BACKUP_REQUIRED, BACKUP_COLLECTIONS, BACKUP_TIMEOUT, BACKUP_ALWAYS, MAX_BACKUP_AGE, CLIENTS_WRITE,
            ACCEPT_CLUSTER_AS_IS, RELEASE_CATALOGUE);
    public static final Duration DEFAULT_BACKUP_TIMEOUT = Duration.ofHours(1);
    /** The keys that take "true" or "false", checked together. */
    private static final List<String> FLAGS = List.of(PAUSED, DRY_RUN, ALLOW_UNORDERED_ROLLOUT, BACKUP_REQUIRED, BACKUP_ALWAYS,
            CLIENTS_WRITE,
            ACCEPT_CLUSTER_AS_IS);
    private static final Pattern COLLECTION = Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*\\.)?[A-Za-z_][A-Za-z0-9_]*$");
    /** The port of Milvus's proxies: gRPC and, since 2.4, the RESTful API. */
    public static final int MILVUS_PORT = 19530;

    public static final Duration DEFAULT_STAGE_TIMEOUT = Duration.ofMinutes(30);
    static final Duration MIN_STAGE_TIMEOUT = Duration.ofSeconds(10);
    static final Duration MAX_STAGE_TIMEOUT = Duration.ofHours(24);
    static final int MAX_VALUE_LENGTH = 512;
    /** The oldest a backup may be allowed to be: 30 days. */
    static final Duration MAX_BACKUP_AGE_LIMIT = Duration.ofDays(30);

    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    private static final Pattern DURATION = Pattern.compile("^(?:(\\d{1,5})h)?(?:(\\d{1,6})m)?(?:(\\d{1,7})s)?$");

    /** Validates the ConfigMap data; {@code now} decides whether notAfter already passed. */
    public static Checked<Intent> parse(Map<String, String> data, Instant now) {
        Map<String, String> d = new TreeMap<>(data == null ? Map.of() : data);
        for (Map.Entry<String, String> e : d.entrySet()) {
            if (!KEYS.contains(e.getKey())) {
                return Checked.refused("unknown intent key '" + e.getKey() + "'" + didYouMean(e.getKey()),
                        "remove it or use one of " + String.join(", ", KEYS));
            }
            if (e.getValue() != null && e.getValue().length() > MAX_VALUE_LENGTH) {
                return Checked.refused("intent key '" + e.getKey() + "' is " + e.getValue().length()
                        + " characters long", "keep values under " + MAX_VALUE_LENGTH + " characters");
            }
        }
        String milvus = trimmed(d.get(MILVUS));
        if (milvus.isEmpty()) {
            return Checked.refused("intent key 'milvus' is missing", "set milvus to the name of the Milvus resource");
        }
        if (milvus.length() > 253 || !DNS_SUBDOMAIN.matcher(milvus).matches()) {
            return Checked.refused("intent key 'milvus' is '" + milvus + "', not a Kubernetes resource name",
                    "use the lowercase name shown by 'kubectl get milvus'");
        }
        Optional<String> namespace = Optional.of(trimmed(d.get(MILVUS_NAMESPACE))).filter(s -> !s.isEmpty());
        if (namespace.isPresent() && (namespace.get().length() > 63 || !DNS_LABEL.matcher(namespace.get()).matches())) {
            return Checked.refused("intent key 'milvusNamespace' is '" + namespace.get() + "', not a namespace name",
                    "use a lowercase namespace name or leave it out");
        }
        String targetText = trimmed(d.get(TARGET_VERSION));
        if (targetText.isEmpty()) {
            return Checked.refused("intent key 'targetVersion' is missing", "set targetVersion, e.g. v2.6.4");
        }
        Optional<Version> target = RECOMMENDED.equalsIgnoreCase(targetText) ? Optional.of(Version.RECOMMENDED) : Version.parse(targetText);
        if (target.isEmpty()) {
            return Checked.refused("intent key 'targetVersion' is '" + targetText + "', not a version",
                    "write it as v2.6.4 (the v is optional)");
        }
        Optional<String> repository = Optional.of(trimmed(d.get(IMAGE_REPOSITORY))).filter(s -> !s.isEmpty());
        if (repository.isPresent()) {
            Optional<ImageRef> ref = ImageRef.parse(repository.get());
            if (ref.isEmpty() || ref.get().tag().isPresent() || ref.get().digest().isPresent()) {
                return Checked.refused("intent key 'imageRepository' is '" + repository.get()
                        + "', not a repository without tag", "write it like registry.local:5000/milvusdb/milvus");
            }
        }
        Duration timeout = DEFAULT_STAGE_TIMEOUT;
        String timeoutText = trimmed(d.get(STAGE_TIMEOUT));
        if (!timeoutText.isEmpty()) {
            Optional<Duration> parsed = parseDuration(timeoutText);
            if (parsed.isEmpty()) {
                return Checked.refused("intent key 'stageTimeout' is '" + timeoutText + "', not a duration",
                        "write it like 90s, 45m, 2h or 1h30m");
            }
            if (parsed.get().compareTo(MIN_STAGE_TIMEOUT) < 0 || parsed.get().compareTo(MAX_STAGE_TIMEOUT) > 0) {
                return Checked.refused("intent key 'stageTimeout' is " + timeoutText + ", outside 10s..24h",
                        "pick a stage timeout between 10s and 24h (30m is the default)");
            }
            timeout = parsed.get();
        }
        Optional<Instant> notAfter = Optional.empty();
        String notAfterText = trimmed(d.get(NOT_AFTER));
        if (!notAfterText.isEmpty()) {
            try {
                notAfter = Optional.of(OffsetDateTime.parse(notAfterText).toInstant());
            } catch (DateTimeParseException e) {
                return Checked.refused("intent key 'notAfter' is '" + notAfterText + "', not an RFC 3339 instant",
                        "write it like 2026-11-25T05:00:00Z");
            }
            if (!notAfter.get().isAfter(now)) {
                return Checked.refused("the maintenance window in 'notAfter' ended at " + notAfterText,
                        "set notAfter to the end of the next window, or remove it");
            }
        }
        Optional<Rejection> badFlag = FLAGS.stream().map(k -> flag(d, k)).filter(f -> f instanceof Checked.Refused<Boolean>)
                .map(f -> ((Checked.Refused<Boolean>) f).rejection()).findFirst();
        if (badFlag.isPresent()) {
            return new Checked.Refused<>(badFlag.get());
        }
        String modeText = trimmed(d.get(DATA_CHECK)).toLowerCase();
        Optional<DataCheck.Mode> mode = modeText.isEmpty() ? Optional.of(DataCheck.Mode.READ)
                : Arrays.stream(DataCheck.Mode.values()).filter(m -> m.key().equals(modeText)).findFirst();
        if (mode.isEmpty()) {
            return Checked.refused("intent key 'dataCheck' is '" + d.get(DATA_CHECK) + "', not off, read or write",
                    "write dataCheck: read (the default), write (read plus a write probe) or off");
        }
        Optional<URI> endpoint = Optional.empty();
        String endpointText = trimmed(d.get(MILVUS_ENDPOINT));
        if (!endpointText.isEmpty()) {
            endpoint = endpoint(endpointText);
            if (endpoint.isEmpty()) {
                return Checked.refused("intent key 'milvusEndpoint' is '" + endpointText + "', not an http or https address with a host",
                        "write it like https://milvus.example.com:19530 or leave it out to use the Milvus Service");
            }
        }
        Optional<String> secret = Optional.of(trimmed(d.get(MILVUS_AUTH_SECRET))).filter(x -> !x.isEmpty());
        if (secret.isPresent() && (secret.get().length() > 253 || !DNS_SUBDOMAIN.matcher(secret.get()).matches())) {
            return Checked.refused("intent key 'milvusAuthSecret' is '" + secret.get() + "', not a Secret name",
                    "use the name shown by 'kubectl get secret' in the Milvus namespace");
        }
        if (mode.get() == DataCheck.Mode.OFF && (endpoint.isPresent() || secret.isPresent())) {
            return Checked.refused("intent keys 'milvusEndpoint' and 'milvusAuthSecret' mean nothing with dataCheck: off",
                    "remove them, or set dataCheck to read or write");
        }
        Optional<String> catalogue = Optional.of(trimmed(d.get(RELEASE_CATALOGUE))).filter(x -> !x.isEmpty());
        if (catalogue.isPresent() && (catalogue.get().length() > 253 || !DNS_SUBDOMAIN.matcher(catalogue.get()).matches())) {
            return Checked.refused("intent key 'releaseCatalogue' is '" + catalogue.get() + "', not a ConfigMap name",
                    "name a ConfigMap in the intent's namespace (kubectl get configmap), or leave it out");
        }
        Checked<Optional<Backup>> backup = backup(d);
        if (backup instanceof Checked.Refused<Optional<Backup>> r) {
            return new Checked.Refused<>(r.rejection());
        }
        return Checked.ok(new Intent(milvus, namespace, target.get(), repository, timeout, notAfter,
                isTrue(d, PAUSED), isTrue(d, DRY_RUN), isTrue(d, ALLOW_UNORDERED_ROLLOUT), mode.get(), endpoint, secret,
                ((Checked.Ok<Optional<Backup>>) backup).value(), isTrue(d, CLIENTS_WRITE), isTrue(d, ACCEPT_CLUSTER_AS_IS), catalogue));
    }

    private static Checked<Optional<Backup>> backup(Map<String, String> d) {
        String endpointText = trimmed(d.get(BACKUP_ENDPOINT));
        List<String> others = List.of(BACKUP_REQUIRED, BACKUP_COLLECTIONS, BACKUP_TIMEOUT, BACKUP_ALWAYS, MAX_BACKUP_AGE).stream()
                .filter(k -> !trimmed(d.get(k)).isEmpty()).toList();
        if (endpointText.isEmpty()) {
            return others.isEmpty() ? Checked.ok(Optional.empty())
                    : Checked.refused("intent key(s) " + String.join(", ", others) + " mean nothing without backupEndpoint",
                            "set backupEndpoint to the milvus-backup server, e.g. http://milvus-backup.milvus:8080, or remove them");
        }
        Optional<URI> endpoint = address(endpointText, 8080);
        if (endpoint.isEmpty()) {
            return Checked.refused("intent key 'backupEndpoint' is '" + endpointText + "', not an http or https address with a host",
                    "write it like http://milvus-backup.milvus:8080");
        }
        List<String> collections = Arrays.stream(trimmed(d.get(BACKUP_COLLECTIONS)).split(",")).map(String::trim).filter(c -> !c.isEmpty())
                .toList();
        Optional<String> bad = collections.stream().filter(c -> !COLLECTION.matcher(c).matches()).findFirst();
        if (bad.isPresent()) {
            return Checked.refused("intent key 'backupCollections' names '" + bad.get() + "', not a collection or db.collection",
                    "list collections separated by commas, e.g. books,analytics.events, or leave it out to back up everything");
        }
        Duration timeout = DEFAULT_BACKUP_TIMEOUT;
        String timeoutText = trimmed(d.get(BACKUP_TIMEOUT));
        if (!timeoutText.isEmpty()) {
            Optional<Duration> parsed = parseDuration(timeoutText);
            if (parsed.isEmpty() || parsed.get().compareTo(MIN_STAGE_TIMEOUT) < 0 || parsed.get().compareTo(MAX_STAGE_TIMEOUT) > 0) {
                return Checked.refused("intent key 'backupTimeout' is '" + timeoutText + "', not a duration within 10s..24h",
                        "write it like 90m or 2h (1h is the default)");
            }
            timeout = parsed.get();
        }
        Optional<Duration> maxAge = Optional.empty();
        String maxAgeText = trimmed(d.get(MAX_BACKUP_AGE));
        if (!maxAgeText.isEmpty()) {
            Optional<Duration> parsed = parseDuration(maxAgeText);
            if (parsed.isEmpty() || parsed.get().compareTo(MIN_STAGE_TIMEOUT) < 0 || parsed.get().compareTo(MAX_BACKUP_AGE_LIMIT) > 0) {
                return Checked.refused("intent key 'maxBackupAge' is '" + maxAgeText + "', not a duration within 10s..720h",
                        "write it like 2h or 24h, or leave it out (the backup may then be as old as stageTimeout)");
            }
            maxAge = parsed;
        }
        boolean required = trimmed(d.get(BACKUP_REQUIRED)).isEmpty() || isTrue(d, BACKUP_REQUIRED);
        return Checked.ok(Optional.of(new Backup(endpoint.get(), required, collections, timeout, isTrue(d, BACKUP_ALWAYS), maxAge)));
    }

    /** The RESTful API address: {@code http(s)://host[:port]}, port 19530 when not given. */
    static Optional<URI> endpoint(String text) {
        return address(text, MILVUS_PORT);
    }

    /** {@code http(s)://host[:port]} with no path, {@code port} when not given. */
    static Optional<URI> address(String text, int port) {
        try {
            URI u = new URI(text);
            if (u.getScheme() == null || !List.of("http", "https").contains(u.getScheme().toLowerCase()) || u.getHost() == null
                    || (u.getPath() != null && !u.getPath().isEmpty() && !"/".equals(u.getPath())) || u.getQuery() != null) {
                return Optional.empty();
            }
            return Optional.of(new URI(u.getScheme().toLowerCase(), null, u.getHost(), u.getPort() < 0 ? port : u.getPort(), null, null,
                    null));
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    /** Whether targetVersion is {@code recommended}, not yet resolved against the running version. */
    public boolean recommendedTarget() {
        return targetVersion.equals(Version.RECOMMENDED);
    }

    /** Where Milvus's RESTful API is: the intent's endpoint, else the Service the operator makes for the instance. */
    public URI dataEndpoint(String milvusNs) {
        return milvusEndpoint.orElseGet(() -> URI.create("http://" + milvus + "-milvus." + milvusNs + ":" + MILVUS_PORT));
    }

    /** Parses {@code 90s}, {@code 45m}, {@code 2h}, {@code 1h30m}. */
    public static Optional<Duration> parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (text.isBlank() || !m.matches()) {
            return Optional.empty();
        }
        long h = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
        long min = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
        long s = m.group(3) == null ? 0 : Long.parseLong(m.group(3));
        return Optional.of(Duration.ofHours(h).plusMinutes(min).plusSeconds(s));
    }

    /** Formats a duration the way the intent writes them. */
    public static String format(Duration d) {
        long s = d.getSeconds();
        StringBuilder b = new StringBuilder();
        if (s >= 3600) {
            b.append(s / 3600).append('h');
            s %= 3600;
        }
        if (s >= 60) {
            b.append(s / 60).append('m');
            s %= 60;
        }
        if (s > 0 || b.length() == 0) {
            b.append(s).append('s');
        }
        return b.toString();
    }

    /** A flag's value, once {@link #flag} has accepted it. */
    private static boolean isTrue(Map<String, String> d, String key) {
        return "true".equals(trimmed(d.get(key)).toLowerCase());
    }

    private static Checked<Boolean> flag(Map<String, String> d, String key) {
        String v = trimmed(d.get(key)).toLowerCase();
        return switch (v) {
            case "", "false" -> Checked.ok(false);
            case "true" -> Checked.ok(true);
            default -> Checked.refused("intent key '" + key + "' is '" + d.get(key) + "', not true or false",
                    "write " + key + ": \"true\" or \"false\"");
        };
    }

    static String didYouMean(String key) {
        String typed = key.toLowerCase();
        return KEYS.stream()
                .min(Comparator.comparingInt(k -> distance(k.toLowerCase(), typed)))
                .filter(k -> distance(k.toLowerCase(), typed) <= Math.max(2, k.length() / 3))
                // "version", "timeout", "namespace", "image": part of a key's name rather than a typo of it
                .or(() -> typed.length() < 4 ? Optional.empty()
                        : KEYS.stream().filter(k -> k.toLowerCase().contains(typed) || typed.contains(k.toLowerCase())).findFirst())
                .map(k -> " (did you mean '" + k + "'?)")
                .orElse("");
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String trimmed(String s) {
        return s == null ? "" : s.trim();
    }
}

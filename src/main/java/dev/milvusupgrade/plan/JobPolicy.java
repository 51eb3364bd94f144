package dev.milvusupgrade.plan;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the Job's own settings (its manifest's environment, not the intent) let an intent ask for: whoever may edit
 * the intent ConfigMap cannot make the Job write an image from a repository the Job's owner did not allow.
 *
 * @param allowedRepositories image repositories an intent's {@code imageRepository} may name; empty: only the
 *     repository the cluster already runs (which an intent may always keep)
 * @param jobDeadline the Job's activeDeadlineSeconds, where the manifest passes it: no stage or backup may be allowed
 *     longer than the Job may live
 * @param allowedNamespaces the namespaces a fleet may look in; empty: whatever the intent says (RBAC is the limit)
 * @param credentials where Milvus credentials may go over plain http, and which CAs are trusted for https
 * @param canaryClusters a fleet's canaries ({@code namespace/name}, in order); empty: the clusters labelled
 *     {@value FleetIntent#CANARY_LABEL} and the intent's count ({@link CanaryChoice})
 */
public record JobPolicy(List<String> allowedRepositories, Optional<Duration> jobDeadline, List<String> allowedNamespaces,
        CredentialRule credentials, List<String> canaryClusters) {

    /** The setting and its environment variable, as a refusal names them. */
    public static final String REPOSITORIES_SETTING = "milvus-upgrade.allowed-repositories (env MILVUS_UPGRADE_ALLOWED_REPOSITORIES)";

    /** The setting and its environment variable for the Job's deadline. */
    public static final String DEADLINE_SETTING = "milvus-upgrade.job-deadline (env MILVUS_UPGRADE_JOB_DEADLINE)";

    /** The setting and its environment variable for a fleet's namespaces. */
    public static final String NAMESPACES_SETTING = "milvus-upgrade.allowed-namespaces (env MILVUS_UPGRADE_ALLOWED_NAMESPACES)";

    /** The setting and its environment variable for a fleet's canaries. */
    public static final String CANARY_SETTING = "milvus-upgrade.canary-clusters (env MILVUS_UPGRADE_CANARY_CLUSTERS)";

    public JobPolicy {
        allowedRepositories = List.copyOf(allowedRepositories);
        allowedNamespaces = List.copyOf(allowedNamespaces);
        canaryClusters = List.copyOf(canaryClusters);
    }

    /** Canaries by label and count. */
    public JobPolicy(List<String> allowedRepositories, Optional<Duration> jobDeadline, List<String> allowedNamespaces,
            CredentialRule credentials) {
        this(allowedRepositories, jobDeadline, allowedNamespaces, credentials, List.of());
    }

    /** Credentials over plain http only to the Service, a given CA pinned. */
    public JobPolicy(List<String> allowedRepositories, Optional<Duration> jobDeadline, List<String> allowedNamespaces) {
        this(allowedRepositories, jobDeadline, allowedNamespaces, CredentialRule.defaults());
    }

    /** Without a known Job deadline, any namespace RBAC allows. */
    public JobPolicy(List<String> allowedRepositories) {
        this(allowedRepositories, Optional.empty(), List.of());
    }

    /** Any namespace RBAC allows. */
    public JobPolicy(List<String> allowedRepositories, Optional<Duration> jobDeadline) {
        this(allowedRepositories, jobDeadline, List.of());
    }

    public JobPolicy withJobDeadline(Optional<Duration> deadline) {
        return new JobPolicy(allowedRepositories, deadline, allowedNamespaces, credentials, canaryClusters);
    }

    public JobPolicy withAllowedNamespaces(List<String> namespaces) {
        return new JobPolicy(allowedRepositories, jobDeadline, namespaces, credentials, canaryClusters);
    }

    public JobPolicy withCredentials(CredentialRule rule) {
        return new JobPolicy(allowedRepositories, jobDeadline, allowedNamespaces, rule, canaryClusters);
    }

    public JobPolicy withCanaryClusters(List<String> clusters) {
        return new JobPolicy(allowedRepositories, jobDeadline, allowedNamespaces, credentials, clusters);
    }

    /**
     * The canaries of a fleet that selected {@code selected} ({@code namespace/name} to labels) and whose intent asks for
     * {@code askedCount} canaries, if it says: see {@link CanaryChoice#choose}.
     */
    public Checked<CanaryChoice> fleetCanaries(Map<String, Map<String, String>> selected, Optional<Integer> askedCount) {
        return CanaryChoice.choose(canaryClusters, selected, askedCount);
    }

    /**
     * The namespaces a fleet intent asking for {@code asked} (empty: every namespace) may look in: with the setting,
     * the asked ones if all are allowed, or the allowed ones when it asks for every namespace; without it, as asked.
     */
    public Checked<List<String>> fleetNamespaces(List<String> asked) {
        if (allowedNamespaces.isEmpty()) {
            return new Checked.Ok<>(asked);
        }
        if (asked.isEmpty()) {
            return new Checked.Ok<>(allowedNamespaces);
        }
        List<String> outside = asked.stream().filter(n -> !allowedNamespaces.contains(n)).toList();
        return outside.isEmpty() ? new Checked.Ok<>(asked) : new Checked.Refused<>(Rejection.of("the fleet intent asks for namespace(s) "
                + String.join(", ", outside).transform(Text::visibleControls) + ", which this Job may not touch (allowed: "
                + String.join(", ", allowedNamespaces) + ")", "add them to the Job's setting " + NAMESPACES_SETTING
                + " in its manifest, or remove them from the intent's namespaces"));
    }

    /** Nothing beyond what the cluster runs. */
    public static JobPolicy defaults() {
        return new JobPolicy(List.of());
    }

    /** From the setting's text: a comma-separated list; blanks and spaces ignored. */
    public static JobPolicy parse(String allowedRepositories) {
        return new JobPolicy(Arrays.stream(allowedRepositories == null ? new String[0] : allowedRepositories.split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).toList());
    }

    /**
     * The plan for {@code intent} on {@code s}, unless the intent asks for more than this Job may do: then the
     * refusal, decided before anything is read or written beyond the snapshot.
     */
    public Decision plan(Intent intent, ClusterSnapshot s) {
        return plan(intent, s, Catalogue.builtIn());
    }

    /** As {@link #plan(Intent, ClusterSnapshot)}, on the given catalogue (the bundled one plus a user catalogue). */
    public Decision plan(Intent intent, ClusterSnapshot s, Catalogue catalogue) {
        Optional<Rejection> refused = check(intent, s);
        return refused.isPresent() ? new Decision.Refuse(refused.get()) : Planner.plan(intent, s, catalogue);
    }

    /** Why the intent asks for more than this Job may do, if it does. */
    public Optional<Rejection> check(Intent intent, ClusterSnapshot s) {
        if (jobDeadline.isPresent()) {
            Duration deadline = jobDeadline.get();
            String fix = "; fix: lower it, or raise the Job's activeDeadlineSeconds and its setting " + DEADLINE_SETTING + " together";
            if (intent.stageTimeout().compareTo(deadline) > 0) {
                return Optional.of(new Rejection("intent key 'stageTimeout' is " + Intent.format(intent.stageTimeout())
                        + ", longer than the Job may"
                        + " run (" + Intent.format(deadline) + "): the Job would be killed mid-stage" + fix));
            }
            if (intent.backup().isPresent() && intent.backup().get().timeout().compareTo(deadline) > 0) {
                return Optional.of(new Rejection("intent key 'backupTimeout' is " + Intent.format(intent.backup().get().timeout())
                        + ", longer than the Job may run (" + Intent.format(deadline) + "): the Job would be killed mid-backup" + fix));
            }
        }
        if (intent.imageRepository().isEmpty()) {
            return Optional.empty();
        }
        String asked = intent.imageRepository().get();
        Optional<String> current = ImageRef.parse(s.image()).map(ImageRef::repository);
        if (current.isPresent() && current.get().equals(asked) || allowedRepositories.contains(asked)) {
            return Optional.empty();
        }
        return Optional.of(Rejection.of("the intent asks for image repository " + Text.visibleControls(asked)
                + ", which this Job may not write"
                + " (it runs " + current.orElse("an unreadable image") + (allowedRepositories.isEmpty() ? "" : "; allowed: "
                + String.join(", ", allowedRepositories)) + ")", "add it to the Job's setting " + REPOSITORIES_SETTING
                + " in its manifest, or remove imageRepository from the intent"));
    }
}

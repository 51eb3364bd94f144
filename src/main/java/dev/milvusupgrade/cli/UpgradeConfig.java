package dev.milvusupgrade.cli;

import dev.milvusupgrade.plan.CredentialRule;
import dev.milvusupgrade.plan.JobPolicy;
import dev.milvusupgrade.run.Runner;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Settings that are not part of the intent: how the tool behaves, not what it does. */
@ConfigMapping(prefix = "milvus-upgrade")
public interface UpgradeConfig {

    /**
     * How long the signature of operator issue 446 must persist before the run fails with it: long
     * enough for a new streaming node's image pull on a slow registry.
     */
    @WithDefault("15m")
    Duration deadlockGrace();

    /**
     * How long a complete stage must stay complete before it is recorded Succeeded: one resync of a
     * healthy instance by the operator (60 s).
     */
    @WithDefault("60s")
    Duration settle();

    /** At most one progress line per this interval while nothing changes. */
    @WithDefault("10s")
    Duration progressInterval();

    /** How long the run's Lease lasts without renewal; a crashed run blocks the next for at most this. */
    @WithDefault("30s")
    Duration leaseDuration();

    /** Where the one-line outcome goes for the Pod's termination message. */
    @WithDefault("/dev/termination-log")
    String terminationLog();

    /**
     * Image repositories an intent's imageRepository may name besides the one the cluster runs (comma-separated):
     * the Job's owner decides them in the manifest, not whoever may edit the intent.
     */
    Optional<List<String>> allowedRepositories();

    /**
     * The Job's activeDeadlineSeconds, as its manifest passes it: an intent whose stageTimeout or backupTimeout is
     * longer is refused before any change. Unset (a run from a laptop): not checked.
     */
    Optional<Duration> jobDeadline();

    /**
     * The namespaces a fleet may look in (comma-separated); a fleet intent asking for another is refused, and one
     * without namespaces takes these. Unset: the intent's namespaces, within what RBAC allows.
     */
    Optional<List<String>> allowedNamespaces();

    /**
     * A fleet's canaries (comma-separated namespace/name, in order): exactly these of the selected clusters go first, and
     * the label milvus-upgrade.dev/canary is ignored. Unset: the labelled clusters and the intent's canary count.
     */
    Optional<List<String>> canaryClusters();

    /**
     * Hosts (comma-separated) the credentials of milvusAuthSecret may reach over plain http besides the Milvus Service
     * ({@code <milvus>-milvus.<namespace>}); any other host only over https.
     */
    Optional<List<String>> plainHttpHosts();

    /** With a ca.crt in milvusAuthSecret, trust the JVM's public CAs beside it; by default the given CA only. */
    @WithDefault("false")
    boolean trustPublicCas();

    default Runner.Settings settings() {
        return new Runner.Settings(deadlockGrace(), progressInterval(), leaseDuration(), settle())
                .withPolicy(new JobPolicy(allowedRepositories().orElse(List.of()), jobDeadline(), allowedNamespaces().orElse(List.of()),
                        new CredentialRule(plainHttpHosts().orElse(List.of()), trustPublicCas()),
                        canaryClusters().orElse(List.of()).stream().map(String::strip).filter(c -> !c.isEmpty()).toList()));
    }
}

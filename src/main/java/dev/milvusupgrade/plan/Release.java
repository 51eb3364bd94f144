package dev.milvusupgrade.plan;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One Milvus release of the catalogue file: what matters about it for an upgrade.
 *
 * @param version the release, e.g. {@code v2.6.15} or {@code v2.6.0-rc1}
 * @param released its release date, where a source states it
 * @param fixes issues or PRs of fixes that matter for an upgrade ({@code milvus-io/milvus#48977})
 * @param refusal why it may not be a source or a target, if so
 * @param note what {@code plan} says about it; empty when nothing
 * @param flags changes this release introduces for its series, e.g. {@link #PULSAR_EXCLUSIVE_PRODUCER}
 * @param line the line of the catalogue file it was read from
 */
public record Release(Version version, Optional<LocalDate> released, List<String> fixes, Optional<Refusal> refusal,
        String note, Set<String> flags, int line) {

    /** From this release on, the Pulsar WAL producer is exclusive (FACTS §9.9, milvus#53540). */
    public static final String PULSAR_EXCLUSIVE_PRODUCER = "pulsar-exclusive-producer";
    public static final Set<String> KNOWN_FLAGS = Set.of(PULSAR_EXCLUSIVE_PRODUCER);

    public Release {
        fixes = List.copyOf(fixes);
        flags = Set.copyOf(flags);
    }

    public boolean isPreRelease() {
        return version.isPreRelease();
    }

    /**
     * Why a release is refused.
     *
     * @param scope where it applies
     * @param series for {@link Scope#TARGET_FROM}, the running series ({@code 2.5}) it applies to
     * @param issue the issue that explains it ({@code milvus-io/milvus#48930})
     * @param reason the reason, one sentence
     */
    public record Refusal(Scope scope, String series, String issue, String reason) {

        /** Whether it forbids {@code source} as the running version of an upgrade to the release. */
        boolean refusesTargetFrom(Version source) {
            return scope == Scope.TARGET || (scope == Scope.TARGET_FROM && series.equals(Catalogue.series(source)));
        }

        String scopeText() {
            return switch (scope) {
                case SOURCE -> "source";
                case TARGET -> "target";
                case TARGET_FROM -> "target-from-" + series;
            };
        }
    }

    /** Where a refusal applies. */
    public enum Scope {
        /** The release cannot be upgraded from. */
        SOURCE,
        /** No route of this tool may end on it. */
        TARGET,
        /** A cluster on one series ({@link Refusal#series()}) must not go to it. */
        TARGET_FROM
    }
}

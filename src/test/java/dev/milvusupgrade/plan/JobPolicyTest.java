package dev.milvusupgrade.plan;

import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_25;
import static dev.milvusupgrade.plan.Snapshots.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The intent cannot widen what the Job may do: image repositories come from the Job's settings. */
class JobPolicyTest {

    private static Intent intent(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("milvus", "my-release", "targetVersion", "v2.6.4"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return ((Checked.Ok<Intent>) Intent.parse(m, Instant.parse("2026-11-24T22:00:00Z"))).value();
    }

    private static final ClusterSnapshot MIRRORED = healthy("registry.local:5000/milvusdb/milvus:v2.5.16", MIXCOORD_25);

    @ParameterizedTest(name = "allowed [{0}], intent asks [{1}] -> {2}")
    @CsvSource(delimiter = '|', value = {
        // setting | intent's imageRepository ("" = none) | staged or refused
        "|| staged",
        "|registry.local:5000/milvusdb/milvus| staged",
        "|milvusdb/milvus| refused",
        "|evil.example.com/milvus| refused",
        "milvusdb/milvus|milvusdb/milvus| staged",
        " milvusdb/milvus , mirror.local/milvus |mirror.local/milvus| staged",
        "milvusdb/milvus|evil.example.com/milvus| refused",
        "milvusdb/milvus|milvusdb/milvus-gpu| refused",
        "milvusdb/milvus|docker.io/milvusdb/milvus| refused",
    })
    void an_intent_gets_only_the_repositories_the_job_allows_or_the_one_the_cluster_runs(String setting, String asked, String outcome) {
        JobPolicy policy = JobPolicy.parse(setting);
        Intent i = asked == null || asked.isBlank() ? intent() : intent("imageRepository", asked);
        Decision d = policy.plan(i, MIRRORED);
        assertThat(d).as(d.toString()).isInstanceOf(outcome.strip().equals("staged") ? Decision.Staged.class : Decision.Refuse.class);
    }

    @Test
    void the_refusal_names_the_repository_what_the_cluster_runs_and_the_setting_that_allows_it() {
        Decision d = JobPolicy.parse("mirror.local/milvus").plan(intent("imageRepository", "evil.example.com/milvus"), MIRRORED);
        assertThat(((Decision.Refuse) d).rejection().message()).isEqualTo("the intent asks for image repository evil.example.com/milvus,"
                + " which this Job may not write (it runs registry.local:5000/milvusdb/milvus; allowed: mirror.local/milvus);"
                + " fix: add it to the Job's setting milvus-upgrade.allowed-repositories (env MILVUS_UPGRADE_ALLOWED_REPOSITORIES)"
                + " in its manifest, or remove imageRepository from the intent");
    }

    @Test
    void the_setting_is_a_comma_separated_list_and_empty_allows_nothing_more() {
        assertThat(JobPolicy.parse(" a/b ,, c:5000/d ").allowedRepositories()).containsExactly("a/b", "c:5000/d");
        assertThat(JobPolicy.parse("").allowedRepositories()).isEmpty();
        assertThat(JobPolicy.parse(null)).isEqualTo(JobPolicy.defaults());
        assertThat(new JobPolicy(List.of()).check(intent(), MIRRORED)).isEmpty();
    }

    @ParameterizedTest(name = "deadline {0}, stageTimeout {1}, backupTimeout {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
        "1h30m|30m||staged",
        "1h30m|1h30m||staged",
        "1h30m|2h||stageTimeout",
        "1h30m|24h||stageTimeout",
        "1h30m|30m|1h|staged",
        "1h30m|30m|2h|backupTimeout",
        "|24h|24h|staged",
    })
    void no_intent_timeout_may_outlast_the_jobs_deadline(String deadline, String stageTimeout, String backupTimeout, String outcome) {
        JobPolicy policy = JobPolicy.defaults()
                .withJobDeadline(deadline == null ? java.util.Optional.empty() : Intent.parseDuration(deadline));
        Intent i = backupTimeout == null ? intent("stageTimeout", stageTimeout)
                : intent("stageTimeout", stageTimeout, "backupEndpoint", "http://milvus-backup.milvus:8080", "backupTimeout",
                    backupTimeout);
        Decision d = policy.plan(i, MIRRORED);
        if (outcome.equals("staged")) {
            assertThat(d).as(d.toString()).isInstanceOf(Decision.Staged.class);
        } else {
            assertThat(((Decision.Refuse) d).rejection().message()).startsWith("intent key '" + outcome + "' is ")
                    .contains("longer than the Job may run (1h30m)").contains("MILVUS_UPGRADE_JOB_DEADLINE");
        }
    }

    @ParameterizedTest(name = "allowed [{0}], intent asks [{1}] -> {2}")
    @CsvSource(delimiter = '|', value = {
        // setting | the intent's namespaces | what the fleet looks in, or refused
        "|| ",
        "|team-a| team-a",
        "team-a,team-b|| team-a,team-b",
        "team-a,team-b|team-b| team-b",
        "team-a,team-b|team-a,kube-system| refused",
    })
    void a_fleet_reaches_only_the_namespaces_the_jobs_setting_allows(String setting, String asked, String expected) {
        JobPolicy policy = JobPolicy.defaults().withAllowedNamespaces(JobPolicy.parse(setting).allowedRepositories());
        Checked<List<String>> got = policy.fleetNamespaces(JobPolicy.parse(asked).allowedRepositories());
        if ("refused".equals(expected)) {
            assertThat(((Checked.Refused<List<String>>) got).rejection().message())
                    .isEqualTo("the fleet intent asks for namespace(s) kube-system,"
                    + " which this Job may not touch (allowed: team-a, team-b); fix: add them to the Job's setting "
                    + "milvus-upgrade.allowed-namespaces"
                    + " (env MILVUS_UPGRADE_ALLOWED_NAMESPACES) in its manifest, or remove them from the intent's namespaces");
        } else {
            assertThat(((Checked.Ok<List<String>>) got).value()).isEqualTo(JobPolicy.parse(expected).allowedRepositories());
        }
    }

    @Test
    void the_canary_setting_is_carried_by_every_with_and_decides_a_fleets_canaries() {
        JobPolicy policy = JobPolicy.defaults().withCanaryClusters(List.of("b/two")).withAllowedNamespaces(List.of("b"))
                .withJobDeadline(java.util.Optional.of(java.time.Duration.ofMinutes(90))).withCredentials(CredentialRule.defaults());
        assertThat(policy.canaryClusters()).containsExactly("b/two");
        Map<String, Map<String, String>> selected = Map.of("b/one", Map.of(FleetIntent.CANARY_LABEL, "true"), "b/two", Map.of());
        assertThat(((Checked.Ok<CanaryChoice>) policy.fleetCanaries(selected, java.util.Optional.empty())).value().named())
                .containsExactly("b/two");
        assertThat(policy.fleetCanaries(selected, java.util.Optional.of(2))).isInstanceOf(Checked.Refused.class);
        assertThat(((Checked.Ok<CanaryChoice>) JobPolicy.defaults().fleetCanaries(selected, java.util.Optional.of(2))).value()
                .fromSetting()).isFalse();
    }
}

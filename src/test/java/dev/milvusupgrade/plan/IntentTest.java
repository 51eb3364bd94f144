package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IntentTest {

    private static final Instant NOW = Instant.parse("2026-11-24T22:00:00Z");

    private static Checked<Intent> parse(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("milvus", "my-release", "targetVersion", "v2.6.4"));
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                m.remove(kv[i]);
            } else {
                m.put(kv[i], kv[i + 1]);
            }
        }
        return Intent.parse(m, NOW);
    }

    @Test
    void applies_the_contract_defaults() {
        Intent i = ((Checked.Ok<Intent>) parse()).value();
        assertThat(i.milvus()).isEqualTo("my-release");
        assertThat(i.milvusNamespace()).isEmpty();
        assertThat(i.targetVersion()).isEqualTo(Version.of(2, 6, 4));
        assertThat(i.stageTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(i.notAfter()).isEmpty();
        assertThat(i.paused()).isFalse();
        assertThat(i.dryRun()).isFalse();
        assertThat(i.imageRepository()).isEmpty();
    }

    @Test
    void reads_every_key() {
        Intent i = ((Checked.Ok<Intent>) parse("milvusNamespace", "prod", "targetVersion", "2.6.5", "imageRepository",
                "registry.local:5000/milvusdb/milvus", "stageTimeout", "1h30m", "notAfter", "2026-11-25T05:00:00Z", "paused", "TRUE",
                "dryRun", "false")).value();
        assertThat(i.milvusNamespace()).contains("prod");
        assertThat(i.targetVersion().tag()).isEqualTo("v2.6.5");
        assertThat(i.imageRepository()).contains("registry.local:5000/milvusdb/milvus");
        assertThat(i.stageTimeout()).isEqualTo(Duration.ofMinutes(90));
        assertThat(i.notAfter()).contains(Instant.parse("2026-11-25T05:00:00Z"));
        assertThat(i.paused()).isTrue();
    }

    @Test
    void recommended_is_a_target_resolved_later_and_a_user_catalogue_is_named() {
        Intent i = ((Checked.Ok<Intent>) parse("targetVersion", "Recommended", "releaseCatalogue", "my-releases")).value();
        assertThat(i.recommendedTarget()).isTrue();
        assertThat(i.targetVersion()).hasToString("recommended");
        assertThat(i.releaseCatalogue()).contains("my-releases");
        assertThat(((Checked.Ok<Intent>) parse()).value().releaseCatalogue()).isEmpty();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "milvus|<none>|intent key 'milvus' is missing; fix: set milvus to the name of the Milvus resource",
        "targetVersion|<none>|intent key 'targetVersion' is missing; fix: set targetVersion, e.g. v2.6.4",
        "targetVersion|latest|intent key 'targetVersion' is 'latest', not a version; fix: write it as v2.6.4 (the v is optional)",
        "targetversion|v2.6.4|unknown intent key 'targetversion' (did you mean 'targetVersion'?); fix: remove it or use one of milvus, milvusNamespace, targetVersion, imageRepository, stageTimeout, notAfter, paused, dryRun, allowUnorderedRollout, dataCheck, milvusEndpoint, milvusAuthSecret, backupEndpoint, backupRequired, backupCollections, backupTimeout, backupAlways, maxBackupAge, clientsWrite, acceptClusterAsIs, releaseCatalogue",
        "dryrun|true|unknown intent key 'dryrun' (did you mean 'dryRun'?); fix: remove it or use one of milvus, milvusNamespace, targetVersion, imageRepository, stageTimeout, notAfter, paused, dryRun, allowUnorderedRollout, dataCheck, milvusEndpoint, milvusAuthSecret, backupEndpoint, backupRequired, backupCollections, backupTimeout, backupAlways, maxBackupAge, clientsWrite, acceptClusterAsIs, releaseCatalogue",
        "version|v2.6.4|unknown intent key 'version' (did you mean 'targetVersion'?); fix: remove it or use one of milvus, milvusNamespace, targetVersion, imageRepository, stageTimeout, notAfter, paused, dryRun, allowUnorderedRollout, dataCheck, milvusEndpoint, milvusAuthSecret, backupEndpoint, backupRequired, backupCollections, backupTimeout, backupAlways, maxBackupAge, clientsWrite, acceptClusterAsIs, releaseCatalogue",
        "timeout|1h|unknown intent key 'timeout' (did you mean 'stageTimeout'?); fix: remove it or use one of milvus, milvusNamespace, targetVersion, imageRepository, stageTimeout, notAfter, paused, dryRun, allowUnorderedRollout, dataCheck, milvusEndpoint, milvusAuthSecret, backupEndpoint, backupRequired, backupCollections, backupTimeout, backupAlways, maxBackupAge, clientsWrite, acceptClusterAsIs, releaseCatalogue",
        "msgStreamType|kafka|unknown intent key 'msgStreamType'; fix: remove it or use one of milvus, milvusNamespace, targetVersion, imageRepository, stageTimeout, notAfter, paused, dryRun, allowUnorderedRollout, dataCheck, milvusEndpoint, milvusAuthSecret, backupEndpoint, backupRequired, backupCollections, backupTimeout, backupAlways, maxBackupAge, clientsWrite, acceptClusterAsIs, releaseCatalogue",
        "milvus|My_Release|intent key 'milvus' is 'My_Release', not a Kubernetes resource name; fix: use the lowercase name shown by 'kubectl get milvus'",
        "stageTimeout|5|intent key 'stageTimeout' is '5', not a duration; fix: write it like 90s, 45m, 2h or 1h30m",
        "stageTimeout|25h|intent key 'stageTimeout' is 25h, outside 10s..24h; fix: pick a stage timeout between 10s and 24h (30m is the default)",
        "notAfter|2026-11-24T21:59:59Z|the maintenance window in 'notAfter' ended at 2026-11-24T21:59:59Z; fix: set notAfter to the end of the next window, or remove it",
        "notAfter|tonight|intent key 'notAfter' is 'tonight', not an RFC 3339 instant; fix: write it like 2026-11-25T05:00:00Z",
        "paused|yes|intent key 'paused' is 'yes', not true or false; fix: write paused: \"true\" or \"false\"",
        "imageRepository|milvusdb/milvus:v2.6.4|intent key 'imageRepository' is 'milvusdb/milvus:v2.6.4', not a repository without tag; fix: write it like registry.local:5000/milvusdb/milvus",
        "dataCheck|full|intent key 'dataCheck' is 'full', not off, read or write; fix: write dataCheck: read (the default), write (read plus a write probe) or off",
        "milvusEndpoint|grpc://milvus:19530|intent key 'milvusEndpoint' is 'grpc://milvus:19530', not an http or https address with a host; fix: write it like https://milvus.example.com:19530 or leave it out to use the Milvus Service",
        "milvusEndpoint|http://milvus:19530/v2/vectordb|intent key 'milvusEndpoint' is 'http://milvus:19530/v2/vectordb', not an http or https address with a host; fix: write it like https://milvus.example.com:19530 or leave it out to use the Milvus Service",
        "milvusAuthSecret|Milvus_Auth|intent key 'milvusAuthSecret' is 'Milvus_Auth', not a Secret name; fix: use the name shown by 'kubectl get secret' in the Milvus namespace",
        "releaseCatalogue|My Releases|intent key 'releaseCatalogue' is 'My Releases', not a ConfigMap name; fix: name a ConfigMap in the intent's namespace (kubectl get configmap), or leave it out"})
    void refuses_with_one_exact_line(String key, String value, String message) {
        Checked<Intent> c = parse(key, "<none>".equals(value) ? null : value);
        assertThat(c).isInstanceOf(Checked.Refused.class);
        assertThat(((Checked.Refused<Intent>) c).rejection().message()).isEqualTo(message);
    }

    @Test
    void the_data_check_reads_by_default_through_the_milvus_service() {
        Intent i = ((Checked.Ok<Intent>) parse()).value();
        assertThat(i.dataCheck()).isEqualTo(DataCheck.Mode.READ);
        assertThat(i.dataEndpoint("milvus")).hasToString("http://my-release-milvus.milvus:19530");
        Intent https = ((Checked.Ok<Intent>) parse("dataCheck", "Write", "milvusEndpoint", "https://milvus.example.com",
                "milvusAuthSecret", "milvus-auth")).value();
        assertThat(https.dataCheck()).isEqualTo(DataCheck.Mode.WRITE);
        assertThat(https.dataEndpoint("milvus")).hasToString("https://milvus.example.com:19530");
        assertThat(https.milvusAuthSecret()).contains("milvus-auth");
        assertThat(((Checked.Refused<Intent>) parse("dataCheck", "off", "milvusAuthSecret", "milvus-auth")).rejection().message())
                .contains("mean nothing with dataCheck: off");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"paused|yes", "stageTimeout|5\\nminutes", "milvus|my\\nrelease", "notAfter|tonight\\n"})
    void a_value_with_line_breaks_is_refused_in_one_line(String key, String value) {
        Checked<Intent> c = parse(key, value.replace("\\n", "\n") + "\n");
        assertThat(c).isInstanceOf(Checked.Refused.class);
        assertThat(((Checked.Refused<Intent>) c).rejection().message()).doesNotContain("\n").contains("fix:");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"90s, 90", "45m, 2700", "2h, 7200", "1h30m, 5400", "1h0m30s, 3630"})
    void parses_durations(String text, long seconds) {
        assertThat(Intent.parseDuration(text)).isEqualTo(Optional.of(Duration.ofSeconds(seconds)));
        assertThat(Intent.parseDuration(Intent.format(Duration.ofSeconds(seconds)))).contains(Duration.ofSeconds(seconds));
    }

    @Test
    void max_backup_age_and_accept_cluster_as_is_are_read_and_checked() {
        Intent plain = ((Checked.Ok<Intent>) parse("backupEndpoint", "http://milvus-backup:8080")).value();
        assertThat(plain.backup().orElseThrow().maxAge()).isEmpty();
        assertThat(plain.acceptClusterAsIs()).isFalse();

        Intent set = ((Checked.Ok<Intent>) parse("backupEndpoint", "http://milvus-backup:8080", "maxBackupAge", "6h",
                "acceptClusterAsIs", "true")).value();
        assertThat(set.backup().orElseThrow().maxAge()).contains(Duration.ofHours(6));
        assertThat(set.acceptClusterAsIs()).isTrue();

        assertThat(((Checked.Refused<Intent>) parse("backupEndpoint", "http://milvus-backup:8080", "maxBackupAge", "31d")).rejection()
                .message())
                .isEqualTo("intent key 'maxBackupAge' is '31d', not a duration within 10s..720h; fix: write it like 2h or 24h, or leave it "
                        + "out (the backup may then be as old as stageTimeout)");
        assertThat(((Checked.Refused<Intent>) parse("backupEndpoint", "http://milvus-backup:8080", "maxBackupAge", "721h")).rejection()
                .message())
                .contains("not a duration within 10s..720h");
        assertThat(((Checked.Refused<Intent>) parse("maxBackupAge", "6h")).rejection().message())
                .startsWith("intent key(s) maxBackupAge mean nothing without backupEndpoint");
        assertThat(((Checked.Refused<Intent>) parse("acceptClusterAsIs", "yes")).rejection().message()).contains("acceptClusterAsIs");
    }
}

package dev.milvusupgrade.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.Release;
import com.marcnuri.helm.TemplateCommand;
import dev.milvusupgrade.cli.UpgradeConfig;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.FleetIntent;
import dev.milvusupgrade.plan.Intent;
import dev.milvusupgrade.plan.LeaseNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Helm chart in k8s/chart, through Helm's own lint and template (helm-java's native library, no helm binary),
 * against the kustomize install it sits beside: for every mode the chart must render the objects of the overlay of
 * that name, field for field (RBAC rules, security contexts, podFailurePolicy, Job and CronJob specs, hook annotations),
 * so that a rule changed in only one of them fails here. Labels Helm adds and namespaces kustomize leaves to
 * {@code kubectl -n} are the only differences allowed.
 */
class HelmChartTest {

    static final Path CHART = Path.of("k8s/chart");
    static final String NAMESPACE = "milvus";
    /** What Helm installs against: podFailurePolicy and CronJob timeZone need at least the chart's kubeVersion. */
    static final String KUBE_VERSION = "1.31.0";
    /** Labels the chart adds for Helm; every other label must be kustomize's. */
    static final Set<String> HELM_LABELS = Set.of("app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by",
            "helm.sh/chart");
    /** The intent of k8s/overlays/argocd-hook/intent.yaml, given to the chart in every mode. */
    static final Map<String, Object> INTENT = Map.of("milvus", "my-release", "targetVersion", "v2.6.4", "intent.stageTimeout", "30m");
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    @BeforeAll
    static void helmLoads() {
        // The native library comes from the Maven dependency for this platform; never download one at test time.
        System.setProperty("com.marcnuri.jkube-helm.skipRemoteJar", "true");
        try {
            Helm.version().call();
        } catch (LinkageError | RuntimeException e) {
            Assumptions.abort("skipped: helm-java has no native Helm library that loads on " + System.getProperty("os.name") + "/"
                    + System.getProperty("os.arch") + " (" + (e.getCause() != null ? e.getCause() : e)
                    + "); run `helm lint --strict k8s/chart` and "
                    + "`helm template` by hand here");
        }
    }

    static String template(String namespace, Map<String, Object> values) {
        TemplateCommand t = new Helm(CHART).template().withName("milvus-upgrade").withNamespace(namespace).withKubeVersion(KUBE_VERSION);
        for (Map.Entry<String, Object> v : values.entrySet()) {
            t = t.set(v.getKey(), v.getValue());
        }
        return t.call();
    }

    static List<HasMetadata> render(String mode, Map<String, Object> more) {
        Map<String, Object> values = new LinkedHashMap<>(INTENT);
        values.put("mode", mode);
        values.putAll(more);
        return ManifestsTest.parse(template(NAMESPACE, values));
    }

    static List<HasMetadata> render(String mode) {
        return render(mode, Map.of());
    }

    static String key(HasMetadata o) {
        return o.getKind() + " " + Stream.of(o.getMetadata().getNamespace(), o.getMetadata().getName())
                .filter(s -> s != null).collect(Collectors.joining("/"));
    }

    /** Objects by kind and name, as plain maps: every field counts, also those a typed comparison would not name. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> byKindAndName(List<HasMetadata> objects) {
        Map<String, Map<String, Object>> m = new TreeMap<>();
        for (HasMetadata o : objects) {
            assertThat(m.put(o.getKind() + " " + o.getMetadata().getName(), JSON.unmarshal(JSON.asJson(o), Map.class)))
                    .as("twice: " + key(o)).isNull();
        }
        return m;
    }

    /**
     * The chart's object as kustomize would render it: without the labels Helm adds, and without the namespaces the
     * kustomize object leaves to {@code kubectl -n} (metadata and RoleBinding subjects).
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> asKustomize(Map<String, Object> chart, Map<String, Object> kustomize) {
        Map<String, Object> c = JSON.unmarshal(JSON.asJson(chart), Map.class);
        stripHelmLabels(c);
        Map<String, Object> meta = (Map<String, Object>) c.get("metadata");
        if (!((Map<String, Object>) kustomize.get("metadata")).containsKey("namespace")) {
            meta.remove("namespace");
        }
        List<Map<String, Object>> subjects = (List<Map<String, Object>>) c.get("subjects");
        List<Map<String, Object>> kSubjects = (List<Map<String, Object>>) kustomize.get("subjects");
        if (subjects != null && kSubjects != null) {
            for (int i = 0; i < Math.min(subjects.size(), kSubjects.size()); i++) {
                if (!kSubjects.get(i).containsKey("namespace")) {
                    subjects.get(i).remove("namespace");
                }
            }
        }
        return c;
    }

    @SuppressWarnings("unchecked")
    static void stripHelmLabels(Object node) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> m = (Map<String, Object>) map;
            if (m.get("labels") instanceof Map<?, ?> labels) {
                labels.keySet().removeAll(HELM_LABELS);
                if (labels.isEmpty()) {
                    m.remove("labels");
                }
            }
            m.values().forEach(HelmChartTest::stripHelmLabels);
        } else if (node instanceof List<?> list) {
            list.forEach(HelmChartTest::stripHelmLabels);
        }
    }

    static void assertSameObjects(Map<String, Map<String, Object>> chart, Map<String, Map<String, Object>> kustomize, String what) {
        assertThat(chart.keySet()).as(what + ": the chart renders the objects kustomize renders").isEqualTo(kustomize.keySet());
        // Every differing object is reported, not only the first.
        SoftAssertions.assertSoftly(soft -> {
            for (Map.Entry<String, Map<String, Object>> k : kustomize.entrySet()) {
                soft.assertThat(asKustomize(chart.get(k.getKey()), k.getValue()))
                        .as(what + ": " + k.getKey() + " differs between k8s/chart and kustomize; change both (or neither)")
                        .isEqualTo(k.getValue());
            }
        });
    }

    @Test
    void helm_lint_is_clean_in_strict_mode() {
        LintResult lint = new Helm(CHART).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"job", "cronjob", "argocd-hook", "fleet"})
    void every_mode_renders_the_objects_of_the_kustomize_overlay_of_that_name(String mode) throws Exception {
        Map<String, Map<String, Object>> chart = byKindAndName(render(mode));
        Map<String, Map<String, Object>> kustomize = byKindAndName(ManifestsTest.render(mode));
        // The kustomize overlays leave the intent to k8s/examples (except the Argo CD hook's); the chart always renders it.
        if (!kustomize.containsKey("ConfigMap milvus-upgrade")) {
            assertThat(chart.remove("ConfigMap milvus-upgrade")).isNotNull();
        }
        assertSameObjects(chart, kustomize, "mode " + mode);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"job", "cronjob", "argocd-hook", "fleet"})
    void every_job_of_the_chart_maps_the_exit_codes_of_the_contract(String mode) {
        List<JobSpec> jobs = ManifestsTest.jobSpecs(render(mode));
        assertThat(jobs).isNotEmpty().allSatisfy(j -> ManifestsTest.assertExitCodesAsTheContractSays(j.getPodFailurePolicy().getRules()));
    }

    @Test
    void the_optional_readers_render_the_roles_of_k8s_optional() throws Exception {
        Map<String, Map<String, Object>> chart = byKindAndName(render("job", Map.of("operatorVersionReader.enabled", true,
                "milvusAuthSecretReader.enabled", true, "intent.milvusAuthSecret", "milvus-auth")));
        Map<String, Map<String, Object>> kustomize = new TreeMap<>();
        kustomize.putAll(byKindAndName(ManifestsTest.renderDir("k8s/optional/operator-version-reader")));
        kustomize.putAll(byKindAndName(ManifestsTest.renderDir("k8s/optional/milvus-auth-secret-reader")));
        chart.keySet().retainAll(kustomize.keySet());
        assertSameObjects(chart, kustomize, "optional readers");
    }

    @Test
    void the_readers_are_off_by_default_and_the_secret_reader_follows_the_intent_s_secret_and_namespaces() {
        assertThat(render("job")).extracting(HasMetadata::getKind)
                .containsOnly("ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Job");
        List<HasMetadata> fleet = render("fleet",
                Map.of("milvus", "", "intent.selector", "upgrade-wave=1", "intent.namespaces[0]", "team-a", "intent.namespaces[1]",
                    "team-b",
                "milvusAuthSecretReader.enabled", true, "intent.milvusAuthSecret", "milvus-token"));
        List<Role> readers = fleet.stream().filter(Role.class::isInstance).map(Role.class::cast)
                .filter(r -> r.getMetadata().getName().endsWith("-auth-secret")).toList();
        assertThat(readers).extracting(r -> r.getMetadata().getNamespace()).containsExactly("team-a", "team-b");
        assertThat(readers).allSatisfy(r -> assertThat(r.getRules()).singleElement()
                .satisfies(rule -> assertThat(rule.getResourceNames()).containsExactly("milvus-token")));
        assertThat(fleet).filteredOn(RoleBinding.class::isInstance).map(RoleBinding.class::cast)
                .filteredOn(b -> b.getMetadata().getName().endsWith("-auth-secret"))
                .allSatisfy(b -> assertThat(b.getSubjects()).singleElement()
                    .satisfies(s -> assertThat(s.getNamespace()).isEqualTo(NAMESPACE)))
                .hasSize(2);
        assertThatThrownBy(() -> render("fleet",
                Map.of("milvus", "", "intent.selector", "upgrade-wave=1", "milvusAuthSecretReader.enabled", true,
                "intent.milvusAuthSecret", "milvus-token"))).hasMessageContaining("needs intent.namespaces");
        assertThatThrownBy(() -> render("job", Map.of("milvusAuthSecretReader.enabled", true)))
                .hasMessageContaining("milvusAuthSecretReader needs intent.milvusAuthSecret");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"job", "cronjob", "argocd-hook", "fleet"})
    void a_new_intent_changes_the_configmap_and_nothing_else(String mode) {
        Map<String, Map<String, Object>> before = byKindAndName(render(mode));
        Map<String, Map<String, Object>> after = byKindAndName(render(mode, Map.of("milvus", "other-release", "targetVersion", "v2.6.5",
                "intent.stageTimeout", "45m", "intent.notAfter", "2026-11-29T05:00:00Z", "intent.paused", true, "intent.dataCheck", "write")));
        assertThat(after.keySet()).isEqualTo(before.keySet());
        Set<String> changed = before.keySet().stream().filter(k -> !before.get(k).equals(after.get(k))).collect(Collectors.toSet());
        // helm upgrade patches only what differs between the two manifests: the intent, and the Role's Lease and baseline
        // ConfigMap names for the new Milvus, never the Job (whose template cannot change).
        assertThat(changed).containsExactlyInAnyOrder("ConfigMap milvus-upgrade", "Role milvus-upgrade");
        assertThat(leaseNames(after.get("Role milvus-upgrade")))
                .containsExactly("milvus-upgrade-other-release", "milvus-upgrade-fleet-milvus-upgrade");
        assertThat(JSON.asJson(after.get("Role milvus-upgrade"))).contains("milvus-upgrade-baseline-other-release");
        before.get("Role milvus-upgrade").remove("rules");
        after.get("Role milvus-upgrade").remove("rules");
        assertThat(after.get("Role milvus-upgrade")).isEqualTo(before.get("Role milvus-upgrade"));
    }

    @SuppressWarnings("unchecked")
    static List<String> leaseNames(Map<String, Object> role) {
        return ((List<Map<String, Object>>) role.get("rules")).stream().filter(r -> ((List<String>) r.get("resources")).contains("leases"))
                .flatMap(r -> ((List<String>) r.getOrDefault("resourceNames", List.of())).stream()).toList();
    }

    @ParameterizedTest(name = "milvus {0}, name {1}")
    @CsvSource({
        "my-release,milvus-upgrade",
        "fleet-x,milvus-upgrade",
        "db.prod,upgrade-h0123456789abcdef",
    })
    void the_role_names_the_leases_plan_lease_names_gives(String milvus, String fullname) {
        Map<String, Map<String, Object>> chart = byKindAndName(render("job", Map.of("milvus", milvus, "fullnameOverride", fullname)));
        assertThat(leaseNames(chart.get("Role " + fullname))).containsExactly(LeaseNames.milvus(milvus), LeaseNames.fleet(fullname));
        Map<String, Map<String, Object>> fleet = byKindAndName(render("fleet", Map.of("milvus", "", "intent.selector", "upgrade-wave=1",
                "fullnameOverride", fullname)));
        assertThat(leaseNames(fleet.get("Role " + fullname))).containsExactly(LeaseNames.fleet(fullname));
    }

    @Test
    void a_fleet_in_listed_namespaces_gets_the_member_role_of_k8s_optional_in_each_and_no_other_write() throws Exception {
        List<HasMetadata> objects = render("fleet",
                Map.of("milvus", "", "intent.selector", "upgrade-wave=1", "intent.namespaces[0]", "team-a",
                "intent.namespaces[1]", "team-b"));
        Map<String, Map<String, Object>> kustomize = byKindAndName(ManifestsTest.renderDir("k8s/optional/fleet-namespace"));
        for (String ns : List.of("team-a", "team-b")) {
            Map<String, Map<String, Object>> chart = byKindAndName(objects.stream().filter(o -> ns.equals(o.getMetadata().getNamespace()))
                    .toList());
            assertSameObjects(chart, kustomize, "member Role in " + ns);
        }
        assertThat(render("job")).noneMatch(o -> o.getMetadata().getName().endsWith("-fleet-member"));
    }

    @Test
    void the_configmap_carries_every_intent_key_the_tool_reads_and_the_tool_accepts_it() {
        Set<String> toolKeys = new TreeSet<>(Intent.KEYS);
        toolKeys.addAll(FleetIntent.KEYS);
        Set<String> chartKeys = new TreeSet<>(schemaProperties("intent").keySet());
        chartKeys.add("milvus");
        chartKeys.add("targetVersion");
        assertThat(chartKeys).as("the intent keys of k8s/chart (values.schema.json and values.yaml, under intent) against Intent.KEYS and "
                + "FleetIntent.KEYS: "
                        + "add a new intent key to both, with its comment and shape")
                .isEqualTo(toolKeys);

        Map<String, Object> single = new LinkedHashMap<>(Map.of("intent.milvusNamespace", "db", "intent.imageRepository",
                "registry.local:5000/milvusdb/milvus",
                "intent.notAfter", "2099-11-29T05:00:00Z", "intent.dryRun", true, "intent.dataCheck", "write",
                "intent.milvusEndpoint", "https://milvus.example.com:19530", "intent.milvusAuthSecret", "milvus-auth",
                "intent.backupEndpoint", "http://milvus-backup.milvus:8080", "intent.backupCollections[0]", "books",
                "intent.backupRequired", false));
        single.putAll(Map.of("intent.backupCollections[1]", "analytics.events", "intent.backupTimeout", "2h", "intent.backupAlways", true,
                "intent.allowUnorderedRollout", true));
        Map<String, String> data = configMap(render("job", single)).getData();
        assertThat(data).containsEntry("backupCollections", "books,analytics.events").containsEntry("backupRequired", "false")
                .containsEntry("dryRun", "true").containsEntry("stageTimeout", "30m")
                .doesNotContainKeys("paused", "selector", "namespaces");
        assertThat(Intent.parse(data, Instant.now())).isInstanceOf(Checked.Ok.class);

        Map<String, String> fleet = configMap(render("fleet", Map.of("milvus", "", "intent.selector", "upgrade-wave=1",
                "intent.namespaces[0]", "team-a", "intent.namespaces[1]", "team-b", "intent.canary", 1, "intent.maxConcurrent", 4, "intent.onFailure", "continue"))).getData();
        assertThat(fleet).containsEntry("selector", "upgrade-wave=1").containsEntry("namespaces", "team-a,team-b")
                .containsEntry("canary", "1").containsEntry("maxConcurrent", "4").doesNotContainKey("milvus");
        assertThat(FleetIntent.parse(fleet, Instant.now())).isInstanceOf(Checked.Ok.class);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "modee|job|additional properties 'modee' not allowed",
        "intent.stageTimout|45m|additional properties 'stageTimout' not allowed",
        "image.tagg|0.2.0|additional properties 'tagg' not allowed",
        "resources.limit.cpu|1|additional properties 'limit' not allowed",
        "job.backofLimit|3|additional properties 'backofLimit' not allowed",
        "settings.settel|1s|additional properties 'settel' not allowed",
        "cronjob.window.scheduel|0 1 * * *|additional properties 'scheduel' not allowed",
        "operatorVersionReader.enable|true|additional properties 'enable' not allowed",
        "extraEnv[0].nam|TZ|additional properties 'nam' not allowed",
        "mode|jobs|/mode",
        "targetVersion|2.6|/targetVersion",
        "intent.stageTimeout|30 minutes|/intent/stageTimeout",
        "intent.dataCheck|reed|/intent/dataCheck",
        "intent.maxConcurrent|0|/intent/maxConcurrent",
        "image.digest|sha256:abc|/image/digest",
        "extraEnv[0].name|MILVUS_UPGRADE_INTENT|/extraEnv/0/name",
        "settings.canaryClusters[0]|staging|/settings/canaryClusters/0",
    })
    void a_misspelt_key_or_a_malformed_value_fails_before_anything_is_installed(String key, String value, String expected) {
        assertThatThrownBy(() -> render("job", Map.of(key, value))).hasMessageContaining("schema").hasMessageContaining(expected);
    }

    @Test
    void without_milvus_or_target_version_the_install_fails_saying_what_to_set() {
        assertThatThrownBy(() -> render("job", Map.of("milvus", ""))).hasMessageContaining("set milvus to the Milvus resource to upgrade");
        assertThatThrownBy(() -> render("job", Map.of("targetVersion", ""))).hasMessageContaining("set targetVersion, e.g. v2.6.4");
        assertThatThrownBy(() -> render("job", Map.of("intent.selector", "upgrade-wave=1")))
                .hasMessageContaining("set either milvus (one cluster) or intent.selector (a fleet), not both");
    }

    @Test
    void settings_become_the_environment_variables_the_tool_reads_and_nothing_else() {
        Map<String, Object> values = new HashMap<>(Map.of("settings.deadlockGrace", "20m", "settings.settle", "90s",
                "settings.progressInterval", "30s", "settings.leaseDuration", "45s", "settings.logJson", true, "extraEnv[0].name", "TZ",
                "extraEnv[0].value", "Europe/Berlin",
                "settings.allowedRepositories[0]", "registry.local:5000/milvusdb/milvus", "settings.allowedRepositories[1]", "milvusdb/milvus",
                "settings.allowedNamespaces[0]", "team-a"));
        values.putAll(Map.of("settings.plainHttpHosts[0]", "milvus.lab.internal", "settings.plainHttpHosts[1]", "10.0.0.7",
                "settings.trustPublicCas", true, "settings.canaryClusters[0]", "team-a/staging", "settings.canaryClusters[1]", "team-b/m1"));
        List<HasMetadata> objects = render("job", values);
        Container c = ManifestsTest.podSpecs(objects).get(0).getContainers().get(0);
        Map<String, String> env = c.getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertThat(env).containsEntry("MILVUS_UPGRADE_DEADLOCK_GRACE", "20m").containsEntry("MILVUS_UPGRADE_SETTLE", "90s")
                .containsEntry("MILVUS_UPGRADE_PROGRESS_INTERVAL", "30s").containsEntry("MILVUS_UPGRADE_LEASE_DURATION", "45s")
                .containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true").containsEntry("TZ", "Europe/Berlin")
                .containsEntry("MILVUS_UPGRADE_ALLOWED_REPOSITORIES", "registry.local:5000/milvusdb/milvus,milvusdb/milvus")
                .containsEntry("MILVUS_UPGRADE_JOB_DEADLINE", "5400s").containsEntry("MILVUS_UPGRADE_ALLOWED_NAMESPACES", "team-a")
                .containsEntry("MILVUS_UPGRADE_PLAIN_HTTP_HOSTS", "milvus.lab.internal,10.0.0.7")
                .containsEntry("MILVUS_UPGRADE_TRUST_PUBLIC_CAS", "true").containsEntry("MILVUS_UPGRADE_INTENT", "milvus-upgrade")
                .containsEntry("MILVUS_UPGRADE_CANARY_CLUSTERS", "team-a/staging,team-b/m1");
        assertThat(c.getEnv()).extracting(EnvVar::getName).first().isEqualTo("POD_NAMESPACE");
        // Each MILVUS_UPGRADE_ variable is a setting of UpgradeConfig (milvus-upgrade.<kebab-case>), or --intent's default.
        Set<String> settings = new HashSet<>();
        for (var m : UpgradeConfig.class.getDeclaredMethods()) {
            settings.add("MILVUS_UPGRADE_" + m.getName().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
        }
        assertThat(env.keySet()).filteredOn(n -> n.startsWith("MILVUS_UPGRADE_") && !n.equals("MILVUS_UPGRADE_INTENT"))
                .hasSize(10).allSatisfy(n -> assertThat(settings).contains(n));
        assertThat(schemaProperties("settings").keySet()).containsExactlyInAnyOrder("deadlockGrace", "settle", "progressInterval",
                "leaseDuration", "allowedRepositories", "allowedNamespaces", "canaryClusters", "plainHttpHosts", "trustPublicCas", "logJson");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"job", "cronjob", "fleet"})
    void image_placement_and_resources_reach_every_pod_and_the_restricted_standard_holds(String mode) {
        String digest = "sha256:" + "ab".repeat(32);
        List<HasMetadata> objects = render(mode,
                Map.of("image.repository", "registry.local:5000/platform/milvus-upgrade", "image.digest", digest,
                "image.pullPolicy", "IfNotPresent", "imagePullSecrets[0].name", "registry", "nodeSelector.pool", "system",
                "tolerations[0].key", "dedicated", "tolerations[0].operator", "Exists", "tolerations[0].effect", "NoSchedule",
                "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key", "zone"));
        List<HasMetadata> limited = render(mode, Map.of("resources.limits.memory", "512Mi", "image.tag", "0.2.0"));
        List<PodSpec> pods = ManifestsTest.podSpecs(objects);
        assertThat(pods).hasSize(mode.equals("cronjob") ? 2 : 1);
        for (PodSpec pod : pods) {
            assertThat(pod.getContainers()).singleElement().satisfies(c -> {
                assertThat(c.getImage()).isEqualTo("registry.local:5000/platform/milvus-upgrade@" + digest);
                assertThat(c.getImagePullPolicy()).isEqualTo("IfNotPresent");
                assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
                assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
            });
            assertThat(pod.getImagePullSecrets()).singleElement().satisfies(s -> assertThat(s.getName()).isEqualTo("registry"));
            assertThat(pod.getNodeSelector()).containsEntry("pool", "system");
            assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
            assertThat(pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms())
                    .singleElement().satisfies(t -> assertThat(t.getMatchExpressions().get(0).getKey()).isEqualTo("zone"));
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        }
        for (PodSpec pod : ManifestsTest.podSpecs(limited)) {
            Container c = pod.getContainers().get(0);
            assertThat(c.getImage()).isEqualTo("ghcr.io/example/milvus-upgrade:0.2.0");
            assertThat(c.getResources().getLimits().get("memory").toString()).isEqualTo("512Mi");
            assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "job|kubectl -n milvus logs -f job/milvus-upgrade",
        "cronjob|kubectl -n milvus create job --from=cronjob/milvus-upgrade milvus-upgrade-$(date +%s)",
        "argocd-hook|Argo CD PreSync hook",
        "fleet|kubectl -n milvus delete job milvus-upgrade",
    })
    void a_dry_run_install_tells_how_to_start_and_follow_the_run(String mode, String expected) {
        Release release = new Helm(CHART).install().withName("milvus-upgrade").withNamespace(NAMESPACE).clientOnly().dryRun()
                .withKubeVersion(KUBE_VERSION).set("mode", mode).set("milvus", "my-release").set("targetVersion", "v2.6.4").call();
        assertThat(release.getOutput()).contains("NOTES:").contains(expected)
                .contains("milvus-upgrade (" + mode + "): intent ConfigMap milvus/milvus-upgrade, Milvus my-release -> v2.6.4");
    }

    @Test
    void the_cronjob_window_is_a_switch_and_the_template_stays() {
        List<HasMetadata> objects = render("cronjob", Map.of("cronjob.window.enabled", false));
        assertThat(objects).filteredOn(CronJob.class::isInstance).singleElement().satisfies(c -> {
            assertThat(c.getMetadata().getName()).isEqualTo("milvus-upgrade");
            assertThat(((CronJob) c).getSpec().getSuspend()).isTrue();
        });
    }

    @Test
    void a_fleet_in_another_namespace_binds_the_cluster_role_to_the_service_account_there() {
        Map<String, Object> values = new LinkedHashMap<>(INTENT);
        values.put("mode", "fleet");
        List<HasMetadata> objects = ManifestsTest.parse(template("platform", values));
        ClusterRoleBinding crb = objects.stream().filter(ClusterRoleBinding.class::isInstance).map(ClusterRoleBinding.class::cast)
                .findFirst().orElseThrow();
        assertThat(crb.getSubjects()).singleElement().satisfies(s -> assertThat(s.getNamespace()).isEqualTo("platform"));
        assertThat(objects).filteredOn(o -> !o.getKind().startsWith("Cluster"))
                .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).as(key(o)).isEqualTo("platform"));
    }

    @Test
    void another_name_renames_the_intent_the_role_may_read_and_the_job_reads() {
        List<HasMetadata> objects = render("job", Map.of("fullnameOverride", "upgrade-books"));
        assertThat(configMap(objects).getMetadata().getName()).isEqualTo("upgrade-books");
        Role role = objects.stream().filter(Role.class::isInstance).map(Role.class::cast).findFirst().orElseThrow();
        assertThat(role.getRules()).filteredOn(r -> r.getResources().contains("configmaps")).flatExtracting(r -> r.getResourceNames())
                .containsExactly("upgrade-books", "milvus-upgrade-baseline-my-release");
        assertThat(ManifestsTest.podSpecs(objects)).singleElement().satisfies(p -> {
            assertThat(p.getServiceAccountName()).isEqualTo("upgrade-books");
            assertThat(p.getContainers().get(0).getEnv()).anySatisfy(e -> {
                assertThat(e.getName()).isEqualTo("MILVUS_UPGRADE_INTENT");
                assertThat(e.getValue()).isEqualTo("upgrade-books");
            });
        });
    }

    static ConfigMap configMap(List<HasMetadata> objects) {
        return objects.stream().filter(ConfigMap.class::isInstance).map(ConfigMap.class::cast).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> schemaProperties(String property) {
        try {
            Map<String, Object> schema = JSON.unmarshal(Files.readString(CHART.resolve("values.schema.json")), Map.class);
            Map<String, Object> top = (Map<String, Object>) ((Map<String, Object>) schema.get("properties")).get(property);
            return (Map<String, Object>) top.get("properties");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}

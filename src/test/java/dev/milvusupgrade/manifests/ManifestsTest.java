package dev.milvusupgrade.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.ExitCode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Renders every overlay with {@code kubectl kustomize} and checks what a cluster would receive:
 * typed fabric8 objects, the restricted Pod Security Standard on every pod template, the Job
 * fields that map the contract's exit codes, the pinned image, and least-privilege RBAC.
 */
class ManifestsTest {

    static final String IMAGE = "ghcr.io/example/milvus-upgrade:0.1.0";
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    /** kubectl from -Dkubectl, $KUBECTL, target/tools (where the build unpacks Debian's), or PATH. */
    static String kubectl() {
        List<String> candidates = new ArrayList<>();
        Optional.ofNullable(System.getProperty("kubectl")).ifPresent(candidates::add);
        Optional.ofNullable(System.getenv("KUBECTL")).ifPresent(candidates::add);
        candidates.add("target/tools/usr/bin/kubectl");
        Arrays.stream(Optional.ofNullable(System.getenv("PATH")).orElse("").split(File.pathSeparator))
                .map(p -> p + "/kubectl").forEach(candidates::add);
        return candidates.stream().filter(c -> Files.isExecutable(Path.of(c))).findFirst().orElseThrow(() -> new AssertionError(
                "no kubectl found to render k8s/ with: the build unpacks Debian's kubernetes-client into target/tools where apt-get works; "
                        + "or pass -Dkubectl=/path/to/kubectl"));
    }

    static List<HasMetadata> render(String overlay) throws Exception {
        return renderDir("k8s/overlays/" + overlay);
    }

    /** {@code kubectl kustomize dir} as typed objects; dir is relative to the project, e.g. k8s/optional/operator-version-reader. */
    static List<HasMetadata> renderDir(String dir) throws Exception {
        Process p = new ProcessBuilder(kubectl(), "kustomize", dir).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kubectl kustomize " + dir + ": " + err).isZero();
        return parse(out);
    }

    /** The documents of a multi-document YAML stream (kustomize's or Helm's) as typed fabric8 objects. */
    static List<HasMetadata> parse(String out) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String doc : out.split("(?m)^---\\s*$")) {
            // kustomize v2 (Debian's kubectl 1.20) renders a `$patch: delete` as an empty `{}` document.
            // Helm leaves a `# Source:` comment where a template rendered nothing.
            if (!doc.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#")) && !doc.strip().equals("{}")) {
                objects.add(JSON.unmarshal(doc));
            }
        }
        return objects;
    }

    static List<PodSpec> podSpecs(List<HasMetadata> objects) {
        List<PodSpec> specs = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof Job j) {
                specs.add(j.getSpec().getTemplate().getSpec());
            } else if (o instanceof CronJob c) {
                specs.add(c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec());
            }
        }
        return specs;
    }

    static List<JobSpec> jobSpecs(List<HasMetadata> objects) {
        return objects.stream().<JobSpec>mapMulti((o, out) -> {
            if (o instanceof Job j) {
                out.accept(j.getSpec());
            } else if (o instanceof CronJob c) {
                out.accept(c.getSpec().getJobTemplate().getSpec());
            }
        }).toList();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"job", "cronjob", "argocd-hook", "fleet"})
    void every_pod_template_meets_the_restricted_pod_security_standard(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);
        assertThat(objects).allSatisfy(o -> assertThat(o.getClass().getPackageName()).startsWith("io.fabric8.kubernetes.api.model"));
        List<PodSpec> pods = podSpecs(objects);
        assertThat(pods).isNotEmpty();
        for (PodSpec pod : pods) {
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
            assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            assertThat(pod.getAutomountServiceAccountToken()).isTrue();
            assertThat(pod.getServiceAccountName()).isEqualTo("milvus-upgrade");
            assertThat(pod.getRestartPolicy()).isEqualTo("Never");
            for (Container c : pod.getContainers()) {
                assertThat(c.getImage()).isEqualTo(IMAGE);
                assertThat(c.getArgs()).containsExactly("run");
                assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
                assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
                assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
                assertThat(c.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
                assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
                assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
                assertThat(c.getResources().getLimits()).containsKeys("memory");
                assertThat(c.getEnv()).anySatisfy(e -> {
                    assertThat(e.getName()).isEqualTo("POD_NAMESPACE");
                    assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
                });
            }
        }
        for (JobSpec job : jobSpecs(objects)) {
            assertThat(job.getBackoffLimit()).isPositive();
            assertThat(job.getActiveDeadlineSeconds()).isPositive();
            assertThat(job.getTtlSecondsAfterFinished()).isPositive();
            assertExitCodesAsTheContractSays(job.getPodFailurePolicy().getRules());
        }
        assertThat(objects).filteredOn(ServiceAccount.class::isInstance)
                .allSatisfy(sa -> assertThat(((ServiceAccount) sa).getAutomountServiceAccountToken()).isFalse());
    }

    /**
     * The podFailurePolicy maps exactly the codes of {@link ExitCode}: every failing code the Job must not retry ends it
     * (FailJob), every retried code is counted against backoffLimit (Count), no code is in both or left to the default,
     * and an eviction is not counted.
     */
    static void assertExitCodesAsTheContractSays(List<PodFailurePolicyRule> rules) {
        List<Integer> fail = Stream.of(ExitCode.values()).filter(c -> c.isFailure() && !c.retried()).map(ExitCode::code).toList();
        List<Integer> count = Stream.of(ExitCode.values()).filter(ExitCode::retried).map(ExitCode::code).toList();
        List<PodFailurePolicyRule> onCodes = rules.stream().filter(r -> r.getOnExitCodes() != null).toList();
        assertThat(onCodes).allSatisfy(r -> {
            assertThat(r.getOnExitCodes().getOperator()).isEqualTo("In");
            assertThat(r.getOnExitCodes().getContainerName()).isEqualTo("milvus-upgrade");
        });
        assertThat(onCodes).filteredOn(r -> r.getAction().equals("FailJob")).flatExtracting(r -> r.getOnExitCodes().getValues())
                .as("FailJob: the failing codes a retry cannot cure").containsExactlyInAnyOrderElementsOf(fail);
        assertThat(onCodes).filteredOn(r -> r.getAction().equals("Count")).flatExtracting(r -> r.getOnExitCodes().getValues())
                .as("Count: the codes the Job retries").containsExactlyInAnyOrderElementsOf(count);
        assertThat(onCodes).extracting(PodFailurePolicyRule::getAction).containsOnly("FailJob", "Count");
        assertThat(rules).as("an eviction is not the tool's failure").anySatisfy(r -> assertThat(r.getOnPodConditions())
                .anySatisfy(c -> assertThat(c.getType()).isEqualTo("DisruptionTarget")));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"job", "cronjob", "argocd-hook", "fleet"})
    void every_job_tells_the_tool_its_deadline(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);
        List<io.fabric8.kubernetes.api.model.batch.v1.JobSpec> jobs = new java.util.ArrayList<>();
        objects.stream().filter(io.fabric8.kubernetes.api.model.batch.v1.Job.class::isInstance)
                .forEach(j -> jobs.add(((io.fabric8.kubernetes.api.model.batch.v1.Job) j).getSpec()));
        objects.stream().filter(io.fabric8.kubernetes.api.model.batch.v1.CronJob.class::isInstance)
                .forEach(c -> jobs.add(((io.fabric8.kubernetes.api.model.batch.v1.CronJob) c).getSpec().getJobTemplate().getSpec()));
        assertThat(jobs).isNotEmpty().allSatisfy(j -> assertThat(j.getTemplate().getSpec().getContainers().get(0).getEnv())
                .as("MILVUS_UPGRADE_JOB_DEADLINE is the Job's activeDeadlineSeconds").anySatisfy(e -> {
                    assertThat(e.getName()).isEqualTo("MILVUS_UPGRADE_JOB_DEADLINE");
                    assertThat(e.getValue()).isEqualTo(j.getActiveDeadlineSeconds() + "s");
                }));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"job", "cronjob", "argocd-hook", "fleet"})
    void every_pod_gives_the_run_time_to_record_where_sigterm_stopped_it(String overlay) throws Exception {
        List<PodSpec> pods = podSpecs(render(overlay));
        assertThat(pods).isNotEmpty().allSatisfy(p -> assertThat(p.getTerminationGracePeriodSeconds())
                .as("terminationGracePeriodSeconds: the tool's SIGTERM grace plus 10 s for the API server's answers")
                .isGreaterThanOrEqualTo(dev.milvusupgrade.cli.RunCommand.SHUTDOWN_GRACE.toSeconds() + 10));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"job", "cronjob", "argocd-hook"})
    void rbac_is_namespaced_without_wildcards_or_secrets(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);
        assertThat(objects).extracting(HasMetadata::getKind).doesNotContain("ClusterRole", "ClusterRoleBinding");
        List<PolicyRule> rules = objects.stream().filter(Role.class::isInstance).flatMap(r -> ((Role) r).getRules().stream()).toList();
        assertThat(rules).isNotEmpty();
        for (PolicyRule r : rules) {
            assertThat(Stream.of(r.getApiGroups(), r.getResources(), r.getVerbs()).flatMap(List::stream)).doesNotContain("*");
            assertThat(r.getResources()).doesNotContain("secrets");
            assertThat(r.getVerbs()).doesNotContain("deletecollection", "escalate", "bind", "impersonate");
            if (r.getVerbs().contains("delete")) {
                // The one delete: the data check's baseline the tool itself created, by name, on success.
                assertThat(r.getResources()).containsExactly("configmaps");
                assertThat(r.getResourceNames()).containsExactly("milvus-upgrade-baseline-my-release");
            }
        }
        // The intent by name; the baseline by name; create, which RBAC cannot narrow by name, alone.
        assertThat(rules).filteredOn(r -> r.getResources().contains("configmaps"))
                .extracting(PolicyRule::getResourceNames, PolicyRule::getVerbs)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(List.of("milvus-upgrade"), List.of("get", "patch")),
                        org.assertj.core.groups.Tuple.tuple(List.of("milvus-upgrade-baseline-my-release"),
                            List.of("get", "patch", "delete")),
                        org.assertj.core.groups.Tuple.tuple(List.of(), List.of("create")));
    }

    @Test
    void the_fleet_overlay_binds_a_cluster_role_without_wildcards_configmaps_or_secrets_to_the_base_service_account() throws Exception {
        List<HasMetadata> objects = render("fleet");
        ServiceAccount sa = objects.stream().filter(ServiceAccount.class::isInstance).map(ServiceAccount.class::cast).findFirst()
                .orElseThrow();
        assertThat(sa.getMetadata().getNamespace()).isNotBlank();
        // The base Role and its binding stay: the intent ConfigMap is theirs, in the Job's namespace.
        Role role = objects.stream().filter(Role.class::isInstance).map(Role.class::cast).findFirst().orElseThrow();
        assertThat(role.getRules()).anySatisfy(r -> assertThat(r.getResources()).contains("configmaps"));
        assertThat(objects).filteredOn(RoleBinding.class::isInstance).hasSize(1);
        ClusterRole cr = objects.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast).findFirst().orElseThrow();
        assertThat(cr.getMetadata().getName()).isEqualTo("milvus-upgrade-fleet");
        for (PolicyRule r : cr.getRules()) {
            assertThat(Stream.of(r.getApiGroups(), r.getResources(), r.getVerbs()).flatMap(List::stream)).doesNotContain("*");
            assertThat(r.getResources())
                    .doesNotContain("secrets", "configmaps", "pods", "roles", "rolebindings", "clusterroles", "clusterrolebindings");
            // Cluster-wide it only reads: Leases, Events and patches need k8s/optional/fleet-namespace in the namespace.
            assertThat(r.getVerbs()).isSubsetOf("get", "list", "watch");
            assertThat(r.getVerbs()).doesNotContain("delete", "deletecollection", "escalate", "bind", "impersonate");
        }
        ClusterRoleBinding crb = objects.stream().filter(ClusterRoleBinding.class::isInstance).map(ClusterRoleBinding.class::cast)
                .findFirst().orElseThrow();
        assertThat(crb.getRoleRef().getKind()).isEqualTo("ClusterRole");
        assertThat(crb.getRoleRef().getName()).isEqualTo(cr.getMetadata().getName());
        // kustomize sets the subject's namespace from the overlay's: the binding names the ServiceAccount the Job runs as.
        assertThat(crb.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName()).isEqualTo(sa.getMetadata().getName());
            assertThat(s.getNamespace()).isEqualTo(sa.getMetadata().getNamespace());
        });
        assertThat(podSpecs(objects)).singleElement()
                .satisfies(p -> assertThat(p.getServiceAccountName()).isEqualTo(sa.getMetadata().getName()));
    }

    @Test
    void the_cronjob_overlay_has_a_suspended_template_and_a_scheduled_window() throws Exception {
        List<HasMetadata> objects = render("cronjob");
        assertThat(objects).noneMatch(Job.class::isInstance);
        CronJob template = objects.stream().filter(CronJob.class::isInstance).map(CronJob.class::cast)
                .filter(c -> c.getMetadata().getName().equals("milvus-upgrade")).findFirst().orElseThrow();
        assertThat(template.getSpec().getSuspend()).isTrue();
        CronJob window = objects.stream().filter(CronJob.class::isInstance).map(CronJob.class::cast)
                .filter(c -> !c.getMetadata().getName().equals("milvus-upgrade")).findFirst().orElseThrow();
        assertThat(window.getSpec().getSuspend()).isNotEqualTo(Boolean.TRUE);
        assertThat(window.getSpec().getTimeZone()).isNotBlank();
        assertThat(window.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
        assertThat(window.getSpec().getStartingDeadlineSeconds()).isPositive();
    }

    @Test
    void the_argocd_hook_runs_presync_after_its_intent_and_rbac() throws Exception {
        List<HasMetadata> objects = render("argocd-hook");
        Map<String, String> job = objects.stream().filter(Job.class::isInstance).findFirst().orElseThrow().getMetadata().getAnnotations();
        assertThat(job).containsEntry("argocd.argoproj.io/hook", "PreSync").containsKey("argocd.argoproj.io/hook-delete-policy");
        int jobWave = Integer.parseInt(job.get("argocd.argoproj.io/sync-wave"));
        for (HasMetadata o : objects) {
            if (o instanceof Job) {
                continue;
            }
            Map<String, String> a = o.getMetadata().getAnnotations();
            assertThat(a).as(o.getKind()).containsEntry("argocd.argoproj.io/hook", "PreSync");
            assertThat(Integer.parseInt(a.get("argocd.argoproj.io/sync-wave"))).as(o.getKind() + " before the Job").isLessThan(jobWave);
        }
        assertThat(objects).anyMatch(o -> o.getKind().equals("ConfigMap") && o.getMetadata().getName().equals("milvus-upgrade"));
    }

    @Test
    void the_example_intent_is_a_valid_configmap() throws Exception {
        HasMetadata cm = JSON.unmarshal(Files.readString(Path.of("k8s/examples/intent.yaml")));
        assertThat(cm.getKind()).isEqualTo("ConfigMap");
        assertThat(((io.fabric8.kubernetes.api.model.ConfigMap) cm).getData()).containsKeys("milvus", "targetVersion");
    }

    @Test
    void the_example_fleet_intent_is_a_valid_fleet_intent() throws Exception {
        HasMetadata cm = JSON.unmarshal(Files.readString(Path.of("k8s/examples/fleet-intent.yaml")));
        java.util.Map<String, String> data = ((io.fabric8.kubernetes.api.model.ConfigMap) cm).getData();
        assertThat(dev.milvusupgrade.plan.FleetIntent.isFleet(data)).isTrue();
        assertThat(dev.milvusupgrade.plan.FleetIntent.parse(data, java.time.Instant.now()))
                .isInstanceOf(dev.milvusupgrade.plan.Checked.Ok.class);
    }
}

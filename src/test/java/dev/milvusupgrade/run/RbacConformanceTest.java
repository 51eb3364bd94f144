package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.k8s.MilvusApi;
import dev.milvusupgrade.plan.LeaseNames;
import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.sim.SimulatedCluster;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every request the tool makes in the scenarios below is allowed by the Roles in k8s/, and every
 * rule of those Roles is used by some request: the RBAC is exactly what the code needs. Leases are
 * named: the base Role reads and renews only the Leases {@link LeaseNames} gives the example intent.
 * A fleet writes (Leases, Events, patches) only in namespaces that bind k8s/optional/fleet-namespace;
 * across namespaces it adds the ClusterRole of k8s/overlays/fleet, which only reads.
 */
class RbacConformanceTest {

    /** One request in RBAC terms; namespace is empty for a request across all namespaces (or of a cluster-scoped resource). */
    record Access(String namespace, String group, String resource, String verb, String name) {
        @Override
        public String toString() {
            return verb + " " + (group.isEmpty() ? "" : group + "/") + resource + (name.isEmpty() ? "" : " " + name)
                    + (namespace.isEmpty() ? " in all namespaces" : " in " + namespace);
        }
    }

    private static final Pattern PATH = Pattern.compile(
            "^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/([^/]+))?/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?(?:\\?(.*))?$");
    /** The namespaces of the fleet scenarios' Milvus clusters, other than the Job's. */
    private static final List<String> FLEET_NAMESPACES = List.of("team-a", "team-b");

    static Access access(RecordingDispatcher.Request r) {
        Matcher m = PATH.matcher(r.path());
        if (!m.matches()) {
            throw new AssertionError("request not in RBAC terms: " + r.method() + " " + r.path());
        }
        String group = Optional.ofNullable(m.group(1)).orElse("");
        String resource = m.group(3) + (m.group(5) == null ? "" : "/" + m.group(5));
        String name = Optional.ofNullable(m.group(4)).orElse("");
        String query = Optional.ofNullable(m.group(6)).orElse("");
        String verb = switch (r.method()) {
            case "GET" -> query.contains("watch=true") ? "watch" : name.isEmpty() ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name.isEmpty() ? "deletecollection" : "delete";
            default -> r.method().toLowerCase();
        };
        return new Access(Optional.ofNullable(m.group(2)).orElse(""), group, resource, verb, name);
    }

    /** The objects of the manifests under {@code dirs}, as written (kustomizations left out). */
    static <T extends HasMetadata> List<T> manifests(Class<T> kind, String... dirs) throws IOException {
        KubernetesSerialization json = new KubernetesSerialization();
        List<T> found = new ArrayList<>();
        for (String dir : dirs) {
            try (Stream<Path> files = Files.walk(Path.of(dir))) {
                for (Path p : files.filter(f -> f.toString().endsWith(".yaml") && !f.getFileName().toString().startsWith("kustomization"))
                        .toList()) {
                    Object parsed = json.unmarshal(Files.readString(p));
                    List<HasMetadata> items = parsed instanceof KubernetesList l ? l.getItems()
                            : parsed instanceof List<?> list ? list.stream().map(HasMetadata.class::cast).toList()
                            : parsed instanceof HasMetadata h ? List.of(h) : List.of();
                    items.stream().filter(kind::isInstance).map(kind::cast).forEach(found::add);
                }
            }
        }
        return found;
    }

    static List<Role> roles() throws IOException {
        // The default install's Role and the optional readers; the overlays only annotate them (the fleet overlay adds a ClusterRole).
        return manifests(Role.class, "k8s/base", "k8s/optional/operator-version-reader", "k8s/optional/milvus-auth-secret-reader");
    }

    /** k8s/optional/fleet-namespace: what a fleet writes in a namespace that binds it. */
    static Role memberRole() throws IOException {
        List<Role> found = manifests(Role.class, "k8s/optional/fleet-namespace");
        assertThat(found).extracting(r -> r.getMetadata().getName()).containsExactly("milvus-upgrade-fleet-member");
        assertThat(found.get(0).getMetadata().getNamespace()).as("bound per namespace with kubectl -n").isNull();
        return found.get(0);
    }

    /** The member Role as installed in {@code namespace}. */
    static Role memberRoleIn(String namespace) throws IOException {
        Role r = memberRole();
        r.getMetadata().setNamespace(namespace);
        return r;
    }

    /** The example intent's data (k8s/examples/intent.yaml), whose Lease names the base Role must carry. */
    static io.fabric8.kubernetes.api.model.ConfigMap exampleIntent() throws IOException {
        return manifests(io.fabric8.kubernetes.api.model.ConfigMap.class, "k8s/examples").stream()
                .filter(c -> c.getData().containsKey("milvus")).findFirst().orElseThrow();
    }

    static Role baseRole() throws IOException {
        return manifests(Role.class, "k8s/base").stream().filter(r -> r.getMetadata().getName().equals("milvus-upgrade")).findFirst()
                .orElseThrow();
    }

    static ClusterRole fleetClusterRole() throws IOException {
        assertThat(manifests(Role.class, "k8s/overlays/fleet")).as("the fleet overlay adds no Role").isEmpty();
        List<ClusterRole> found = manifests(ClusterRole.class, "k8s/overlays/fleet");
        assertThat(found).extracting(r -> r.getMetadata().getName()).containsExactly("milvus-upgrade-fleet");
        return found.get(0);
    }

    static boolean allows(PolicyRule rule, Access a) {
        return rule.getApiGroups().contains(a.group()) && rule.getResources().contains(a.resource()) && rule.getVerbs().contains(a.verb())
                && (rule.getResourceNames() == null || rule.getResourceNames().isEmpty() || rule.getResourceNames().contains(a.name()));
    }

    /** The Role namespace placeholder: the base Role applies in the Milvus namespace, the operator one in milvus-operator. */
    static boolean inScope(Role role, Access a) {
        String ns = role.getMetadata().getNamespace();
        return !a.namespace().isEmpty()
                && (ns == null || ns.isEmpty() ? !"milvus-operator".equals(a.namespace()) : ns.equals(a.namespace()));
    }

    /**
     * For a fleet, whose Job (and intent) live in {@link ScenarioCluster#NS}: a Role without a namespace is installed
     * there only (k8s/base, the auth-secret reader); the operator-version reader in its own namespace.
     */
    static boolean inJobNamespaceScope(Role role, Access a) {
        String ns = role.getMetadata().getNamespace();
        return a.namespace().equals(ns == null || ns.isEmpty() ? ScenarioCluster.NS : ns);
    }

    static boolean allowedByRoles(List<Role> roles, Access a) {
        return roles.stream().anyMatch(role -> inJobNamespaceScope(role, a) && role.getRules().stream().anyMatch(rule -> allows(rule, a)));
    }

    /** Seeds a Milvus on 2.5.4 with four coordinators, labelled fleet={@code fleet}. */
    private static void seedLabelled(ScenarioCluster c, String ns, String name, String fleet) {
        GenericKubernetesResource m = SimulatedCluster.milvusResource(ns, name, "milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS, "pulsar");
        m.getMetadata().setLabels(Map.of("fleet", fleet));
        SimulatedCluster.seedMilvus(c.client, m, Duration.ofSeconds(20));
    }

    @SuppressWarnings("unchecked")
    private static String image(ScenarioCluster c, String ns, String name) {
        GenericKubernetesResource m = c.client.genericKubernetesResources(MilvusApi.MILVUS).inNamespace(ns).withName(name).get();
        return (String) ((Map<String, Object>) ((Map<String, Object>) m.getAdditionalProperties().get("spec")).get("components"))
                .get("image");
    }

    private static Map<String, String> fleetIntent(String... more) {
        Map<String, String> d = new LinkedHashMap<>(Map.of("selector", "fleet=yes", "targetVersion", "v2.6.4", "dataCheck", "off",
                "stageTimeout", "1m", "canary", "1", "maxConcurrent", "2"));
        for (int i = 0; i < more.length; i += 2) {
            d.put(more[i], more[i + 1]);
        }
        return d;
    }

    /**
     * A fleet without {@code namespaces}: three clusters in two namespaces other than the Job's (and one the selector
     * leaves out), upgraded canary first, then planned again.
     */
    private static Set<Access> exerciseFleetAcrossNamespaces() {
        Set<Access> seen = new LinkedHashSet<>();
        try (ScenarioCluster c = ScenarioCluster.start()) {
            seedLabelled(c, "team-a", "m1", "yes");
            seedLabelled(c, "team-a", "m2", "yes");
            seedLabelled(c, "team-b", "m1", "yes");
            seedLabelled(c, "team-b", "other", "no");
            c.intent(fleetIntent());
            Fleet.Report report = c.runner().runFleet(ScenarioCluster.NS, ScenarioCluster.INTENT);
            assertThat(report.record().phase()).as(String.join("\n", c.log)).isEqualTo(Phase.Succeeded);
            assertThat(image(c, "team-b", "m1")).isEqualTo("milvusdb/milvus:v2.6.4");
            assertThat(image(c, "team-b", "other")).isEqualTo("milvusdb/milvus:v2.5.4");
            assertThat(c.runner().planFleet(ScenarioCluster.NS, ScenarioCluster.INTENT).record().phase()).isEqualTo(Phase.Planned);
            c.toolRequests().forEach(r -> seen.add(access(r)));
        }
        return seen;
    }

    /** A fleet with {@code namespaces} listed: per-namespace informers, no request across all namespaces. */
    private static Set<Access> exerciseFleetInListedNamespaces() {
        Set<Access> seen = new LinkedHashSet<>();
        try (ScenarioCluster c = ScenarioCluster.start()) {
            seedLabelled(c, "team-a", "m1", "yes");
            seedLabelled(c, "team-b", "m1", "yes");
            seedLabelled(c, "team-c", "m1", "yes");
            c.intent(fleetIntent("namespaces", String.join(",", FLEET_NAMESPACES)));
            Fleet.Report report = c.runner().runFleet(ScenarioCluster.NS, ScenarioCluster.INTENT);
            assertThat(report.record().phase()).as(String.join("\n", c.log)).isEqualTo(Phase.Succeeded);
            assertThat(image(c, "team-b", "m1")).isEqualTo("milvusdb/milvus:v2.6.4");
            assertThat(image(c, "team-c", "m1")).isEqualTo("milvusdb/milvus:v2.5.4");
            c.toolRequests().forEach(r -> seen.add(access(r)));
        }
        return seen;
    }

    /** A fleet with {@code namespaces} the Job's own: two clusters there; a matching cluster elsewhere is not the fleet's. */
    private static Set<Access> exerciseFleetInJobNamespace() {
        Set<Access> seen = new LinkedHashSet<>();
        try (ScenarioCluster c = ScenarioCluster.start()) {
            seedLabelled(c, ScenarioCluster.NS, "m1", "yes");
            seedLabelled(c, ScenarioCluster.NS, "m2", "yes");
            seedLabelled(c, "team-a", "m1", "yes");
            c.intent(fleetIntent("namespaces", ScenarioCluster.NS));
            Fleet.Report report = c.runner().runFleet(ScenarioCluster.NS, ScenarioCluster.INTENT);
            assertThat(report.record().phase()).as(String.join("\n", c.log)).isEqualTo(Phase.Succeeded);
            assertThat(image(c, ScenarioCluster.NS, "m2")).isEqualTo("milvusdb/milvus:v2.6.4");
            assertThat(image(c, "team-a", "m1")).isEqualTo("milvusdb/milvus:v2.5.4");
            c.toolRequests().forEach(r -> seen.add(access(r)));
        }
        return seen;
    }

    private static Set<Access> exercise() {
        Set<Access> seen = new LinkedHashSet<>();
        // A full two-stage upgrade, then a rerun that finds nothing to do, then a plan.
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            // Authentication on: the Secret the optional milvus-auth-secret-reader lets the tool read.
            c.data.requireToken("t");
            c.client.secrets().inNamespace(ScenarioCluster.NS).resource(new SecretBuilder().withNewMetadata().withName("milvus-auth")
                    .withNamespace(ScenarioCluster.NS).endMetadata().addToData("token", "dA==").build()).create();
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m", "milvusAuthSecret",
                    "milvus-auth"));
            assertThat(c.run().record().phase()).isEqualTo(Phase.Succeeded);
            assertThat(c.run().record().phase()).isEqualTo(Phase.NoOp);
            c.runner().plan(ScenarioCluster.NS, ScenarioCluster.INTENT);
            c.toolRequests().forEach(r -> seen.add(access(r)));
        }
        // A refusal, and a run that finds the Lease of a dead holder.
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.6.4", Layout.MIXCOORD);
            c.client.leases().inNamespace(ScenarioCluster.NS)
                    .resource(new LeaseBuilder().withNewMetadata().withName("milvus-upgrade-my-release")
                    .withNamespace(ScenarioCluster.NS).endMetadata().withNewSpec().withHolderIdentity("dead/0").withLeaseDurationSeconds(1)
                    .withRenewTime(ZonedDateTime.now().minusHours(1)).endSpec().build()).create();
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.2"));
            assertThat(c.run().record().phase()).isEqualTo(Phase.Rejected);
            c.toolRequests().forEach(r -> seen.add(access(r)));
        }
        // A baseline too large for the Lease, kept in the ConfigMap milvus-upgrade-baseline-<milvus>: one an earlier, failed
        // upgrade left behind replaced, read by the rerun after a crash, deleted on success; and one created.
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            Runner.Settings s = c.settings;
            c.settings = s.withBaselineLeaseBudget(0);
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));
            assertThat(c.run().record().phase()).as(String.join("\n", c.log)).isEqualTo(Phase.Succeeded);
            c.toolRequests().forEach(r -> seen.add(access(r)));
        }
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.5.4", Layout.FOUR_COORDS);
            Runner.Settings s = c.settings;
            c.settings = s.withBaselineLeaseBudget(0);
            c.client.configMaps().inNamespace(ScenarioCluster.NS).resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("milvus-upgrade-baseline-" + ScenarioCluster.RELEASE).withNamespace(ScenarioCluster.NS).endMetadata().build())
                        .create();
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m"));
            c.killAt(Checkpoint.BETWEEN_STAGES, "mixcoord-2.5.16");
            assertThat(c.run().record().phase()).as(String.join("\n", c.log)).isEqualTo(Phase.Succeeded);
            c.toolRequests().forEach(r -> seen.add(access(r)));
        }
        return seen;
    }

    @Test
    void every_request_is_allowed_and_every_rule_is_used() throws IOException {
        List<Role> roles = roles();
        assertThat(roles).as("Roles under k8s/").isNotEmpty();
        Set<Access> seen = exercise();

        for (Access a : seen) {
            assertThat(roles.stream().anyMatch(role -> inScope(role, a) && role.getRules().stream().anyMatch(rule -> allows(rule, a))))
                    .as("allowed by a Role in k8s/: " + a).isTrue();
        }
        for (Role role : roles) {
            for (PolicyRule rule : role.getRules()) {
                for (String verb : rule.getVerbs()) {
                    for (String resource : rule.getResources()) {
                        assertThat(seen.stream().anyMatch(a -> inScope(role, a) && a.verb().equals(verb) && a.resource().equals(resource)
                                && rule.getApiGroups().contains(a.group())))
                                .as("rule of Role " + role.getMetadata().getName() + " used by some request: " + verb + " " + resource)
                                .isTrue();
                    }
                }
            }
        }
    }

    @Test
    void the_base_role_reads_and_renews_only_the_leases_the_code_names_for_its_intent() throws IOException {
        Role base = baseRole();
        io.fabric8.kubernetes.api.model.ConfigMap intent = exampleIntent();
        List<PolicyRule> leaseRules = base.getRules().stream().filter(r -> r.getResources().contains("leases")).toList();
        // create cannot be limited by name in Kubernetes RBAC (the name is in the body): a rule of its own, create only.
        assertThat(leaseRules).filteredOn(r -> r.getResourceNames() == null || r.getResourceNames().isEmpty())
                .singleElement().satisfies(r -> assertThat(r.getVerbs()).containsExactly("create"));
        assertThat(leaseRules).filteredOn(r -> r.getResourceNames() != null && !r.getResourceNames().isEmpty()).singleElement()
                .satisfies(r -> assertThat(r.getResourceNames()).as("the Leases of the example intent " + intent.getMetadata().getName())
                        .containsExactlyInAnyOrder(LeaseNames.milvus(intent.getData().get("milvus")),
                            LeaseNames.fleet(intent.getMetadata().getName())));
        // And what the code does with them: every Lease request of a single-cluster run is create, or names one of them.
        Set<Access> seen = exercise();
        assertThat(seen).filteredOn(a -> a.resource().equals("leases")).isNotEmpty()
                .allSatisfy(a -> assertThat(base.getRules().stream().anyMatch(rule -> allows(rule, a))).as(a.toString()).isTrue())
                .filteredOn(a -> !a.verb().equals("create")).extracting(Access::name)
                .containsOnly(LeaseNames.milvus(ScenarioCluster.RELEASE));
        // Nowhere in k8s/ may any other rule touch Leases or Events cluster-wide.
        assertThat(fleetClusterRole().getRules())
                .noneMatch(r -> r.getResources().contains("leases") || r.getResources().contains("events"));
    }

    @Test
    void a_fleet_across_namespaces_writes_only_where_the_member_role_is_bound_and_reads_the_rest_cluster_wide() throws IOException {
        List<Role> roles = new ArrayList<>(roles());
        for (String ns : FLEET_NAMESPACES) {
            roles.add(memberRoleIn(ns));
        }
        ClusterRole fleet = fleetClusterRole();
        Set<Access> seen = exerciseFleetAcrossNamespaces();
        assertThat(seen).as("the fleet found its clusters with one list across all namespaces")
                .contains(new Access("", "milvus.io", "milvuses", "list", ""));
        assertThat(seen).extracting(Access::namespace).containsAll(FLEET_NAMESPACES);
        assertThat(seen).as("the fleet's own Lease, by the name the base Role carries")
                .contains(new Access(ScenarioCluster.NS, "coordination.k8s.io", "leases", "get", LeaseNames.fleet(ScenarioCluster.INTENT)));

        for (Access a : seen) {
            assertThat(allowedByRoles(roles, a) || fleet.getRules().stream().anyMatch(rule -> allows(rule, a)))
                    .as("allowed by the Roles in the Job's namespace " + ScenarioCluster.NS + ", the member Role in " + FLEET_NAMESPACES
                            + " or ClusterRole " + fleet.getMetadata().getName() + ": " + a).isTrue();
        }
        // The ClusterRole only reads: no Lease, Event or patch cluster-wide.
        assertThat(fleet.getRules()).allSatisfy(r -> assertThat(r.getVerbs()).isSubsetOf("get", "list", "watch"));
        // Exactly: every rule of the ClusterRole is used by a request that none of the Roles allows.
        for (PolicyRule rule : fleet.getRules()) {
            for (String verb : rule.getVerbs()) {
                for (String resource : rule.getResources()) {
                    assertThat(seen.stream().anyMatch(a -> a.verb().equals(verb) && a.resource().equals(resource) && allows(rule, a)
                            && !allowedByRoles(roles, a)))
                            .as("rule of ClusterRole " + fleet.getMetadata().getName() + " used by a request no Role allows: " + verb + " "
                                + resource)
                            .isTrue();
                }
            }
        }
        // The intent ConfigMap stays with the base Role, in the Job's namespace.
        assertThat(fleet.getRules()).noneMatch(r -> r.getResources().contains("configmaps") || r.getResources().contains("secrets"));
    }

    @Test
    void a_fleet_in_listed_namespaces_needs_no_cluster_role_and_uses_every_rule_of_the_member_role() throws IOException {
        List<Role> roles = new ArrayList<>(roles());
        Role member = memberRole();
        for (String ns : FLEET_NAMESPACES) {
            roles.add(memberRoleIn(ns));
        }
        Set<Access> seen = exerciseFleetInListedNamespaces();
        assertThat(seen).extracting(Access::namespace).as("nothing across all namespaces, nothing in team-c").doesNotContain("", "team-c");
        for (Access a : seen) {
            assertThat(allowedByRoles(roles, a))
                    .as("allowed by the base Role in " + ScenarioCluster.NS + " or the member Role in " + FLEET_NAMESPACES
                    + ": " + a).isTrue();
        }
        for (PolicyRule rule : member.getRules()) {
            for (String verb : rule.getVerbs()) {
                for (String resource : rule.getResources()) {
                    assertThat(seen.stream().anyMatch(a -> FLEET_NAMESPACES.contains(a.namespace()) && a.verb().equals(verb)
                            && a.resource().equals(resource)
                            && rule.getApiGroups().contains(a.group())))
                            .as("rule of Role " + member.getMetadata().getName() + " used by some request: " + verb + " " + resource)
                            .isTrue();
                }
            }
        }
    }

    @Test
    void a_fleet_within_the_jobs_namespace_needs_the_base_role_and_the_member_role_there() throws IOException {
        Role base = baseRole();
        List<Role> operatorReader = roles().stream().filter(r -> "milvus-operator".equals(r.getMetadata().getNamespace())).toList();
        Set<Access> seen = exerciseFleetInJobNamespace();
        assertThat(seen).contains(new Access(ScenarioCluster.NS, "coordination.k8s.io", "leases", "patch", LeaseNames.milvus("m1")));

        for (Access a : seen) {
            // The operator-version reader stays optional, as for one cluster.
            assertThat(allowedByRoles(List.of(base, memberRoleIn(ScenarioCluster.NS)), a) || allowedByRoles(operatorReader, a))
                    .as("allowed by Role " + base.getMetadata().getName() + " or the member Role in " + ScenarioCluster.NS + ": " + a)
                    .isTrue();
        }
        // Without the member Role, the base Role alone reaches no cluster's Lease but the named ones.
        assertThat(seen).filteredOn(a -> a.resource().equals("leases") && a.name().equals(LeaseNames.milvus("m1")))
                .noneMatch(a -> allowedByRoles(List.of(base), a));
    }
}

package dev.milvusupgrade.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.milvusupgrade.plan.Phase;
import dev.milvusupgrade.sim.SimulatedCluster.Layout;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
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
 * rule of those Roles is used by some request: the RBAC is exactly what the code needs.
 */
class RbacConformanceTest {

    /** One request in RBAC terms. */
    record Access(String namespace, String group, String resource, String verb, String name) {
        @Override
        public String toString() {
            return verb + " " + (group.isEmpty() ? "" : group + "/") + resource + (name.isEmpty() ? "" : " " + name) + " in " + namespace;
        }
    }

    private static final Pattern PATH = Pattern.compile("^/(?:api/v1|apis/([^/]+)/[^/]+)/namespaces/([^/]+)/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?(?:\\?(.*))?$");

    static Access access(RecordingDispatcher.Request r) {
        Matcher m = PATH.matcher(r.path());
        if (!m.matches()) {
            throw new AssertionError("request outside any namespace: " + r.method() + " " + r.path());
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
        return new Access(m.group(2), group, resource, verb, name);
    }

    static List<Role> roles() throws IOException {
        KubernetesSerialization json = new KubernetesSerialization();
        List<Role> roles = new ArrayList<>();
        // The default install's Role and the optional operator-version reader; overlays only annotate them.
        try (var files = Stream.concat(Files.walk(Path.of("k8s/base")), Files.walk(Path.of("k8s/optional")))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".yaml") && !f.getFileName().toString().startsWith("kustomization")).toList()) {
                Object parsed = json.unmarshal(Files.readString(p));
                List<HasMetadata> items = parsed instanceof KubernetesList l ? l.getItems()
                        : parsed instanceof List<?> list ? list.stream().map(HasMetadata.class::cast).toList()
                        : parsed instanceof HasMetadata h ? List.of(h) : List.of();
                items.stream().filter(Role.class::isInstance).map(Role.class::cast).forEach(roles::add);
            }
        }
        return roles;
    }

    static boolean allows(PolicyRule rule, Access a) {
        return rule.getApiGroups().contains(a.group()) && rule.getResources().contains(a.resource()) && rule.getVerbs().contains(a.verb())
                && (rule.getResourceNames() == null || rule.getResourceNames().isEmpty() || rule.getResourceNames().contains(a.name()));
    }

    /** The Role namespace placeholder: the base Role applies in the Milvus namespace, the operator one in milvus-operator. */
    static boolean inScope(Role role, Access a) {
        String ns = role.getMetadata().getNamespace();
        return ns == null || ns.isEmpty() ? !"milvus-operator".equals(a.namespace()) : ns.equals(a.namespace());
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
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.4", "stageTimeout", "1m", "milvusAuthSecret", "milvus-auth"));
            assertThat(c.run().record().phase()).isEqualTo(Phase.Succeeded);
            assertThat(c.run().record().phase()).isEqualTo(Phase.NoOp);
            c.runner().plan(ScenarioCluster.NS, ScenarioCluster.INTENT);
            c.toolRequests().forEach(r -> seen.add(access(r)));
        }
        // A refusal, and a run that finds the Lease of a dead holder.
        try (ScenarioCluster c = ScenarioCluster.start()) {
            c.seed("milvusdb/milvus:v2.6.4", Layout.MIXCOORD);
            c.client.leases().inNamespace(ScenarioCluster.NS).resource(new LeaseBuilder().withNewMetadata().withName("milvus-upgrade-my-release")
                    .withNamespace(ScenarioCluster.NS).endMetadata().withNewSpec().withHolderIdentity("dead/0").withLeaseDurationSeconds(15)
                    .withRenewTime(ZonedDateTime.now().minusHours(1)).endSpec().build()).create();
            c.intent(Map.of("milvus", ScenarioCluster.RELEASE, "targetVersion", "v2.6.2"));
            assertThat(c.run().record().phase()).isEqualTo(Phase.Rejected);
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
                                .as("rule of Role " + role.getMetadata().getName() + " used by some request: " + verb + " " + resource).isTrue();
                    }
                }
            }
        }
    }
}

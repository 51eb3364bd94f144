package dev.milvusupgrade.k8s;

import dev.milvusupgrade.plan.ClusterSnapshot;
import dev.milvusupgrade.plan.ClusterSnapshot.ComponentDeployment;
import dev.milvusupgrade.plan.ClusterSnapshot.ComponentStatus;
import dev.milvusupgrade.plan.ClusterSnapshot.Condition;
import dev.milvusupgrade.plan.ClusterSnapshot.DeployState;
import dev.milvusupgrade.plan.ClusterSnapshot.MilvusStatus;
import dev.milvusupgrade.plan.ClusterSnapshot.OperatorVersion;
import dev.milvusupgrade.plan.ClusterSnapshot.SpecSettings;
import dev.milvusupgrade.plan.Component;
import dev.milvusupgrade.plan.Text;
import dev.milvusupgrade.plan.WorkloadSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** Reads the fields the plan needs out of the API objects; the only place that knows their shape. */
public final class SnapshotMapper {

    private SnapshotMapper() {
    }

    public static ClusterSnapshot toSnapshot(GenericKubernetesResource milvus, List<Deployment> deployments,
            OperatorVersion operator) {
        Map<String, Object> spec = map(milvus.getAdditionalProperties().get("spec"));
        Map<String, Object> components = map(spec.get("components"));
        Map<String, Object> dependencies = map(spec.get("dependencies"));
        Set<Component> present = EnumSet.noneOf(Component.class);
        components.forEach((k, v) -> {
            if (v instanceof Map<?, ?>) {
                Component.ofSpecKey(k).ifPresent(present::add);
            }
        });
        Map<String, String> annotations = Optional.ofNullable(milvus.getMetadata().getAnnotations()).orElse(Map.of());
        return new ClusterSnapshot(
                milvus.getMetadata().getNamespace(),
                milvus.getMetadata().getName(),
                Objects.toString(milvus.getMetadata().getResourceVersion(), ""),
                Optional.ofNullable(milvus.getMetadata().getGeneration()).orElse(0L),
                str(spec.get("mode"), "standalone"),
                str(components.get("image"), ""),
                Optional.of(str(components.get("version"), "")).filter(s -> !s.isBlank()),
                present,
                components.get("streamingMode") instanceof Boolean b ? Optional.of(b) : Optional.empty(),
                str(dependencies.get("msgStreamType"), ""),
                "true".equals(annotations.get("milvus.io/pause-reconcile")),
                imageFieldManager(milvus.getMetadata().getManagedFields()),
                status(map(milvus.getAdditionalProperties().get("status"))),
                deployments.stream().map(SnapshotMapper::deployment).flatMap(Optional::stream).toList(),
                operator,
                settings(components).withWorkloads(workloads(components, map(spec.get("config")))));
    }

    /** StatefulSet mode, HPA, rollingUpdate (FACTS §9.2-§9.4) and spec.config's Pulsar producer mode (§9.9). */
    static WorkloadSettings workloads(Map<String, Object> components, Map<String, Object> config) {
        Set<Component> statefulSet = EnumSet.noneOf(Component.class);
        Set<Component> hpa = EnumSet.noneOf(Component.class);
        Map<Component, WorkloadSettings.RollingUpdate> rolling = new EnumMap<>(Component.class);
        components.forEach((k, v) -> Component.ofSpecKey(k).ifPresent(c -> {
            Map<String, Object> spec = map(v);
            if (Boolean.TRUE.equals(map(spec.get("statefulSet")).get("enabled"))) {
                statefulSet.add(c);
            }
            if (spec.get("hpa") instanceof Map<?, ?>) {
                hpa.add(c);
            }
            if (spec.get("rollingUpdate") instanceof Map<?, ?>) {
                Map<String, Object> ru = map(spec.get("rollingUpdate"));
                rolling.put(c, new WorkloadSettings.RollingUpdate(str(ru.get("maxSurge"), ""), str(ru.get("maxUnavailable"), "")));
            }
        }));
        Object mode = map(config.get("pulsar")).get("producerAccessMode");
        return new WorkloadSettings(statefulSet, hpa, rolling, Optional.ofNullable(mode).map(Object::toString));
    }

    /** The spec switches that decide whether and how the operator rolls (FACTS §8.1, §8.3, §8.4, §8.6). */
    static SpecSettings settings(Map<String, Object> components) {
        Set<Component> paused = EnumSet.noneOf(Component.class);
        Map<Component, String> images = new EnumMap<>(Component.class);
        Map<Component, Integer> replicas = new EnumMap<>(Component.class);
        components.forEach((k, v) -> Component.ofSpecKey(k).ifPresent(c -> {
            Map<String, Object> spec = map(v);
            if (Boolean.TRUE.equals(spec.get("paused"))) {
                paused.add(c);
            }
            if (spec.get("image") != null && !str(spec.get("image"), "").isBlank()) {
                images.put(c, str(spec.get("image"), ""));
            }
            if (spec.get("replicas") instanceof Number n) {
                replicas.put(c, n.intValue());
            }
        }));
        return new SpecSettings((int) num(Optional.ofNullable(components.get("rollingMode")).orElse(2)),
                components.get("enableRollingUpdate") instanceof Boolean b ? Optional.of(b) : Optional.empty(),
                str(components.get("imageUpdateMode"), ""),
                Boolean.TRUE.equals(components.get("paused")),
                paused,
                Boolean.TRUE.equals(components.get("enableManualMode")),
                images,
                replicas);
    }

    /** The longest condition reason kept (the operator's reasons are CamelCase words). */
    static final int REASON = 128;

    static MilvusStatus status(Map<String, Object> st) {
        Map<String, Condition> byType = new HashMap<>();
        if (st.get("conditions") instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> c = map(o);
                // The operator's words (often an error of etcd, storage or the message queue) bounded where they are read.
                byType.put(str(c.get("type"), ""), new Condition(str(c.get("status"), ""), Text.oneLine(str(c.get("reason"), ""), REASON),
                        Text.oneLine(str(c.get("message"), ""), Text.MAX_FIELD), instant(c.get("lastTransitionTime"))));
            }
        }
        Map<String, Condition> dependencies = new HashMap<>();
        MilvusStatus.DEPENDENCY_CONDITIONS.forEach(t -> Optional.ofNullable(byType.get(t)).ifPresent(c -> dependencies.put(t, c)));
        Map<Component, ComponentStatus> comps = new EnumMap<>(Component.class);
        map(st.get("componentsDeployStatus")).forEach((k, v) -> Component.ofStatusKey(k).ifPresent(c -> {
            Map<String, Object> entry = map(v);
            Map<String, Object> ds = map(entry.get("status"));
            String progStatus = "";
            String progReason = "";
            if (ds.get("conditions") instanceof List<?> dcs) {
                for (Object o : dcs) {
                    Map<String, Object> dc = map(o);
                    if ("Progressing".equals(dc.get("type"))) {
                        progStatus = str(dc.get("status"), "");
                        progReason = str(dc.get("reason"), "");
                    }
                }
            }
            DeployState state = DeployState.of(num(entry.get("generation")), num(ds.get("observedGeneration")), progStatus, progReason);
            comps.put(c, new ComponentStatus(str(entry.get("image"), ""), state, (int) num(ds.get("replicas")),
                    (int) num(ds.get("readyReplicas"))));
        }));
        return new MilvusStatus(str(st.get("status"), ""), num(st.get("observedGeneration")),
                byType.getOrDefault("MilvusReady", Condition.ABSENT), byType.getOrDefault("MilvusUpdated", Condition.ABSENT),
                str(st.get("currentImage"), ""), str(st.get("currentVersion"), ""), comps, dependencies);
    }

    private static Optional<Instant> instant(Object o) {
        try {
            return o == null ? Optional.empty() : Optional.of(Instant.parse(o.toString()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    static Optional<ComponentDeployment> deployment(Deployment d) {
        Map<String, String> labels = Optional.ofNullable(d.getMetadata().getLabels()).orElse(Map.of());
        return Optional.ofNullable(labels.get(MilvusApi.LABEL_COMPONENT)).flatMap(Component::ofStatusKey).map(c -> {
            List<Container> containers = d.getSpec() == null || d.getSpec().getTemplate() == null
                    || d.getSpec().getTemplate().getSpec() == null ? List.of() : d.getSpec().getTemplate().getSpec().getContainers();
            String image = containers.stream().filter(k -> c.statusKey().equals(k.getName())).findFirst()
                    .or(() -> containers.stream().findFirst()).map(Container::getImage).orElse("");
            int replicas = d.getSpec() == null || d.getSpec().getReplicas() == null ? 0 : d.getSpec().getReplicas();
            int ready = d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
            return new ComponentDeployment(d.getMetadata().getName(), c, image, replicas, ready);
        });
    }

    /** The manager that last wrote spec.components.image, from managedFields. */
    static Optional<String> imageFieldManager(List<ManagedFieldsEntry> entries) {
        if (entries == null) {
            return Optional.empty();
        }
        return entries.stream()
                .filter(e -> e.getFieldsV1() != null && writesImage(e.getFieldsV1().getAdditionalProperties()))
                .max(Comparator.comparing(e -> Objects.toString(e.getTime(), "")))
                .map(e -> e.getManager() + (e.getOperation() == null ? "" : " (" + e.getOperation() + ")"));
    }

    private static boolean writesImage(Map<String, Object> fields) {
        return map(map(map(fields).get("f:spec")).get("f:components")).containsKey("f:image");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    static String str(Object o, String dflt) {
        return o == null ? dflt : o.toString();
    }

    static long num(Object o) {
        if (o instanceof Number n) {
            return n.longValue();
        }
        try {
            return o == null ? 0 : Long.parseLong(o.toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}

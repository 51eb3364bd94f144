package dev.milvusupgrade.plan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Rules for the workload layouts of newer Milvus Operators (FACTS §9.2-§9.4) and the Pulsar WAL
 * producer change (FACTS §9.9): refusals where the tool or the operator cannot finish, warnings in
 * the plan where a person must act.
 */
final class Layouts {

    /** About how long the operator takes per rollout step of a component (FACTS §9.3, milvus-operator#470: ~30 s a step). */
    static final Duration STEP = Duration.ofSeconds(30);

    private Layouts() {
    }

    /** Refusals for layouts this tool or the cluster's operator cannot take through an upgrade. */
    static Optional<Rejection> refusal(ClusterSnapshot s) {
        WorkloadSettings w = s.settings().workloads();
        if (!w.statefulSet().isEmpty()) {
            // FACTS §9.2: status from StatefulSets (StatefulSetUpdating), an indexnode StatefulSet with its PVCs deleted after 2.6.
            String fields = w.statefulSet().stream().map(c -> "spec.components." + c.specKey() + ".statefulSet.enabled").sorted()
                    .collect(Collectors.joining(", "));
            return Optional.of(Rejection.of(fields + " is true (StatefulSet mode, Milvus Operator v1.3.9): this tool checks completion and"
                    + " the operator's cleanup on Deployments only, so it could not tell when that rollout ends or the indexnode"
                    + " StatefulSet is gone after 2.6", "upgrade this cluster by hand following the runbook, or run these components"
                    + " as Deployments first"));
        }
        Integer queryNodes = s.settings().replicas().get(Component.QUERYNODE);
        if (queryNodes != null && queryNodes < 0 && s.settings().rollingMode() == 2
                && s.operator() instanceof ClusterSnapshot.OperatorVersion.Known k
                && k.version().isBefore(Catalogue.USER_HPA_ROLLOUT_OPERATOR)) {
            // FACTS §9.4: before #458 (v1.3.6) deploy_ctrl_util.go waits for the old querynode group to scale down,
            // which a user's HPA never does.
            return Optional.of(Rejection.of("spec.components.queryNode.replicas is " + queryNodes
                    + " (a user-managed HPA) and Milvus Operator "
                    + k.version() + " never finishes a two-Deployment querynode rollout with it: it waits for the old group to scale"
                    + " down (milvus-operator#469; fixed by #458 in " + Catalogue.USER_HPA_ROLLOUT_OPERATOR + ")",
                    "upgrade the operator to " + Catalogue.USER_HPA_ROLLOUT_OPERATOR + " or later with helm, or set queryNode.replicas"
                    + " to a number for the upgrade, then rerun"));
        }
        return Optional.empty();
    }

    /** What a person must know about the layout before the run. */
    static List<String> warnings(ClusterSnapshot s, Version running, Version target, Catalogue catalogue, Duration stageTimeout) {
        List<String> out = new ArrayList<>();
        WorkloadSettings w = s.settings().workloads();
        Integer queryNodes = s.settings().replicas().get(Component.QUERYNODE);
        if (queryNodes != null && queryNodes < 0 && s.settings().rollingMode() == 2) {
            // FACTS §9.4 and deploy_ctrl_util.go planScaleForHPA (v1.3.6+): the new group is scaled to the old one's count,
            // the old one to 0.
            out.add("queryNode.replicas is -1 (a user-managed HPA): the rollout moves the query nodes to the other of "
                    + s.name() + "-milvus-querynode-0/-1 and scales the old one to 0; after each stage point the HPA's"
                    + " scaleTargetRef at the"
                    + " Deployment named by the annotation milvus.io/querynode-current-group-id on the Milvus resource (an HPA on a"
                    + " Deployment at 0 replicas does nothing)"
                    + (s.operator() instanceof ClusterSnapshot.OperatorVersion.Known ? ""
                            : "; the operator must be " + Catalogue.USER_HPA_ROLLOUT_OPERATOR
                            + " or later, or the rollout never ends (#469)"));
        }
        if (!w.operatorHpa().isEmpty()) {
            out.add(w.operatorHpa().stream().map(Component::specKey).sorted().collect(Collectors.joining(", "))
                    + " has an operator-managed hpa: the operator deletes it for the rollout and re-creates it after"
                    + " (milvus-operator#469)");
        }
        rolloutTime(s, stageTimeout).ifPresent(out::add);
        String mq = s.msgStreamType().isEmpty() ? "pulsar" : s.msgStreamType().toLowerCase();
        if ("pulsar".equals(mq) && catalogue.carries(target, Release.PULSAR_EXCLUSIVE_PRODUCER)
                && !catalogue.carries(running, Release.PULSAR_EXCLUSIVE_PRODUCER)
                && !w.pulsarProducerAccessMode().map("shared"::equalsIgnoreCase).orElse(false)) {
            out.add("the catalogue marks " + target.release()
                    + " as switching the Pulsar WAL producer from shared to exclusive (milvus-io/milvus#53540):"
                    + " it needs Pulsar 2.8.0 or later and can delay channel takeover while older streaming nodes roll;"
                    + " set spec.config.pulsar"
                    + ".producerAccessMode: shared to keep the old behaviour");
        }
        return out;
    }

    /**
     * FACTS §9.3: a per-component rollingUpdate moves replicas in batches of maxSurge plus maxUnavailable;
     * unset, one at a time. The estimate is the steps times {@link #STEP}, summed over the components.
     */
    static Optional<String> rolloutTime(ClusterSnapshot s, Duration stageTimeout) {
        Map<Component, WorkloadSettings.RollingUpdate> ru = s.settings().workloads().rollingUpdate();
        if (ru.isEmpty()) {
            return Optional.empty();
        }
        long steps = 0;
        List<String> parts = new ArrayList<>();
        for (Map.Entry<Component, Integer> e : replicas(s).entrySet()) {
            int n = e.getValue();
            WorkloadSettings.RollingUpdate r = ru.get(e.getKey());
            int batch = r == null ? 1 : Math.max(1, resolve(r.maxSurge(), n, true) + resolve(r.maxUnavailable(), n, false));
            long st = (n + batch - 1) / batch;
            steps += st;
            if (r != null) {
                parts.add(e.getKey().specKey() + " " + n + " replica(s) in batches of " + batch + " (maxSurge " + show(r.maxSurge())
                        + ", maxUnavailable " + show(r.maxUnavailable()) + ")");
            }
        }
        Duration estimate = STEP.multipliedBy(steps);
        boolean tooLong = estimate.compareTo(stageTimeout) > 0;
        return Optional.of("per-component rollingUpdate: " + String.join("; ", parts) + "; a stage takes about " + steps + " step(s), "
                + Intent.format(estimate) + " at ~30 s a step (milvus-operator#470), stageTimeout is " + Intent.format(stageTimeout)
                + (tooLong ? "; raise stageTimeout to at least " + Intent.format(estimate.multipliedBy(2)) : "")
                + (ru.values().stream().anyMatch(r -> !"0".equals(r.maxSurge().strip()) && !r.maxSurge().isBlank())
                        ? "; surged pods need free room on the nodes (milvus-operator#523)" : ""));
    }

    private static Map<Component, Integer> replicas(ClusterSnapshot s) {
        Map<Component, Integer> out = new java.util.EnumMap<>(Component.class);
        for (Component c : List.of(Component.QUERYNODE, Component.DATANODE, Component.PROXY, Component.STREAMINGNODE, Component.MIXCOORD)) {
            int spec = s.settings().replicas().getOrDefault(c, 0);
            ClusterSnapshot.ComponentStatus st = s.status().components().get(c);
            int n = Math.max(spec, st == null ? 0 : st.replicas());
            if (n > 0) {
                out.put(c, n);
            }
        }
        return out;
    }

    /** An IntOrString of Kubernetes: a count, or a percentage of {@code replicas} (surge rounds up, unavailable down). */
    static int resolve(String value, int replicas, boolean roundUp) {
        String v = value == null ? "" : value.strip();
        if (v.isEmpty()) {
            v = "25%";
        }
        try {
            if (v.endsWith("%")) {
                int pct = Integer.parseInt(v.substring(0, v.length() - 1));
                return roundUp ? (replicas * pct + 99) / 100 : replicas * pct / 100;
            }
            return Math.max(0, Integer.parseInt(v));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String show(String v) {
        return v == null || v.isBlank() ? "25% (default)" : v;
    }
}

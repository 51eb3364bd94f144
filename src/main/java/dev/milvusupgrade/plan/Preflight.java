package dev.milvusupgrade.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The preflight rules, each a small function from what was read to an optional refusal. Every
 * refusal names the problem and the fix in one line.
 */
final class Preflight {

    private Preflight() {
    }

    /** Rules that need no version: mode, operator, pinned version, the image itself. */
    static Optional<Rejection> beforeVersions(ClusterSnapshot s, List<String> warnings) {
        if ("standalone".equals(s.mode())) {
            return Optional.of(Rejection.of("Milvus " + s.qualifiedName() + " runs in standalone mode, which this tool does not upgrade",
                    "follow the standalone upgrade guide, or convert to a cluster first"));
        }
        if (s.reconcilePaused()) {
            return Optional.of(Rejection.of("Milvus " + s.qualifiedName()
                    + " has milvus.io/pause-reconcile=true, so the operator would never roll the upgrade",
                    "remove the annotation, then rerun"));
        }
        Optional<Rejection> operator = operator(s, warnings);
        if (operator.isPresent()) {
            return operator;
        }
        if (s.specVersion().isPresent()) {
            return Optional.of(Rejection.of("spec.components.version is pinned to " + s.specVersion().get()
                    + " and overrides the image tag in the operator, but this tool only patches the image",
                    "remove spec.components.version from the Milvus resource, then rerun"));
        }
        if (s.image().isBlank()) {
            return Optional.of(Rejection.of("spec.components.image is empty, so the running version is the operator's default and unknown "
                    + "here",
                    "set spec.components.image to the image the cluster runs, e.g. milvusdb/milvus:v2.5.8"));
        }
        if (ImageRef.parse(s.image()).isEmpty()) {
            return Optional.of(Rejection.of("spec.components.image '" + s.image() + "' is not an image reference",
                    "set spec.components.image to a valid image such as milvusdb/milvus:v2.5.8"));
        }
        return Optional.empty();
    }

    static Optional<Rejection> operator(ClusterSnapshot s, List<String> warnings) {
        ClusterSnapshot.OperatorVersion operator = s.operator();
        if (operator instanceof ClusterSnapshot.OperatorVersion.Known k) {
            if (k.version().isBefore(Catalogue.MIN_OPERATOR)) {
                return Optional.of(Rejection.of("Milvus Operator " + k.version() + " has no 2.6 upgrade logic (it needs "
                        + Catalogue.MIN_OPERATOR + " or later)", "upgrade the operator with helm (runbook step 1), then rerun"));
            }
            return Optional.empty();
        }
        if (operator instanceof ClusterSnapshot.OperatorVersion.Disagreeing d) {
            return Optional.of(Rejection.of("the Milvus Operator Deployment runs the image " + d.image() + " but its label "
                    + "app.kubernetes.io/version says " + d.label() + ", so its version is uncertain",
                    "make the operator's image and chart agree (helm upgrade without --reuse-values, or fix the mirror's tag), then rerun"));
        }
        ClusterSnapshot.OperatorVersion.Unknown u = (ClusterSnapshot.OperatorVersion.Unknown) operator;
        // From 1.3.0 the operator writes status.currentImage on every reconcile, before any rollout (FACTS §8.8).
        if (s.status().isReported() && s.status().currentImage().isBlank()) {
            return Optional.of(Rejection.of("Milvus " + s.qualifiedName()
                    + " has a status but no status.currentImage: the operator is older than "
                    + Catalogue.MIN_OPERATOR + " (or the CRD prunes status.currentImage) and has no 2.6 upgrade logic",
                    "upgrade the Milvus Operator and its CRD with helm to " + Catalogue.MIN_OPERATOR + " or later (runbook step 1), then rerun"));
        }
        warnings.add("could not check the Milvus Operator version (" + u.why() + "); it must be " + Catalogue.MIN_OPERATOR + " or later");
        return Optional.empty();
    }

    /**
     * Operators before 1.3.4 take everything after the first {@code :} of an image for its tag, so
     * they read {@code registry:5000/milvusdb/milvus:v2.6.4} as no version and roll the 2.6 image
     * into the 2.5 layout: indexNode kept, no streaming node, no cleanup (v1.3.3 milvus_types.go).
     */
    static Optional<Rejection> operatorReadsRepository(ClusterSnapshot.OperatorVersion operator, String repository) {
        if (repository.contains(":") && operator instanceof ClusterSnapshot.OperatorVersion.Known k
                && k.version().isBefore(Catalogue.REGISTRY_PORT_FIX_OPERATOR)) {
            return Optional.of(Rejection.of("Milvus Operator " + k.version()
                    + " misreads the version of images from a registry with a port ("
                    + repository + "): it would roll the 2.6 image into the 2.5 layout (indexNode kept, no streaming node, no cleanup)"
                    + " (fixed in " + Catalogue.REGISTRY_PORT_FIX_OPERATOR + ")",
                    "upgrade the operator to " + Catalogue.REGISTRY_PORT_FIX_OPERATOR + " or later with helm, then rerun"));
        }
        return Optional.empty();
    }

    /**
     * Spec settings under which the operator cannot finish a stage, or rolls it without the order
     * 2.5 to 2.6 needs: each refusal names the field and the fix.
     */
    static Optional<Rejection> rollout(ClusterSnapshot s, Intent intent, Version target, List<String> warnings) {
        ClusterSnapshot.SpecSettings set = s.settings();
        if (set.rollingMode() == 3) {
            // FACTS §8.1: two Deployments per component (-0/-1), which the cleanups, deleting by exact name, never remove.
            return Optional.of(Rejection.of("spec.components.rollingMode is 3 (two Deployments per component): the operator's"
                    + " coordinator and indexNode cleanups delete by exact name and never remove them, so the upgrade cannot finish",
                    "upgrade this cluster by hand following the runbook, or move it to rollingMode 2 first"));
        }
        if (!set.componentImages().isEmpty()) {
            // FACTS §8.3: a component's own image wins, but the operator compares with the global image: it never counts as updated.
            String pinned = set.componentImages().entrySet().stream()
                    .map(e -> "spec.components." + e.getKey().specKey() + ".image=" + e.getValue())
                    .sorted().collect(Collectors.joining(", "));
            return Optional.of(Rejection.of(pinned + " overrides the global image, so the operator never counts that component as updated"
                    + " and the rollout stalls behind it",
                        "remove the component's image field so it follows spec.components.image, then rerun"));
        }
        Set<String> paused = new TreeSet<>();
        if (set.paused()) {
            paused.add("spec.components.paused");
        }
        set.pausedComponents().forEach(c -> paused.add("spec.components." + c.specKey() + ".paused"));
        if (set.manualMode()) {
            paused.add("spec.components.enableManualMode");
        }
        if (!paused.isEmpty()) {
            // FACTS §8.4: paused Deployments do not roll but count as updated; manual mode updates only an idle querynode group.
            return Optional.of(Rejection.of(String.join(", ", paused) + " is true: the operator would stop rolling halfway while reporting"
                    + " the cluster updated", "set it to false (or remove it), then rerun"));
        }
        List<String> dependencies = s.status().dependenciesNotReady();
        if (!dependencies.isEmpty()) {
            // FACTS §8.5: the operator touches no Deployment unless EtcdReady, StorageReady and MsgStreamReady are all True.
            return Optional.of(Rejection.of("the operator reports " + String.join("; ", dependencies)
                    + ", and it rolls nothing until etcd, object storage and the message queue are ready",
                    "fix that dependency (kubectl describe milvus " + s.name() + "), then rerun"));
        }
        if (!set.rollsInOrder()) {
            // FACTS §8.6: rolling update off, all or force set every component's image at once; rollingDowngrade reverses the order.
            String how = set.enableRollingUpdate().orElse(true) ? "spec.components.imageUpdateMode is " + set.imageUpdateMode()
                    : "spec.components.enableRollingUpdate is false";
            if (!intent.allowUnorderedRollout()) {
                return Optional.of(Rejection.of(how + ", so the operator would not roll in the order 2.5 to 2.6 needs"
                        + " (streamingnode, mixcoord, querynode, datanode, proxy; milvus#42492)",
                        "set enableRollingUpdate to true and imageUpdateMode to rollingUpgrade, or accept the risk with the intent key "
                        + Intent.ALLOW_UNORDERED_ROLLOUT + ": \"true\""));
            }
            warnings.add(Intent.ALLOW_UNORDERED_ROLLOUT + ": " + how + ", so components roll without order (accepted by the intent)");
        }
        return messageQueue(s).or(() -> leftoverDeployments(s, target));
    }

    /** FACTS §8.12: natsmq is gone in 2.6; rocksmq and natsmq were never supported in cluster mode. */
    static Optional<Rejection> messageQueue(ClusterSnapshot s) {
        String mq = s.msgStreamType().toLowerCase();
        if ("natsmq".equals(mq) || "rocksmq".equals(mq)) {
            return Optional.of(Rejection.of("spec.dependencies.msgStreamType is " + s.msgStreamType()
                    + ", which is not supported in cluster mode"
                    + ("natsmq".equals(mq) ? " and was removed in Milvus 2.6" : ""),
                    "move the cluster to pulsar, kafka or woodpecker first (this tool never changes the message queue), then rerun"));
        }
        return Optional.empty();
    }

    /**
     * FACTS §8.2: the operator deletes coordinator Deployments only while the spec still has the
     * coordinator fields, and the indexnode only while it has indexNode; without them it never will.
     */
    static Optional<Rejection> leftoverDeployments(ClusterSnapshot s, Version target) {
        List<String> left = new ArrayList<>();
        if (!s.hasSeparateCoordinatorSpec()) {
            s.deploymentsOf(Component.SEPARATE_COORDINATORS).forEach(d -> left.add(d.name()));
        }
        if (target.isAtLeast(Catalogue.STREAMING_ERA) && !s.hasSpec(Component.INDEXNODE)) {
            s.deploymentsOf(Set.of(Component.INDEXNODE)).forEach(d -> left.add(d.name()));
        }
        if (left.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Rejection.of("Deployment(s) " + String.join(", ", left.stream().sorted().toList()) + " of Milvus "
                + s.qualifiedName()
                + " have no field in the spec, so the operator will never delete them and the upgrade could never finish",
                "delete them (kubectl -n " + s.namespace() + " delete deployment " + String.join(" ", left.stream().sorted().toList())
                + ") if nothing else uses them, then rerun"));
    }

    /** The version the spec declares: the image tag, or for a digest the status' currentVersion. */
    static Checked<Version> specVersion(ClusterSnapshot s, ImageRef image) {
        Optional<Version> tagged = image.tagVersion();
        if (tagged.isPresent()) {
            return Checked.ok(tagged.get());
        }
        if (image.tag().isEmpty() && image.digest().isPresent()) {
            Optional<Version> reported = Version.parse(s.status().currentVersion());
            if (reported.isPresent() && s.image().equals(s.status().currentImage())) {
                return Checked.ok(reported.get());
            }
            return Checked.refused("spec.components.image " + s.image() + " is pinned by digest and the status reports no version",
                    "write the image with its version tag, e.g. " + image.repository() + ":v2.5.8, then rerun");
        }
        return Checked.refused("the tag of spec.components.image " + s.image() + " is not a Milvus version",
                "use a versioned tag such as " + image.repository() + ":v2.5.8");
    }

    /** What runs now: the status' currentImage when the operator recorded one, else the spec. */
    static Version runningVersion(ClusterSnapshot s, Version declared) {
        if (s.status().currentImage().isBlank() || s.status().currentImage().equals(s.image())) {
            return declared;
        }
        return ImageRef.parse(s.status().currentImage()).flatMap(ImageRef::tagVersion).orElse(declared);
    }

    /**
     * FACTS §8.14, milvus#46980: the 2.6 defaults create one streaming node, and an upgrade from 2.5
     * puts every WAL and delegator on it, which overloads a cluster with several query nodes.
     */
    static Optional<String> singleStreamingNode(ClusterSnapshot s, Version running, Version target) {
        if (running.isAtLeast(Catalogue.STREAMING_ERA) || !target.isAtLeast(Catalogue.STREAMING_ERA)
                || s.settings().replicas().containsKey(Component.STREAMINGNODE)) {
            return Optional.empty();
        }
        int specified = s.settings().replicas().getOrDefault(Component.QUERYNODE, 0);
        ClusterSnapshot.ComponentStatus reported = s.status().components().get(Component.QUERYNODE);
        int queryNodes = Math.max(specified, reported == null ? 0 : reported.replicas());
        if (queryNodes <= 1) {
            return Optional.empty();
        }
        return Optional.of("the 2.6 stage creates a single streaming node (no spec.components.streamingNode.replicas) for " + queryNodes
                + " query nodes, and all WALs and delegators land on it (milvus#46980); set spec.components.streamingNode.replicas"
                + " before the upgrade if the load needs more");
    }

    /** The runbook's "skip step 2.2": 2.5.16 or later already runs, on mixCoord, cleaned up. */
    static boolean mixCoordBridgeDone(ClusterSnapshot s, Version running, Version bridge) {
        return running.release().isAtLeast(bridge) && s.hasSpec(Component.MIXCOORD)
                && !s.hasSeparateCoordinatorSpec()
                && s.deploymentsOf(Component.SEPARATE_COORDINATORS).isEmpty();
    }

    /**
     * A rollout may be under way only if it is our own first stage (a rerun resumes it); any other
     * image in the spec than the one running is someone else's change.
     */
    static Optional<Rejection> inFlight(ClusterSnapshot s, Version running, Stage first) {
        String runningImage = s.status().currentImage().isBlank() ? s.image() : s.status().currentImage();
        if (s.image().equals(runningImage) || s.image().equals(first.image().toString())) {
            return Optional.empty();
        }
        return Optional.of(Rejection.of("spec.components.image is " + s.image() + " but the cluster still runs " + runningImage
                + ", a rollout this plan did not start (the next stage is " + first.name() + ")",
                "let that rollout finish or set the image back to " + runningImage + ", then rerun"));
    }

    /** Before the first patch the cluster must be healthy and not rolling anything. */
    static Optional<Rejection> readyToStart(ClusterSnapshot s) {
        ClusterSnapshot.MilvusStatus st = s.status();
        if (!st.isHealthy()) {
            return Optional.of(Rejection.of("Milvus " + s.qualifiedName() + " is "
                    + (st.status().isEmpty() ? "without status" : st.status())
                    + ", not Healthy (MilvusReady " + st.ready() + (st.ready().message().isEmpty() ? "" : ": " + st.ready().message())
                    + ")",
                    "bring the cluster back to Healthy (kubectl describe milvus " + s.name() + "), then rerun"));
        }
        if (st.observedGeneration() < s.generation() || !st.updated().isTrue()) {
            return Optional.of(Rejection.of("Milvus " + s.qualifiedName() + " is still rolling out a change (MilvusUpdated " + st.updated()
                    + ", observedGeneration " + st.observedGeneration() + " of " + s.generation() + ")",
                    "wait until MilvusUpdated is True, then rerun"));
        }
        return Optional.empty();
    }
}

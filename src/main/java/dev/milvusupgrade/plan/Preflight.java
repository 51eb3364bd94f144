package dev.milvusupgrade.plan;

import java.util.List;
import java.util.Optional;

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
            return Optional.of(Rejection.of("Milvus " + s.qualifiedName() + " has milvus.io/pause-reconcile=true, so the operator would never roll the upgrade",
                    "remove the annotation, then rerun"));
        }
        Optional<Rejection> operator = operator(s.operator(), warnings);
        if (operator.isPresent()) {
            return operator;
        }
        if (s.specVersion().isPresent()) {
            return Optional.of(Rejection.of("spec.components.version is pinned to " + s.specVersion().get()
                    + " and overrides the image tag in the operator, but this tool only patches the image",
                    "remove spec.components.version from the Milvus resource, then rerun"));
        }
        if (s.image().isBlank()) {
            return Optional.of(Rejection.of("spec.components.image is empty, so the running version is the operator's default and unknown here",
                    "set spec.components.image to the image the cluster runs, e.g. milvusdb/milvus:v2.5.8"));
        }
        if (ImageRef.parse(s.image()).isEmpty()) {
            return Optional.of(Rejection.of("spec.components.image '" + s.image() + "' is not an image reference",
                    "set spec.components.image to a valid image such as milvusdb/milvus:v2.5.8"));
        }
        return Optional.empty();
    }

    static Optional<Rejection> operator(ClusterSnapshot.OperatorVersion operator, List<String> warnings) {
        if (operator instanceof ClusterSnapshot.OperatorVersion.Known k) {
            if (k.version().isBefore(Catalogue.MIN_OPERATOR)) {
                return Optional.of(Rejection.of("Milvus Operator " + k.version() + " has no 2.6 upgrade logic (it needs "
                        + Catalogue.MIN_OPERATOR + " or later)", "upgrade the operator with helm (runbook step 1), then rerun"));
            }
            return Optional.empty();
        }
        ClusterSnapshot.OperatorVersion.Unknown u = (ClusterSnapshot.OperatorVersion.Unknown) operator;
        warnings.add("could not check the Milvus Operator version (" + u.why() + "); it must be " + Catalogue.MIN_OPERATOR + " or later");
        return Optional.empty();
    }

    /** Operators before 1.3.4 misread the version of an image whose repository has a registry port. */
    static Optional<Rejection> operatorReadsRepository(ClusterSnapshot.OperatorVersion operator, String repository) {
        if (repository.contains(":") && operator instanceof ClusterSnapshot.OperatorVersion.Known k
                && k.version().isBefore(Catalogue.REGISTRY_PORT_FIX_OPERATOR)) {
            return Optional.of(Rejection.of("Milvus Operator " + k.version() + " misreads the version of images from a registry with a port ("
                    + repository + ") and would never roll a 2.6 cluster (fixed in " + Catalogue.REGISTRY_PORT_FIX_OPERATOR + ")",
                    "upgrade the operator to " + Catalogue.REGISTRY_PORT_FIX_OPERATOR + " or later with helm, then rerun"));
        }
        return Optional.empty();
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

    static Optional<Rejection> path(Version running, Version target) {
        Optional<String> unsupported = Catalogue.unsupportedSource(running);
        if (unsupported.isPresent()) {
            return Optional.of(new Rejection("the cluster runs " + unsupported.get()));
        }
        if (running.isPreRelease()) {
            return Optional.of(Rejection.of("the cluster runs the pre-release " + running + ", which cannot be upgraded in place",
                    "move to a release first, following the Milvus release notes"));
        }
        if (target.isPreRelease()) {
            return Optional.of(Rejection.of("targetVersion " + target + " is a pre-release",
                    "target a release such as " + Catalogue.targets().get(Catalogue.targets().size() - 1)));
        }
        if (running.release().isBefore(Catalogue.OLDEST_SOURCE)) {
            return Optional.of(Rejection.of("the cluster runs " + running + ", older than " + Catalogue.OLDEST_SOURCE,
                    "upgrade to the latest 2.5 release first (2.4 to 2.5 is a separate procedure)"));
        }
        if (target.release().isBefore(running.release())) {
            return Optional.of(Rejection.of("targetVersion " + target + " is older than the running " + running + " and downgrades are not supported",
                    "set targetVersion to " + running.release() + " or later"));
        }
        if (!Catalogue.knowsTarget(target)) {
            List<Version> known = Catalogue.targets();
            return Optional.of(Rejection.of("targetVersion " + target + " is not in the upgrade catalogue",
                    "pick one of " + known.get(0) + ".." + known.get(known.size() - 1)));
        }
        if (Catalogue.route(running, target).isEmpty()) {
            return Optional.of(Rejection.of("no known upgrade path from " + running + " to " + target,
                    "from 2.5.x target v2.6.4 or later"));
        }
        return Optional.empty();
    }

    /** The runbook's "skip step 2.2": 2.5.16 or later already runs, on mixCoord, cleaned up. */
    static boolean mixCoordBridgeDone(ClusterSnapshot s, Version running) {
        return running.release().isAtLeast(Catalogue.MIXCOORD_BRIDGE) && s.hasSpec(Component.MIXCOORD)
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
            return Optional.of(Rejection.of("Milvus " + s.qualifiedName() + " is " + (st.status().isEmpty() ? "without status" : st.status())
                    + ", not Healthy (MilvusReady " + st.ready() + (st.ready().message().isEmpty() ? "" : ": " + st.ready().message()) + ")",
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

package dev.milvusupgrade.plan;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How far the operator got with a stage, judged on one fresh snapshot. A stage is complete only
 * when all of FACTS §3 holds: the operator observed the current generation, MilvusUpdated and
 * MilvusReady are True, the instance is Healthy, currentImage is the stage image, every expected
 * component runs it and is Complete, and the operator's own cleanup ran.
 */
public sealed interface Progress {

    /** The stage is complete. */
    record Done() implements Progress {
    }

    /**
     * Still rolling.
     *
     * @param behind what is not there yet, one item per component or check: the detail for a
     *     timeout or failure message
     * @param brief the same in a few words for a progress line: how many components are on the
     *     stage image and ready, which are still waited for, what the operator says
     */
    record Waiting(List<String> behind, String brief) implements Progress {
        public String summary() {
            return String.join(", ", behind);
        }
    }

    /** Someone else changed spec.components.image while we waited. */
    record Drifted(String image, Optional<String> manager) implements Progress {
    }

    /**
     * The rollout shows milvus-operator issue 446: the new streaming node waits for a 2.6 mixcoord
     * while the operator waits for the streaming node before it updates mixcoord.
     */
    record Deadlock446(String detail) implements Progress {
    }

    static Progress evaluate(Stage stage, ClusterSnapshot s) {
        String want = stage.image().toString();
        if (!want.equals(s.image())) {
            return new Drifted(s.image(), s.imageFieldManager());
        }
        ClusterSnapshot.MilvusStatus st = s.status();
        List<String> behind = new ArrayList<>();
        List<String> cleanup = new ArrayList<>();
        if (st.observedGeneration() < s.generation()) {
            behind.add("operator has not observed generation " + s.generation() + " (observed " + st.observedGeneration() + ")");
        }
        List<String> dependencies = st.dependenciesNotReady();
        behind.addAll(dependencies);
        Set<Component> expected = stage.expectedComponents(s);
        List<String> pending = new ArrayList<>();
        List<String> oldImage = new ArrayList<>();
        List<String> notCreated = new ArrayList<>();
        for (Component c : expected.stream().sorted().toList()) {
            ClusterSnapshot.ComponentStatus cs = st.components().get(c);
            if (cs == null) {
                behind.add(c.statusKey() + " has no status yet");
                notCreated.add(c.statusKey());
            } else if (!want.equals(cs.image())) {
                behind.add(c.statusKey() + " on " + cs.image() + " (" + cs.readyReplicas() + "/" + cs.replicas() + " ready)");
                oldImage.add(c.statusKey());
            } else if (cs.state() != ClusterSnapshot.DeployState.COMPLETE) {
                String state = cs.state().name().toLowerCase() + " (" + cs.readyReplicas() + "/" + cs.replicas() + " ready)";
                behind.add(c.statusKey() + " " + state);
                pending.add(c.statusKey() + " " + state);
            }
        }
        ClusterSnapshot.ComponentStatus standalone = st.components().get(Component.STANDALONE);
        if (standalone != null && standalone.replicas() > 0 && !want.equals(standalone.image())) {
            behind.add("standalone on " + standalone.image());
        }
        if (!st.updated().isTrue()) {
            behind.add("MilvusUpdated " + st.updated() + said(st.updated()));
        }
        if (!st.ready().isTrue()) {
            behind.add("MilvusReady " + st.ready() + said(st.ready()));
        }
        if (!st.isHealthy()) {
            behind.add("status " + (st.status().isEmpty() ? "empty" : st.status()));
        }
        if (!want.equals(st.currentImage())) {
            behind.add("currentImage " + (st.currentImage().isEmpty() ? "empty" : st.currentImage()));
        }
        if (stage instanceof Stage.MixCoordStage || stage.version().isAtLeast(Catalogue.STREAMING_ERA)) {
            for (ClusterSnapshot.ComponentDeployment d : s.deploymentsOf(Component.SEPARATE_COORDINATORS)) {
                behind.add("Deployment " + d.name() + " still present");
                cleanup.add(d.name());
            }
            if (s.hasSeparateCoordinatorSpec()) {
                behind.add("separate coordinators still in the spec (operator cleanup pending)");
                cleanup.add("spec");
            }
        }
        if (stage.version().isAtLeast(Catalogue.STREAMING_ERA)) {
            // By label, whatever its name: the operator's cleanup deletes by exact name only (FACTS §8.1).
            for (ClusterSnapshot.ComponentDeployment d : s.deploymentsOf(Set.of(Component.INDEXNODE))) {
                behind.add("Deployment " + d.name() + " still present");
                cleanup.add(d.name());
            }
            if (s.hasSpec(Component.INDEXNODE)) {
                behind.add("indexNode still in the spec (operator cleanup pending)");
                cleanup.add("spec");
            }
        }
        if (behind.isEmpty()) {
            return new Done();
        }
        Optional<String> deadlock = deadlock446(stage, s);
        if (deadlock.isPresent()) {
            return new Deadlock446(deadlock.get());
        }
        int ready = expected.size() - pending.size() - oldImage.size() - notCreated.size();
        // Components in the same state are named together: "datanode, proxy (old image)".
        if (!oldImage.isEmpty()) {
            pending.add(String.join(", ", oldImage) + " (old image)");
        }
        if (!notCreated.isEmpty()) {
            pending.add(String.join(", ", notCreated) + " (not created)");
        }
        String brief = ready + "/" + expected.size() + " components on " + stage.version() + " and ready"
                + (pending.isEmpty() ? "" : "; waiting for " + String.join(", ", pending))
                + (cleanup.isEmpty() ? "" : "; operator cleanup pending (" + cleanupWords(cleanup) + ")")
                + "; operator: " + operatorWords(s, dependencies);
        return new Waiting(List.copyOf(behind), brief);
    }

    /** What the operator's status says, in a few words. */
    private static String operatorWords(ClusterSnapshot s, List<String> dependencies) {
        ClusterSnapshot.MilvusStatus st = s.status();
        if (!dependencies.isEmpty()) {
            return dependencies.get(0).replaceFirst(":.*", "") + " (rolls nothing until it is True)";
        }
        if (st.observedGeneration() < s.generation()) {
            return "has not seen the change yet";
        }
        if (!st.updated().isTrue()) {
            String m = st.updated().message().toLowerCase();
            return m.contains("terminating") ? "terminating pods" : "MilvusUpdated " + st.updated();
        }
        if (!st.ready().isTrue()) {
            return "MilvusReady " + st.ready();
        }
        return st.isHealthy() ? "updated and ready" : "status " + (st.status().isEmpty() ? "empty" : st.status());
    }

    /**
     * When a stage on {@code image} finished, for a completion no run watched: the operator's
     * MilvusUpdated turned True at its lastTransitionTime, if that belongs to this image and lies
     * between the stage's start and the moment the completion was {@code observed}; else the
     * observation itself, the latest it can have been.
     */
    static Instant completedAt(ClusterSnapshot s, String image, Optional<Instant> startedAt, Instant observed) {
        ClusterSnapshot.Condition updated = s.status().updated();
        return updated.since().filter(since -> updated.isTrue() && image.equals(s.status().currentImage())
                // lastTransitionTime has whole seconds: a stage started at 12:00:00.400 can finish "at" 12:00:00.
                && !since.isAfter(observed) && startedAt.map(st -> !since.isBefore(st.truncatedTo(ChronoUnit.SECONDS))).orElse(true))
                .orElse(observed);
    }

    private static String cleanupWords(List<String> cleanup) {
        long deployments = cleanup.stream().filter(c -> !"spec".equals(c)).count();
        return (deployments == 0 ? "" : deployments + " Deployment" + (deployments == 1 ? "" : "s"))
                + (cleanup.contains("spec") ? (deployments == 0 ? "" : " and ") + "spec fields" : "");
    }

    /** What the operator says in a condition, e.g. "Milvus has terminating pods", which no other field shows. */
    private static String said(ClusterSnapshot.Condition c) {
        return c.message().isBlank() ? "" : ": " + c.message();
    }

    /**
     * The signature of issue 446 on one snapshot: upgrading to 2.6 from a 2.5 currentImage, the
     * streaming node already on the target but not Complete, mixcoord still on the old image. It is
     * also what the first minute of a healthy 2.6 stage looks like, so callers only act on it when it
     * persists.
     */
    static Optional<String> deadlock446(Stage stage, ClusterSnapshot s) {
        if (!stage.version().isAtLeast(Catalogue.STREAMING_ERA)) {
            return Optional.empty();
        }
        Optional<Version> current = ImageRef.parse(s.status().currentImage()).flatMap(ImageRef::tagVersion);
        if (current.isEmpty() || current.get().isAtLeast(Catalogue.STREAMING_ERA)) {
            return Optional.empty();
        }
        String want = stage.image().toString();
        ClusterSnapshot.ComponentStatus sn = s.status().components().get(Component.STREAMINGNODE);
        ClusterSnapshot.ComponentStatus mix = s.status().components().get(Component.MIXCOORD);
        if (sn == null || mix == null || !want.equals(sn.image()) || sn.state() == ClusterSnapshot.DeployState.COMPLETE
                || want.equals(mix.image())) {
            return Optional.empty();
        }
        return Optional.of("streamingnode on " + sn.image() + " is " + sn.state().name().toLowerCase() + " ("
                + sn.readyReplicas() + "/" + sn.replicas() + " ready) while mixcoord is still on " + mix.image());
    }
}

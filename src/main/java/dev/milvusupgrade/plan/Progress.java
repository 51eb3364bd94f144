package dev.milvusupgrade.plan;

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

    /** Still rolling; {@code behind} names what is not there yet, one item per component or check. */
    record Waiting(List<String> behind) implements Progress {
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
        if (st.observedGeneration() < s.generation()) {
            behind.add("operator has not observed generation " + s.generation() + " (observed " + st.observedGeneration() + ")");
        }
        Set<Component> expected = stage.expectedComponents(s);
        for (Component c : expected) {
            ClusterSnapshot.ComponentStatus cs = st.components().get(c);
            if (cs == null) {
                behind.add(c.statusKey() + " has no status yet");
            } else if (!want.equals(cs.image())) {
                behind.add(c.statusKey() + " on " + cs.image() + " (" + cs.readyReplicas() + "/" + cs.replicas() + " ready)");
            } else if (cs.state() != ClusterSnapshot.DeployState.COMPLETE) {
                behind.add(c.statusKey() + " " + cs.state().name().toLowerCase() + " (" + cs.readyReplicas() + "/" + cs.replicas() + " ready)");
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
            }
            if (s.hasSeparateCoordinatorSpec()) {
                behind.add("separate coordinators still in the spec (operator cleanup pending)");
            }
        }
        if (stage.version().isAtLeast(Catalogue.STREAMING_ERA) && s.hasSpec(Component.INDEXNODE)) {
            behind.add("indexNode still in the spec (operator cleanup pending)");
        }
        if (behind.isEmpty()) {
            return new Done();
        }
        Optional<String> deadlock = deadlock446(stage, s);
        if (deadlock.isPresent()) {
            return new Deadlock446(deadlock.get());
        }
        return new Waiting(List.copyOf(behind));
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

package dev.milvusupgrade.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns an intent and a fresh snapshot into a decision: refuse, nothing to do, or stages. Pure:
 * the same inputs always give the same decision, and nothing here talks to a cluster.
 *
 * <p>The plan is derived from what the cluster runs, not from a remembered plan, so a rerun after
 * an interruption picks up where the cluster is: a stage whose patch is already in the spec is
 * only waited for.
 */
public final class Planner {

    private Planner() {
    }

    /**
     * A fleet's "upgrade available" view of one cluster: its running version, whether the catalogue
     * lists it, and the recommended target from it.
     */
    public static String catalogueView(ClusterSnapshot s, Catalogue catalogue) {
        Optional<Version> declared = ImageRef.parse(s.image()).flatMap(ImageRef::tagVersion);
        if (declared.isEmpty()) {
            return "running version unknown";
        }
        Version running = Preflight.runningVersion(s, declared.get());
        return "running " + running + (catalogue.find(running).isPresent() ? ", in the catalogue" : ", not in the catalogue")
                + "; recommended " + catalogue.recommended(running).map(Version::toString).orElse("none");
    }

    public static Decision plan(Intent intent, ClusterSnapshot s) {
        return plan(intent, s, Catalogue.builtIn());
    }

    /**
     * The decision with {@code catalogue} as the release catalogue (the bundled one, or with a user
     * catalogue on top). {@code targetVersion: recommended} is resolved here, from the running version,
     * on every call: the same cluster and catalogue always give the same target.
     */
    public static Decision plan(Intent intent, ClusterSnapshot s, Catalogue catalogue) {
        List<String> warnings = new ArrayList<>();
        Optional<Rejection> refused = Preflight.beforeVersions(s, warnings);
        if (refused.isPresent()) {
            return new Decision.Refuse(refused.get());
        }
        ImageRef specImage = ImageRef.parse(s.image()).orElseThrow();
        Checked<Version> specVersion = Preflight.specVersion(s, specImage);
        if (specVersion instanceof Checked.Refused<Version> r) {
            return new Decision.Refuse(r.rejection());
        }
        Version declared = ((Checked.Ok<Version>) specVersion).value();
        Version running = Preflight.runningVersion(s, declared);
        Version target = intent.targetVersion();
        if (intent.recommendedTarget()) {
            Optional<Version> recommended = catalogue.recommended(running);
            if (recommended.isEmpty()) {
                return new Decision.Refuse(Rejection.of("targetVersion recommended: " + catalogue.recommendation(running),
                        "set targetVersion to a version the catalogue allows from the running one, or add a newer release in a user catalogue"
                        + " (intent key " + Intent.RELEASE_CATALOGUE + ")"));
            }
            target = recommended.get();
        }

        Checked<Catalogue.Route> path = catalogue.route(running, target);
        if (path instanceof Checked.Refused<Catalogue.Route> r) {
            return new Decision.Refuse(r.rejection());
        }
        Catalogue.Route route = ((Checked.Ok<Catalogue.Route>) path).value();

        String repository = intent.imageRepository().orElse(specImage.repository());
        String variant = target.variant().isEmpty() ? declared.variant() : target.variant();
        Version targetTagged = target.release().withVariant(variant);

        // A mirror that tags 2.5.4 rather than v2.5.4 is written to in its own style; another repository
        // (imageRepository) gets the v Milvus publishes.
        boolean vPrefix = !repository.equals(specImage.repository()) || specImage.tag().map(t -> t.startsWith("v")).orElse(true);

        List<Stage> stages = new ArrayList<>();
        if (route.viaMixCoord() && !Preflight.mixCoordBridgeDone(s, running, route.bridge())) {
            Version bridge = running.release().isAtLeast(route.bridge()) ? running.release() : route.bridge();
            Version bridgeTagged = bridge.withVariant(variant);
            stages.add(new Stage.MixCoordStage(ImageRef.of(repository, bridgeTagged, vPrefix), bridgeTagged,
                    !s.hasSpec(Component.MIXCOORD)));
        }
        Stage last = new Stage.ImageStage(ImageRef.of(repository, targetTagged, vPrefix), targetTagged);
        stages.add(last);

        if (running.release().equals(target.release()) && last.isApplied(s)
                && Progress.evaluate(last, s) instanceof Progress.Done) {
            // plan always says what the catalogue recommends; for a cluster that stays put only when it is newer.
            catalogue.recommended(running).filter(r -> r.isAfter(running.release()))
                    .ifPresent(r -> warnings.add(catalogue.recommendation(running)));
            return new Decision.NoOp(s.qualifiedName(), running, warnings);
        }
        refused = Preflight.rollout(s, intent, target, warnings).or(() -> Layouts.refusal(s));
        if (refused.isEmpty()) {
            refused = Preflight.operatorReadsRepository(s.operator(), repository);
        }
        if (refused.isEmpty()) {
            refused = Preflight.inFlight(s, running, stages.get(0));
        }
        if (refused.isEmpty() && !stages.get(0).isApplied(s)) {
            refused = Preflight.readyToStart(s);
        }
        if (refused.isPresent()) {
            return new Decision.Refuse(refused.get());
        }
        Preflight.singleStreamingNode(s, running, target).ifPresent(warnings::add);
        catalogue.advice(route).ifPresent(warnings::add);
        Layouts.warnings(s, running, target, catalogue, intent.stageTimeout()).forEach(warnings::add);
        if (intent.imageRepository().isPresent() && !intent.imageRepository().get().equals(specImage.repository())) {
            warnings.add("image repository changes from " + specImage.repository() + " to " + repository);
        }
        return new Decision.Staged(new Plan(s.qualifiedName(), running, targetTagged,
                s.msgStreamType().isEmpty() ? "pulsar (operator default)" : s.msgStreamType(), stages, warnings,
                (intent.recommendedTarget() ? "targetVersion recommended resolved: " : "") + catalogue.recommendation(running)));
    }
}

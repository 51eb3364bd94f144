package dev.milvusupgrade.plan;

import dev.milvusupgrade.plan.FleetRecord.Line;
import dev.milvusupgrade.plan.FleetRecord.State;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The rules of a fleet run that need no cluster: what each selected cluster needs, which are the canaries, the
 * plan lines, whether a cluster may start now, and the fleet's last word. The fleet in {@code run/} reads and writes;
 * these decide.
 */
public final class FleetPlan {

    private FleetPlan() {
    }

    /**
     * One selected cluster as the fleet first saw it.
     *
     * @param ref namespace/name
     * @param from the version it runs, empty when not known
     * @param planned what a dry run records for it: Planned (it needs an upgrade), NoOp or Rejected
     * @param decision the plan line for a person
     * @param view running version, whether the catalogue lists it, the recommended target; empty when not read
     */
    public record Member(String ref, String from, State planned, String decision, String view) {
        public boolean needsUpgrade() {
            return planned == State.Planned;
        }
    }

    /**
     * Plans one cluster from the fleet's intent for it, the release catalogue and its snapshot ({@code read} only when
     * both parse), to order the fleet and pick the canaries; the upgrade itself reads the cluster again, fresh.
     */
    public static Member member(String ref, Checked<Intent> intent, Checked<Catalogue> releases, Supplier<ClusterSnapshot> read,
            JobPolicy policy) {
        if (intent instanceof Checked.Refused<Intent> r) {
            return new Member(ref, "", State.Rejected, "refused: " + r.rejection().message(), "");
        }
        if (releases instanceof Checked.Refused<Catalogue> r) {
            return new Member(ref, "", State.Rejected, "refused: " + r.rejection().message(), "");
        }
        Catalogue catalogue = ((Checked.Ok<Catalogue>) releases).value();
        ClusterSnapshot s = read.get();
        String from = ImageRef.parse(s.image()).flatMap(ImageRef::tagVersion).map(Version::toString).orElse("");
        Decision d = policy.plan(((Checked.Ok<Intent>) intent).value(), s, catalogue);
        String view = Planner.catalogueView(s, catalogue);
        if (d instanceof Decision.Staged st) {
            return new Member(ref, from, State.Planned, st.plan().from() + " -> " + st.plan().target() + " in " + st.plan().stages().size()
                    + " stage(s): " + String.join(", ", st.plan().stages().stream().map(Stage::name).toList()), view);
        }
        if (d instanceof Decision.NoOp n) {
            return new Member(ref, from, State.NoOp, "nothing to do, already " + n.version(), view);
        }
        return new Member(ref, from, State.Rejected, "refused: " + ((Decision.Refuse) d).rejection().message(), view);
    }

    /**
     * The canaries: the first {@code count} clusters in the fleet's order that still need an upgrade, so that a rerun's
     * canary proves something.
     */
    public static List<String> canaries(List<Member> members, int count) {
        return members.stream().filter(Member::needsUpgrade).limit(count).map(Member::ref).toList();
    }

    /** The fleet record's lines: each cluster Pending for a run, or as planned for a dry run. */
    public static List<Line> lines(List<Member> members, List<String> canaries, String target, boolean dryRun) {
        return members.stream().map(m -> new Line(m.ref(), dryRun ? m.planned() : State.Pending, canaries.contains(m.ref()), m.from(),
                target, Optional.<Instant>empty())).toList();
    }

    /** What {@code plan} prints, one line per cluster in order: {@code 1. ns/name (canary): decision (view)}. */
    public static List<String> planLines(List<Member> members, List<String> canaries) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            out.add((i + 1) + ". " + m.ref() + (canaries.contains(m.ref()) ? " (canary)" : "") + ": " + m.decision()
                    + (m.view().isEmpty() ? "" : " (" + m.view() + ")"));
        }
        return out;
    }

    public static String plannedMessage(int members, int canaries, String target, FleetIntent fleet) {
        return "planned " + members + " cluster(s) to " + target + ": " + canaries + " canary, then up to " + fleet.maxConcurrent()
                + " at once, onFailure " + fleet.onFailure().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Where the fleet looks, for messages. */
    public static String where(List<String> namespaces) {
        return namespaces.isEmpty() ? "all namespaces" : "namespace(s) " + String.join(", ", namespaces);
    }

    /** The refusal when this tool may not list Milvus resources where the fleet looks. */
    public static String listForbidden(List<String> namespaces) {
        return "this tool may not list Milvus resources in " + where(namespaces) + " (403 Forbidden); fix: " + (namespaces.isEmpty()
                ? "apply k8s/overlays/fleet (a ClusterRole) or list the namespaces in the intent key namespaces"
                : "bind the milvus-upgrade Role in each namespace listed, or apply k8s/overlays/fleet");
    }

    /** The refusal when the selector matches nothing. */
    public static String noMatch(LabelSelector selector, int found, List<String> namespaces) {
        return "the selector " + selector + " matches none of the " + found + " Milvus resource(s) in " + where(namespaces)
                + "; fix: label the clusters to upgrade or correct selector and namespaces";
    }

    /** Whether a cluster may start now, and if not, what it is recorded as. */
    public sealed interface Start {
        /** It starts with the intent as it is now. */
        record Go(Intent intent) implements Start {
        }

        /**
         * It does not start.
         *
         * @param state what its line says
         * @param halt why the whole fleet halts now, if this is what halts it
         * @param note one line for the log, empty when there is nothing to add
         */
        record Skip(State state, Optional<String> halt, String note) implements Start {
        }
    }

    /** What keeps every cluster not yet started from starting. */
    public enum Stop {
        /** Nothing: each cluster is judged on its own. */
        NONE,
        /** Another cluster's upgrade crashed: the records stay as they are, the next run resumes. */
        CRASHED,
        /** SIGTERM: the fleet records where it stopped; the next run starts what is left. */
        INTERRUPTED,
        /** A canary or (onFailure: halt) another cluster failed, or the intent went away. */
        HALTED;

        /** What stops the fleet when several did: a crash, then a halt, then SIGTERM. */
        public static Stop of(boolean crashed, boolean halted, boolean interrupted) {
            return crashed ? CRASHED : halted ? HALTED : interrupted ? INTERRUPTED : NONE;
        }
    }

    /**
     * Whether cluster {@code m} may start now, given what stops the fleet and the intent as read now (empty: deleted): it
     * does not when the fleet stopped, the intent is deleted or invalid (which halts the fleet), paused, or when a stage
     * could not end before the window closes.
     */
    public static Start start(Member m, Stop stop, Optional<Checked<Intent>> now, Instant at) {
        switch (stop) {
            case CRASHED, INTERRUPTED:
                return new Start.Skip(State.Pending, Optional.empty(), "");
            case HALTED:
                return new Start.Skip(State.Halted, Optional.empty(), "");
            default:
                break;
        }
        if (now.isEmpty() || now.get() instanceof Checked.Refused<Intent>) {
            return new Start.Skip(State.Halted, Optional.of("the intent was deleted or made invalid during the run"), "");
        }
        Intent intent = ((Checked.Ok<Intent>) now.get()).value();
        if (intent.paused()) {
            return new Start.Skip(State.Paused, Optional.empty(), "");
        }
        if (m.needsUpgrade() && StageGuard.windowTooShort(intent, at)) {
            return new Start.Skip(State.Deferred, Optional.empty(), "not started: a stage may take up to "
                    + Intent.format(intent.stageTimeout()) + " and the window closes at " + intent.notAfter().get());
        }
        return new Start.Go(intent);
    }

    /** A halt: every cluster not started yet is recorded Halted at once. */
    public static List<Line> halt(List<Line> lines) {
        return lines.stream().map(l -> l.state() == State.Pending ? l.with(State.Halted, "", Optional.empty()) : l).toList();
    }

    /** The fleet's phase once no cluster runs any more; Interrupted when SIGTERM left a cluster to do. */
    public static Phase endPhase(List<Line> lines, boolean interrupted) {
        boolean left = lines.stream().anyMatch(l -> l.state() == State.Pending || l.state() == State.Running
                || l.state() == State.Interrupted || l.state() == State.Retry);
        return interrupted && left ? Phase.Interrupted : FleetRecord.endPhase(lines, false);
    }

    /**
     * The fleet's last message: the totals, with what to do.
     *
     * @param halted why the fleet halted, if it did
     * @param interruptedBy what stopped the run ("SIGTERM"), when it was
     */
    public static String endMessage(Phase p, FleetRecord r, Optional<String> halted, Optional<String> interruptedBy) {
        String totals = r.totalsLine();
        return switch (p) {
            case Succeeded -> "all " + r.clusters().size() + " cluster(s) on " + r.targetVersion() + ": " + totals;
            case Failed -> halted.map(h -> "halted: " + h + "; ").orElse("") + totals
                    + "; fix: see each failed cluster's Events and its record on Lease milvus-upgrade-<name>, then rerun the fleet";
            case Deferred -> totals + "; the maintenance window closes: the next run in a window continues";
            case Paused -> totals + "; paused by the intent: set paused to \"false\" to continue";
            case Interrupted -> "interrupted by " + interruptedBy.orElse("a stop request")
                    + " (the Job's activeDeadlineSeconds, an eviction or a drain): " + totals
                    + "; nothing is lost; fix: run again (the Job retries on exit 75) and it resumes where each cluster stopped";
            default -> totals + "; rerun to continue (a Lease was held by another run, or the API server failed)";
        };
    }
}

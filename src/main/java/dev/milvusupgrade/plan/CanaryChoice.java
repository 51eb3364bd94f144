package dev.milvusupgrade.plan;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which clusters of a fleet are its canaries. Without the Job's setting {@link JobPolicy#CANARY_SETTING}: the clusters labelled
 * {@value FleetIntent#CANARY_LABEL} go first, and the intent's {@code canary} count of those needing an upgrade are the
 * canaries (so tenants' labels pick them). With the setting: exactly the listed clusters the fleet selected, in the listed order,
 * first and one at a time; the label is ignored, and the intent's count, when given, must equal their number.
 *
 * @param fromSetting whether the Job's setting picks the canaries
 * @param named with the setting: the listed clusters ({@code namespace/name}) the fleet selected, in the listed order
 * @param notes one line each for the log and the plan output: a label ignored, a listed cluster not selected
 */
public record CanaryChoice(boolean fromSetting, List<String> named, List<String> notes) {

    public CanaryChoice {
        named = List.copyOf(named);
        notes = List.copyOf(notes);
    }

    /** The choice by label and count, as without the setting. */
    public static CanaryChoice byLabel() {
        return new CanaryChoice(false, List.of(), List.of());
    }

    /**
     * Decides the canaries of a fleet before anything is planned.
     *
     * @param setting the Job's setting as parsed (empty: unset)
     * @param selected every cluster the fleet selected ({@code namespace/name}) with its labels
     * @param askedCount the intent's {@code canary}, when it gives one
     */
    public static Checked<CanaryChoice> choose(List<String> setting, Map<String, Map<String, String>> selected,
            Optional<Integer> askedCount) {
        if (setting.isEmpty()) {
            return Checked.ok(byLabel());
        }
        Optional<String> malformed = setting.stream().filter(e -> !wellFormed(e)).findFirst();
        if (malformed.isPresent()) {
            return Checked.refused("the Job's setting " + JobPolicy.CANARY_SETTING + " lists '" + Text.oneLine(malformed.get(), 80)
                    + "', not namespace/name", "list the canary clusters as namespace/name, separated by commas");
        }
        List<String> named = setting.stream().distinct().filter(selected::containsKey).toList();
        List<String> notSelected = setting.stream().distinct().filter(e -> !selected.containsKey(e)).toList();
        if (askedCount.isPresent() && askedCount.get() != named.size()) {
            return Checked.refused("the fleet intent asks for canary: " + askedCount.get() + ", but the Job's setting "
                    + JobPolicy.CANARY_SETTING + " names " + named.size() + " of the selected clusters as canaries",
                    "write canary: " + named.size() + " or leave it out, or change the setting in the Job's manifest");
        }
        List<String> notes = new ArrayList<>();
        List<String> labelled = selected.entrySet().stream().filter(e -> e.getValue() != null
                && e.getValue().containsKey(FleetIntent.CANARY_LABEL)).map(Map.Entry::getKey).sorted().toList();
        if (!labelled.isEmpty()) {
            notes.add("label " + FleetIntent.CANARY_LABEL + " ignored on " + list(labelled) + ": the Job's setting "
                    + JobPolicy.CANARY_SETTING + " picks the canaries");
        }
        if (!notSelected.isEmpty()) {
            notes.add("warning: canary cluster(s) " + list(notSelected) + " in the Job's setting " + JobPolicy.CANARY_SETTING
                    + " not selected by this fleet; not upgraded by it");
        }
        if (named.isEmpty()) {
            notes.add("warning: no selected cluster is named in the Job's setting " + JobPolicy.CANARY_SETTING
                    + ", so this fleet has no canary");
        }
        return Checked.ok(new CanaryChoice(true, named, notes));
    }

    /**
     * The fleet's order: with the setting, the named clusters first in the listed order, then the rest by namespace and name
     * (labels play no part); without it, {@link FleetIntent#compare}.
     */
    public int compare(String nsA, String nameA, Map<String, String> labelsA, String nsB, String nameB, Map<String, String> labelsB) {
        if (!fromSetting) {
            return FleetIntent.compare(nsA, nameA, labelsA, nsB, nameB, labelsB);
        }
        int a = named.indexOf(nsA + "/" + nameA);
        int b = named.indexOf(nsB + "/" + nameB);
        if (a != b) {
            return a < 0 ? 1 : b < 0 ? -1 : Integer.compare(a, b);
        }
        return FleetIntent.compare(nsA, nameA, Map.of(), nsB, nameB, Map.of());
    }

    /**
     * The canaries of the planned fleet (in its order): with the setting, each named cluster not already on the target (one
     * that cannot be upgraded is still a canary, so that its refusal halts the fleet); without it, the first {@code count}
     * needing an upgrade ({@link FleetPlan#canaries}).
     */
    public List<String> canaries(List<FleetPlan.Member> members, int count) {
        if (!fromSetting) {
            return FleetPlan.canaries(members, count);
        }
        return members.stream().filter(m -> named.contains(m.ref()) && m.planned() != FleetRecord.State.NoOp)
                .map(FleetPlan.Member::ref).toList();
    }

    private static boolean wellFormed(String entry) {
        int slash = entry.indexOf('/');
        return slash > 0 && slash == entry.lastIndexOf('/') && slash < entry.length() - 1 && entry.length() <= 317
                && entry.chars().allMatch(c -> c == '/' || c == '-' || c == '.' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9');
    }

    private static String list(Collection<String> refs) {
        return String.join(", ", refs);
    }
}

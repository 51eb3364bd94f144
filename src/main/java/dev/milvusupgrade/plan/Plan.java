package dev.milvusupgrade.plan;

import java.util.List;

/**
 * The staged plan for one Milvus instance: the stages in order and what the tool noticed.
 *
 * @param milvus namespace/name of the Milvus resource
 * @param from the version the cluster runs
 * @param target the version it will run
 * @param msgStreamType the message queue, recorded and never changed
 * @param stages what to do, in order; the first may already be applied when a run resumes
 * @param warnings things a person should know that do not stop the run
 * @param recommendation the catalogue's recommended target from the running version, and why
 */
public record Plan(String milvus, Version from, Version target, String msgStreamType, List<Stage> stages,
        List<String> warnings, String recommendation) {
    public Plan {
        stages = List.copyOf(stages);
        warnings = List.copyOf(warnings);
    }

    public Plan(String milvus, Version from, Version target, String msgStreamType, List<Stage> stages, List<String> warnings) {
        this(milvus, from, target, msgStreamType, stages, warnings, "");
    }
}

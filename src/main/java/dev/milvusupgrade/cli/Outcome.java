package dev.milvusupgrade.cli;

import dev.milvusupgrade.plan.RunRecord;

/** The last line of a run: the phase and the one-line message. */
final class Outcome {
    private Outcome() {
    }

    static void print(RunRecord r) {
        System.out.println(r.phase() + ": " + r.message());
    }
}

package dev.milvusupgrade.cli;

import dev.milvusupgrade.plan.Text;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one-line outcome in the container's termination message, so that {@code kubectl get pod -o
 * yaml} and Argo CD show it without reading logs. Written only where the file is writable.
 */
final class TerminationMessage {

    /** Kubernetes truncates termination messages at 4096 bytes. */
    static final int LIMIT = 4096;

    private TerminationMessage() {
    }

    static boolean write(Path path, String line) {
        if (path == null || !Files.isWritable(path)
                && !(Files.notExists(path) && path.getParent() != null && Files.isWritable(path.getParent()))) {
            return false;
        }
        try {
            // Cut between characters: a byte cut can split a multi-byte character and leave invalid UTF-8.
            Files.write(path, Text.utf8Prefix(Text.oneLine(line, LIMIT), LIMIT));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

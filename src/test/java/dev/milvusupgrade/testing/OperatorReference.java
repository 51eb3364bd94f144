package dev.milvusupgrade.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The Milvus Operator's CRD and sample CRs that the tests check the tool against, carried as test
 * resources under {@code src/test/resources/milvus-operator/} (where they come from, at which commit,
 * under which licence and how they were reduced: NOTICE.md in that folder).
 */
public final class OperatorReference {
    /** The classpath folder of the fixtures. */
    public static final String FOLDER = "milvus-operator/";

    private OperatorReference() {
    }

    /** The text of one fixture, e.g. {@code sample_milvus_cluster_4coords.yaml}; fails clearly if it is missing. */
    public static String read(String file) {
        String resource = FOLDER + file;
        try (InputStream in = OperatorReference.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new AssertionError("test fixture " + resource + " is not on the test classpath: it belongs in src/test/resources/"
                        + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read test fixture " + resource, e);
        }
    }
}

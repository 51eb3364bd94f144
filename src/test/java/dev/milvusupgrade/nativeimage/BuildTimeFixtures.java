package dev.milvusupgrade.nativeimage;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Classes the build-time-state rule must report (and one it must not), read as bytecode only: none of them is ever
 * initialised, so the pool below is never started.
 */
final class BuildTimeFixtures {

    private BuildTimeFixtures() {
    }

    /** What MilvusRestClient held until issue 24: GraalVM refuses the generator in the image heap. */
    static final class StaticSecureRandom {
        static final SecureRandom RANDOM = new SecureRandom();
    }

    /** The builder's clock and environment frozen into constants, in a field of an innocent type. */
    static final class ClockAndEnvironment {
        static final long STARTED = System.currentTimeMillis();
        static final String HOME = System.getenv("HOME");
    }

    /** A pool created through a factory method, behind a field typed Object. */
    static final class HiddenPool {
        static final Object POOL = Executors.newSingleThreadExecutor();
    }

    /** What build-time initialization may keep: immutable values, a counter, a logger, a list made with a stream. */
    static final class Clean {
        static final Pattern NAME = Pattern.compile("^[a-z]+$");
        static final Duration TIMEOUT = Duration.ofSeconds(30);
        static final List<String> KEYS = List.of("a", "b");
        static final AtomicInteger COUNT = new AtomicInteger();
        static final Logger LOG = Logger.getLogger("fixture");
        static final List<String> UPPER = Stream.of("a", "b").map(String::toUpperCase).toList();
    }
}

package dev.milvusupgrade.nativeimage;

import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaStaticInitializer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.BaseStream;

/**
 * What a build-time class initialization would freeze into the native image heap. Quarkus initializes the
 * application's classes while GraalVM builds the image, so whatever a class's static state holds is the value
 * the builder's JVM computed: a seeded random generator (GraalVM refuses it), a started thread or pool, an open
 * socket, client or file, or the builder's clock, environment and CPU count instead of the pod's.
 *
 * <p>Two findings: a static field whose declared type is one of {@link #FORBIDDEN_TYPES} (or a subtype), and a
 * static initializer ({@code <clinit>}, which holds every static field's initializer) that constructs such a type,
 * calls a method returning one, or calls one of {@link #FORBIDDEN_CALLS} (clock, environment, machine). The
 * bytecode is read, never loaded: nothing here runs a class's initializer.
 */
final class BuildTimeState {

    /** Types whose instances must not sit in the image heap (checked with {@code isAssignableTo}). */
    static final List<String> FORBIDDEN_TYPES = List.of(
            "java.util.Random", // SecureRandom and ThreadLocalRandom included: GraalVM refuses them in the heap
            "java.util.SplittableRandom",
            "java.lang.Thread",
            "java.util.concurrent.Executor", // ExecutorService, ScheduledExecutorService, ForkJoinPool
            "java.util.Timer",
            "java.net.Socket",
            "java.net.ServerSocket",
            "java.net.DatagramSocket",
            "java.nio.channels.Channel",
            "java.net.http.HttpClient",
            "com.sun.net.httpserver.HttpServer",
            "io.fabric8.kubernetes.client.Client", // KubernetesClient
            "io.fabric8.kubernetes.client.http.HttpClient",
            "javax.net.ssl.SSLContext", // holds a SecureRandom once initialised
            "java.security.KeyStore",
            "java.io.File",
            "java.nio.file.Path",
            "java.lang.AutoCloseable"); // streams, readers, writers, channels, clients: open handles

    /** Owner and name of calls that read the builder's clock, environment or machine (any overload). */
    static final List<String> FORBIDDEN_CALLS = List.of(
            "java.lang.System.currentTimeMillis",
            "java.lang.System.nanoTime",
            "java.lang.System.getenv",
            "java.lang.System.getProperty",
            "java.lang.System.getProperties",
            "java.lang.System.setProperty",
            "java.lang.Runtime.availableProcessors",
            "java.lang.Runtime.maxMemory",
            "java.lang.ProcessHandle.current",
            "java.lang.Thread.start",
            "java.lang.Thread.ofPlatform",
            "java.lang.Thread.ofVirtual",
            "java.time.Clock.systemUTC",
            "java.time.Clock.systemDefaultZone",
            "java.time.Instant.now",
            "java.time.LocalDate.now",
            "java.time.LocalDateTime.now",
            "java.time.LocalTime.now",
            "java.time.OffsetDateTime.now",
            "java.time.ZonedDateTime.now",
            "java.time.ZoneId.systemDefault",
            "java.util.TimeZone.getDefault",
            "java.util.Locale.getDefault",
            "java.util.concurrent.ThreadLocalRandom.current",
            "java.net.InetAddress.getLocalHost",
            "java.net.InetAddress.getByName",
            "java.net.InetAddress.getAllByName",
            "java.nio.file.Files.newInputStream",
            "java.nio.file.Files.newOutputStream",
            "java.nio.file.Files.newBufferedReader",
            "java.nio.file.Files.newBufferedWriter",
            "java.nio.file.Files.readString",
            "java.nio.file.Files.readAllBytes",
            "java.nio.file.Files.readAllLines",
            "java.nio.file.Files.lines",
            "java.nio.file.Files.exists");

    private BuildTimeState() {
    }

    /** One finding: the class, where in it, and what. */
    record Finding(String className, String where, String what) {
        @Override
        public String toString() {
            return className + " " + where + ": " + what;
        }
    }

    /** Every finding in these classes, sorted by class then place. */
    static List<Finding> findings(Iterable<JavaClass> classes) {
        List<Finding> out = new ArrayList<>();
        for (JavaClass c : classes) {
            for (JavaField f : c.getFields()) {
                if (f.getModifiers().contains(JavaModifier.STATIC)) {
                    forbidden(f.getRawType()).ifPresent(t -> out.add(new Finding(c.getName(), "static field " + f.getName(),
                            "of type " + f.getRawType().getName() + ", a " + t)));
                }
            }
            Optional<JavaStaticInitializer> clinit = c.getStaticInitializer();
            clinit.ifPresent(init -> out.addAll(staticInitializer(c, init)));
        }
        out.sort(Comparator.comparing(Finding::className).thenComparing(Finding::where).thenComparing(Finding::what));
        return List.copyOf(out);
    }

    private static List<Finding> staticInitializer(JavaClass c, JavaCodeUnit init) {
        List<Finding> out = new ArrayList<>();
        for (JavaCall<?> call : init.getCallsFromSelf()) {
            String owner = call.getTargetOwner().getName();
            String name = call.getName();
            String where = "static initializer, line " + call.getLineNumber();
            if (call instanceof JavaConstructorCall) {
                forbidden(call.getTargetOwner())
                        .ifPresent(t -> out.add(new Finding(c.getName(), where, "constructs " + owner + ", a " + t)));
            } else if (FORBIDDEN_CALLS.contains(owner + "." + name)) {
                out.add(new Finding(c.getName(), where, "calls " + owner + "." + name + " (the builder's clock, environment or machine)"));
            } else if (call instanceof JavaMethodCall m) {
                forbidden(m.getTarget().getRawReturnType()).ifPresent(t -> out.add(new Finding(c.getName(), where,
                        "calls " + owner + "." + name + ", which returns a " + t)));
            }
        }
        return out;
    }

    /**
     * The first forbidden type this one is (or extends). Types are compared as loaded classes, never initialised, because
     * ArchUnit knows the hierarchy of a type it did not import (the JDK's) only as far as it resolved it.
     */
    private static Optional<String> forbidden(JavaClass type) {
        Optional<Class<?>> loaded = load(type.getName());
        if (loaded.isPresent() && BaseStream.class.isAssignableFrom(loaded.get())) {
            return Optional.empty(); // AutoCloseable by inheritance, but a pipeline over values holds no handle: Stream.of(...).toList()
        }
        return FORBIDDEN_TYPES.stream().filter(f -> loaded.isPresent() && load(f).isPresent()
                ? load(f).get().isAssignableFrom(loaded.get()) : type.isAssignableTo(f)).findFirst();
    }

    private static Optional<Class<?>> load(String name) {
        try {
            return Optional.of(Class.forName(name, false, BuildTimeState.class.getClassLoader()));
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.empty();
        }
    }
}

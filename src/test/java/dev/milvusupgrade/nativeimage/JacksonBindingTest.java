package dev.milvusupgrade.nativeimage;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.milvusupgrade.cli.NativeReflection;
import dev.milvusupgrade.plan.DataCheckRecord;
import dev.milvusupgrade.plan.FleetRecord;
import dev.milvusupgrade.plan.RunRecord;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Reflection is registered, not hoped for: every type the code hands to Jackson (directly or through fabric8's
 * KubernetesSerialization) is registered for reflection, or is one that needs none in a native image.
 *
 * <p>The types are found in the bytecode of the classes compiled into the native binary: at every call of a Jackson or
 * fabric8 binding method (readValue, convertValue, treeToValue, valueToTree, writeValue*, unmarshal, asJson, ...), the
 * class literals the calling method references (what it reads into) and the product types it constructs (what it may
 * write), except exceptions; plus every product type carrying a Jackson annotation; plus, for each product record among
 * them, the product types of its components. A product type found there must be a target of {@link NativeReflection}; a
 * fabric8 model type must be a KubernetesResource, which quarkus-kubernetes-client registers itself (its
 * KubernetesClientProcessor registers every implementor in the index); the rest must be JSON tree or JDK types.
 *
 * <p>Today the records written to annotations (RunRecord, DataCheckRecord, FleetRecord) are turned into Maps by hand
 * (RecordCodec, FleetStore) and Jackson sees only Maps, Lists, strings and numbers; they are registered all the same,
 * with their components, so that binding them directly one day cannot break the native binary.
 */
class JacksonBindingTest {

    private static final JavaClasses MAIN = ProductClasses.MAIN;

    private static final Set<String> BINDERS = Set.of("com.fasterxml.jackson.databind.ObjectMapper",
            "com.fasterxml.jackson.databind.ObjectReader",
            "com.fasterxml.jackson.databind.ObjectWriter", "io.fabric8.kubernetes.client.utils.KubernetesSerialization");

    private static final Set<String> BINDING_METHODS = Set.of("readValue", "readValues", "convertValue", "treeToValue", "valueToTree",
            "updateValue",
            "writeValue", "writeValueAsString", "writeValueAsBytes", "readerFor", "writerFor", "readerForUpdating", "unmarshal", "asJson", "asYaml",
            "clone", "mergePatch");

    /** The records written to annotations, registered with their components whether or not Jackson binds them today. */
    private static final List<Class<?>> ANNOTATION_RECORDS = List.of(RunRecord.class, DataCheckRecord.class, FleetRecord.class);

    /** Product types the discovery finds that Jackson never sees, each with why (checked by hand; keep it short). */
    private static final Map<String, String> NOT_BOUND = Map.of(
            "dev.milvusupgrade.data.MilvusBackupClient$Answer", "holds an answer's HTTP status and raw text, read afterwards as a JsonNode tree",
            "dev.milvusupgrade.k8s.RecordCodec$Read$Ok", "the outcome of reading a record (the record is decoded from a Map by hand)",
            "dev.milvusupgrade.k8s.RecordCodec$Read$None", "the outcome of reading a record: there is none",
            "dev.milvusupgrade.k8s.RecordCodec$Read$Unreadable", "the outcome of reading a record: the reason it cannot be read");

    /** Types Jackson binds without reflection metadata: its own tree model, and JDK values and collections it knows natively. */
    private static final Set<String> PLAIN = Set.of("java.lang.Object", "java.lang.String", "java.lang.Boolean", "java.lang.Integer",
            "java.lang.Long",
            "java.lang.Double", "java.util.Map", "java.util.LinkedHashMap", "java.util.HashMap", "java.util.TreeMap", "java.util.List",
            "java.util.ArrayList", "java.util.Collection", "java.util.Set", "java.io.InputStream", "com.fasterxml.jackson.databind.JsonNode");

    @Test
    void every_type_bound_by_jackson_is_registered_for_reflection_or_needs_no_registration() {
        Set<String> registered = registered();
        Map<String, String> unregistered = new TreeMap<>();
        bound().forEach((type, where) -> {
            if (!registered.contains(type) && !NOT_BOUND.containsKey(type) && !PLAIN.contains(type)
                    && !type.startsWith("com.fasterxml.jackson.databind.node.")
                    && !isRegisteredFabric8Model(type)) {
                unregistered.put(type, where);
            }
        });
        assertThat(unregistered).as("types bound by Jackson with no reflection registration: add them to NativeReflection's targets")
                .isEmpty();
    }

    @Test
    void the_records_written_to_annotations_are_registered_with_their_components() {
        assertThat(registered()).containsAll(withComponents(ANNOTATION_RECORDS.stream().map(Class::getName).toList()));
    }

    @Test
    void nothing_is_registered_that_is_neither_bound_nor_written_to_an_annotation() {
        Set<String> expected = new TreeSet<>(bound().keySet());
        expected.addAll(withComponents(ANNOTATION_RECORDS.stream().map(Class::getName).toList()));
        assertThat(registered()).as("NativeReflection targets nothing binds any more: drop them").allMatch(expected::contains);
        assertThat(NOT_BOUND.keySet()).as("NOT_BOUND entries the discovery no longer finds: drop them")
                .allMatch(bound().keySet()::contains);
    }

    @Test
    void every_kubernetes_model_type_the_product_uses_is_one_quarkus_registers() {
        Map<String, String> notRegistered = new TreeMap<>();
        MAIN.stream().filter(c -> !NativeProfile.excludes(c.getName())).forEach(c -> c.getDirectDependenciesFromSelf().forEach(d -> {
            String t = d.getTargetClass().getName();
            boolean model = t.startsWith("io.fabric8.kubernetes.api.model.") && !t.endsWith("Builder") && !t.endsWith("Fluent")
                    && !t.contains("$");
            if (model && !isRegisteredFabric8Model(t)) {
                notRegistered.put(t, c.getName());
            }
        }));
        assertThat(notRegistered)
                .as("fabric8 model types that are not KubernetesResources (quarkus-kubernetes-client registers only those)").isEmpty();
        assertThat(isRegisteredFabric8Model("io.fabric8.kubernetes.api.model.GenericKubernetesResource")).as("the Milvus resource's type")
                .isTrue();
    }

    @Test
    void a_record_read_by_class_and_one_written_after_construction_are_found_with_their_components() {
        Map<String, String> found = bound(new ClassFileImporter()
                .importClasses(JacksonFixtures.Reader.class, JacksonFixtures.Writer.class));
        String prefix = JacksonFixtures.class.getName() + "$";
        assertThat(found.keySet().stream().map(t -> t.replace(prefix, "")).toList())
                .containsExactlyInAnyOrder("Read", "Part", "Written");
    }

    static Map<String, String> bound() {
        return bound(MAIN);
    }

    /** Bound type -> one place that binds it. */
    static Map<String, String> bound(JavaClasses classes) {
        Map<String, String> out = new TreeMap<>();
        for (JavaClass c : classes) {
            if (NativeProfile.excludes(c.getName())) {
                continue;
            }
            if (c.getAnnotations().stream().anyMatch(a -> a.getRawType().getPackageName().startsWith("com.fasterxml.jackson"))) {
                out.putIfAbsent(c.getName(), "annotated for Jackson");
            }
            for (JavaCodeUnit unit : c.getCodeUnits()) {
                boolean binds = unit.getMethodCallsFromSelf().stream()
                        .anyMatch(call -> BINDERS.contains(call.getTargetOwner().getName()) && BINDING_METHODS.contains(call.getName()));
                if (!binds) {
                    continue;
                }
                String where = unit.getFullName();
                unit.getReferencedClassObjects().forEach(r -> out.putIfAbsent(r.getRawType().getName(), where));
                unit.getConstructorCallsFromSelf().stream().map(call -> call.getTargetOwner())
                        .filter(t -> t.getPackageName().startsWith("dev.milvusupgrade") && !t.isAssignableTo(Throwable.class))
                        .forEach(t -> out.putIfAbsent(t.getName(), where));
            }
        }
        List<String> records = out.keySet().stream().filter(t -> t.startsWith("dev.milvusupgrade.")).toList();
        withComponents(records).forEach(t -> out.putIfAbsent(t, "a component of a bound record"));
        return out;
    }

    /** These product types and, for records, the product types of their components, recursively. */
    private static Set<String> withComponents(List<String> types) {
        Set<String> out = new TreeSet<>();
        types.forEach(t -> collect(load(t), out));
        return out;
    }

    private static void collect(Type type, Set<String> out) {
        if (type instanceof ParameterizedType p) {
            Arrays.stream(p.getActualTypeArguments()).forEach(a -> collect(a, out));
            collect(p.getRawType(), out);
        } else if (type instanceof Class<?> c && c.getName().startsWith("dev.milvusupgrade.") && out.add(c.getName()) && c.isRecord()) {
            Arrays.stream(c.getRecordComponents()).forEach(rc -> collect(rc.getGenericType(), out));
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, JacksonBindingTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }
    private static Set<String> registered() {
        RegisterForReflection r = NativeReflection.class.getAnnotation(RegisterForReflection.class);
        return Arrays.stream(r.targets()).map(Class::getName).collect(Collectors.toCollection(TreeSet::new));
    }

    private static boolean isRegisteredFabric8Model(String type) {
        try {
            Class<?> c = Class.forName(type, false, JacksonBindingTest.class.getClassLoader());
            return type.startsWith("io.fabric8.kubernetes.api.model.")
                    && io.fabric8.kubernetes.api.model.KubernetesResource.class.isAssignableFrom(c);
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}

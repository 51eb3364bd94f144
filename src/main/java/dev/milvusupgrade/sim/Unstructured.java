package dev.milvusupgrade.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The simulator reads and writes the Milvus resource as unstructured maps, as fabric8's generic resource holds it. */
final class Unstructured {

    private Unstructured() {
    }

    static Integer asInt(Object o) {
        return o instanceof Number n ? n.intValue() : null;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> child(Map<String, Object> parent, String key) {
        Object v = parent.get(key);
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> mutable = new LinkedHashMap<>((Map<String, Object>) m);
            parent.put(key, mutable);
            return mutable;
        }
        Map<String, Object> created = new LinkedHashMap<>();
        parent.put(key, created);
        return created;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> deepCopy(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> mm ? deepCopy((Map<String, Object>) mm)
                : v instanceof List<?> l ? new ArrayList<>(l) : v));
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    static String str(Object o) {
        return o == null ? "" : o.toString();
    }
}

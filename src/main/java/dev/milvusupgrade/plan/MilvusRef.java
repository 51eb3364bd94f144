package dev.milvusupgrade.plan;

import java.util.Objects;

/**
 * A Milvus resource by namespace and name. Records and messages write it {@code namespace/name}; code never splits
 * that string again. The name is empty where an invalid intent named none.
 */
public record MilvusRef(String namespace, String name) {

    public MilvusRef {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    /** Whether the intent named a Milvus at all (an invalid intent may not). */
    public boolean named() {
        return !name.isEmpty();
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}

package dev.milvusupgrade.plan;

import java.util.Optional;

/**
 * A container image reference split the way the operator needs it: the repository (with any
 * registry and port), the tag, and a digest. {@code registry.local:5000/milvusdb/milvus:v2.5.8}
 * has repository {@code registry.local:5000/milvusdb/milvus} and tag {@code v2.5.8}.
 */
public record ImageRef(String repository, Optional<String> tag, Optional<String> digest) {

    public static Optional<ImageRef> parse(String image) {
        if (image == null || image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
            return Optional.empty();
        }
        String rest = image;
        Optional<String> digest = Optional.empty();
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = Optional.of(rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        Optional<String> tag = Optional.empty();
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = Optional.of(rest.substring(colon + 1));
            rest = rest.substring(0, colon);
        }
        if (rest.isEmpty() || tag.map(String::isEmpty).orElse(false) || digest.map(String::isEmpty).orElse(false)) {
            return Optional.empty();
        }
        return Optional.of(new ImageRef(rest, tag, digest));
    }

    /** An image of {@code version}, its tag with the {@code v} prefix Milvus publishes or, for mirrors that drop it, without. */
    public static ImageRef of(String repository, Version version, boolean vPrefix) {
        String tag = version.tag();
        return new ImageRef(repository, Optional.of(vPrefix ? tag : tag.substring(1)), Optional.empty());
    }

    /** The version in the tag, if the tag is one. */
    public Optional<Version> tagVersion() {
        return tag.flatMap(Version::parse);
    }

    @Override
    public String toString() {
        return repository + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
    }
}

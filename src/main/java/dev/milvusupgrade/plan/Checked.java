package dev.milvusupgrade.plan;

/** A value, or the rejection that stands in its place. */
public sealed interface Checked<T> {

    record Ok<T>(T value) implements Checked<T> {
    }

    record Refused<T>(Rejection rejection) implements Checked<T> {
    }

    static <T> Checked<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> Checked<T> refused(String problem, String fix) {
        return new Refused<>(Rejection.of(problem, fix));
    }
}

package dev.milvusupgrade.plan;

import java.util.Optional;
import java.util.function.Function;

/** A value, or the rejection that stands in its place. */
public sealed interface Checked<T> {

    record Ok<T>(T value) implements Checked<T> {
    }

    record Refused<T>(Rejection rejection) implements Checked<T> {
    }

    static <T> Checked<T> ok(T value) {
        return new Ok<>(value);
    }

    /** The next step on a value; a refusal passes through. */
    default <U> Checked<U> map(Function<T, Checked<U>> next) {
        return this instanceof Ok<T> ok ? next.apply(ok.value()) : new Refused<>(((Refused<T>) this).rejection());
    }

    /** {@code ok} of the value, or {@code refused} of the rejection: the one place a Checked is taken apart. */
    default <R> R fold(Function<T, R> ok, Function<Rejection, R> refused) {
        return this instanceof Ok<T> o ? ok.apply(o.value()) : refused.apply(((Refused<T>) this).rejection());
    }

    /** The value, if this is one. */
    default Optional<T> toOptional() {
        return fold(Optional::of, r -> Optional.empty());
    }

    static <T> Checked<T> refused(String problem, String fix) {
        return new Refused<>(Rejection.of(problem, fix));
    }
}

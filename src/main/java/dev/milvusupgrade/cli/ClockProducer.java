package dev.milvusupgrade.cli;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The run's clock, a bean so that a test profile can give the command line a clock that is also a
 * {@link dev.milvusupgrade.k8s.Waiter} (a 10 s stage timeout in a fraction of that). Made when a command
 * first asks for it, never at build time.
 */
@Singleton
public class ClockProducer {

    @Produces
    @Singleton
    @DefaultBean
    Clock clock() {
        return Clock.systemUTC();
    }
}

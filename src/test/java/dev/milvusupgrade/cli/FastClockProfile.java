package dev.milvusupgrade.cli;

import dev.milvusupgrade.testing.ScaledClock;
import io.quarkus.test.junit.QuarkusTestProfile;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Set;

/** The command line on a clock ten times faster than the machine's: a 10 s stage timeout passes in 1 s. */
public class FastClockProfile implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(Producer.class);
    }

    /** Enabled by this profile only. */
    @Alternative
    @Singleton
    public static class Producer {

        @Produces
        @Singleton
        Clock clock() {
            return new ScaledClock(10);
        }
    }
}

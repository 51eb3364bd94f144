package dev.milvusupgrade.run;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Answers chosen requests with faults instead of passing them to the CRUD dispatcher: each fault
 * fires a given number of times on requests that match it, then lets them through.
 */
public final class FaultInjectingDispatcher extends Dispatcher {

    /** A fault: when it applies, how often, and what the server answers instead. */
    public record Fault(String name, Predicate<RecordedRequest> when, int times, Supplier<MockResponse> answer) {
    }

    /** A request a fault's condition matched: when the server got it, and whether the fault answered it. */
    public record Match(Instant at, boolean faulted) {
    }

    private final Dispatcher delegate;
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> fired = new ConcurrentHashMap<>();
    private final Map<String, List<Match>> matches = new ConcurrentHashMap<>();

    public FaultInjectingDispatcher(Dispatcher delegate) {
        this.delegate = delegate;
    }

    public FaultInjectingDispatcher inject(Fault fault) {
        faults.add(fault);
        fired.put(fault.name(), new AtomicInteger());
        matches.put(fault.name(), new CopyOnWriteArrayList<>());
        return this;
    }

    /** How many times the named fault fired. */
    public int fired(String name) {
        return fired.getOrDefault(name, new AtomicInteger()).get();
    }

    /**
     * Every request the named fault's condition matched, in order of arrival, the ones it answered
     * and the ones it let through once it had fired its number of times.
     */
    public List<Match> matches(String name) {
        return List.copyOf(matches.getOrDefault(name, List.of()));
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        for (Fault f : faults) {
            if (!f.when().test(request)) {
                continue;
            }
            AtomicInteger n = fired.get(f.name());
            boolean fire = n.get() < f.times() && n.incrementAndGet() <= f.times();
            matches.get(f.name()).add(new Match(Instant.now(), fire));
            if (fire) {
                return f.answer().get();
            }
        }
        return delegate.dispatch(request);
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }

    public static MockResponse status(int code, String reason, String message) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"" + reason
                        + "\",\"message\":\"" + message + "\",\"code\":" + code + "}");
    }

    /** An established watch whose first event is ERROR 410 Gone, as an API server sends when its history expired. */
    public static MockResponse goneWatch() {
        return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws, Response response) {
                ws.send("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                        + "\"reason\":\"Expired\",\"message\":\"too old resource version\",\"code\":410}}");
                ws.close(1000, "gone");
            }
        });
    }

    /** An established watch that sends nothing, as one started from a resourceVersion with nothing new after it. */
    public static MockResponse silentWatch() {
        return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
        });
    }

    /** An established watch that the server drops without a word. */
    public static MockResponse droppedWatch() {
        return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onOpen(WebSocket ws, Response response) {
                ws.close(1011, "connection dropped");
            }
        });
    }

    public static Predicate<RecordedRequest> method(String method, String pathContains) {
        return r -> method.equals(r.getMethod()) && r.getPath().contains(pathContains);
    }

    public static Predicate<RecordedRequest> watchOf(String pathContains) {
        return r -> "GET".equals(r.getMethod()) && r.getPath().contains(pathContains) && r.getPath().contains("watch=true");
    }
}

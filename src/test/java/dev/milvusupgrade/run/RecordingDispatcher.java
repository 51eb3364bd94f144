package dev.milvusupgrade.run;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Wraps the CRUD dispatcher and records every request the mock API server receives. */
public final class RecordingDispatcher extends Dispatcher {

    /** One request as the server saw it. */
    public record Request(String method, String path, String body, String userAgent, java.time.Instant at) {
        public boolean isPatchBy(String fieldManager) {
            return "PATCH".equals(method) && path.contains("fieldManager=" + fieldManager);
        }
    }

    private final Dispatcher delegate;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Predicate<RecordedRequest> recordOnly = r -> true;

    public RecordingDispatcher(Dispatcher delegate) {
        this.delegate = delegate;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        if (recordOnly.test(request)) {
            requests.add(new Request(request.getMethod(), request.getPath(), bodyOf(request),
                    String.valueOf(request.getHeader("User-Agent")), java.time.Instant.now()));
        }
        return delegate.dispatch(request);
    }

    /** Reads the body without consuming it: the CRUD dispatcher reads it after us. */
    private static String bodyOf(RecordedRequest request) {
        return request.getBody() == null ? "" : new String(request.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public void clear() {
        requests.clear();
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }
}

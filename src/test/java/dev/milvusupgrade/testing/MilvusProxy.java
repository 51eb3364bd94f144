package dev.milvusupgrade.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A proxy in front of a (simulated) Milvus RESTful API that misbehaves on chosen paths: it drops the connection
 * without an answer (before or after passing the request on), or rewrites the answer's body. Everything else passes
 * through unchanged. Test-side, so that the simulator stays faithful to Milvus.
 */
public final class MilvusProxy implements AutoCloseable {

    private record Drop(int times, boolean forwardFirst, AtomicInteger fired) {
    }

    private final URI upstream;
    private final HttpServer server;
    private final ExecutorService workers = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "milvus-proxy");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Map<String, Drop> drops = new ConcurrentHashMap<>();
    private final Map<String, UnaryOperator<String>> rewrites = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();

    public MilvusProxy(URI upstream) {
        this.upstream = upstream;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(workers);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * The next {@code times} requests to {@code path} (e.g. {@code collections/get_stats}) get no answer: the connection
     * closes; with {@code forwardFirst}, after Milvus has carried the request out (an answer lost on the way back).
     */
    public MilvusProxy drop(String path, int times, boolean forwardFirst) {
        drops.put(path, new Drop(times, forwardFirst, new AtomicInteger()));
        return this;
    }

    /** From now on, the body of every answer to {@code path} is passed through {@code change}. */
    public MilvusProxy rewrite(String path, UnaryOperator<String> change) {
        rewrites.put(path, change);
        return this;
    }

    /** How many requests to {@code path} reached the proxy. */
    public int seen(String path) {
        return seen.getOrDefault(path, new AtomicInteger()).get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath().replaceFirst("^/v2/vectordb/", "");
        seen.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        byte[] body = exchange.getRequestBody().readAllBytes();
        Drop drop = drops.get(path);
        boolean dropIt = drop != null && drop.fired().incrementAndGet() <= drop.times();
        if (dropIt && !drop.forwardFirst()) {
            exchange.close(); // no answer: the connection closes
            return;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().getRawPath()))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((k, vs) -> {
            if (!Map.of("host", 1, "content-length", 1, "connection", 1).containsKey(k.toLowerCase(java.util.Locale.ROOT))) {
                vs.forEach(v -> request.header(k, v));
            }
        });
        HttpResponse<String> answer;
        try {
            answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.close();
            return;
        }
        if (dropIt) {
            exchange.close();
            return;
        }
        byte[] out = rewrites.getOrDefault(path, UnaryOperator.identity()).apply(answer.body())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.statusCode(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            exchange.getResponseBody().write(out);
        }
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }
}

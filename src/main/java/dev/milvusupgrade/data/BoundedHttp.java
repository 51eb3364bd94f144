package dev.milvusupgrade.data;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP exchange with a deadline for the whole answer and a cap on its body. The JDK client's request timeout
 * stops at the response headers (JDK-8208693): a server that sends headers and then trickles the body would hold the
 * run past every timeout, and {@code BodyHandlers.ofByteArray()} reads a body of any size into memory.
 */
final class BoundedHttp {

    /** The largest answer read from Milvus or milvus-backup, unless a client says otherwise. */
    static final int MAX_BODY = 16 * 1024 * 1024;

    /** The body was larger than the cap: refused, not read. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(long limit) {
            super("an answer larger than " + limit / (1024 * 1024) + " MiB (refused unread beyond that)");
        }
    }

    private BoundedHttp() {
    }

    /**
     * Sends {@code request} and reads its answer, all within {@code whole}; a body over {@code maxBytes} fails with
     * {@link TooLarge}. A deadline passed fails with {@link HttpTimeoutException}; the exchange is cancelled.
     */
    static HttpResponse<byte[]> send(HttpClient http, HttpRequest request, Duration whole, int maxBytes)
            throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<byte[]>> future = http.sendAsync(request, info -> new Capped(info, maxBytes));
        try {
            return future.get(whole.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new HttpTimeoutException("no whole answer within " + whole.toMillis() + " ms");
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(cause);
        }
    }

    /** Collects the body up to the cap; above it, cancels the subscription and fails. */
    private static final class Capped implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final List<ByteBuffer> parts = new ArrayList<>();
        private final long declared;
        private final int max;
        private long size;
        private Flow.Subscription subscription;

        Capped(HttpResponse.ResponseInfo info, int max) {
            this.declared = info.headers().firstValueAsLong("content-length").orElse(-1);
            this.max = max;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (declared > max) {
                // Refused before a byte of it is read.
                s.cancel();
                result.completeExceptionally(new TooLarge(max));
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : items) {
                size += b.remaining();
                if (size > max) {
                    subscription.cancel();
                    parts.clear();
                    result.completeExceptionally(new TooLarge(max));
                    return;
                }
                parts.add(b);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            if (result.isDone()) {
                return;
            }
            byte[] all = new byte[(int) size];
            int at = 0;
            for (ByteBuffer b : parts) {
                int n = b.remaining();
                b.get(all, at, n);
                at += n;
            }
            result.complete(all);
        }
    }
}

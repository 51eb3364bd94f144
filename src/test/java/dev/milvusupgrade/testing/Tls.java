package dev.milvusupgrade.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** The test-only TLS material in src/test/resources/tls (made by generate.sh there with keytool). */
public final class Tls {

    private Tls() {
    }

    /** A server context holding the certificate for 127.0.0.1 that {@link #caPem()} signed. */
    public static SSLContext serverContext() {
        try (InputStream in = Tls.class.getResourceAsStream("/tls/server.p12")) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, "changeit".toCharArray());
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, "changeit".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The CA that signed the server certificate, as PEM. */
    public static String caPem() {
        return resource("/tls/ca.pem");
    }

    /** A text resource, e.g. {@code /tls/other-ca.pem}. */
    public static String resource(String name) {
        try (InputStream in = Tls.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

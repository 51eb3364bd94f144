package dev.milvusupgrade.data;

import dev.milvusupgrade.plan.Text;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The {@link SSLContext} for Milvus over {@code https}. With a CA certificate (the {@code ca.crt} of milvusAuthSecret) it
 * trusts that CA only, unless asked to trust the JVM's public CAs beside it; without one, the JVM's CAs. Each check is the
 * JDK's own (chain building, expiry, hostname verification), done in two steps so that a failure says which it was: first
 * the chain without the host ({@link Untrusted} when no trusted CA signed it), then the same check with the host the
 * connection asked for ({@link HostMismatch} when the certificate does not name it).
 */
final class PinnedTrust {

    private static final int MAX_NAMES = 5;
    private static final int MAX_TEXT = 200;

    /** No trusted CA signed the server's certificate. */
    static final class Untrusted extends CertificateException {
        private static final long serialVersionUID = 1L;

        Untrusted(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A trusted certificate that does not name the host the connection asked for. */
    static final class HostMismatch extends CertificateException {
        private static final long serialVersionUID = 1L;

        HostMismatch(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private PinnedTrust() {
    }

    /**
     * @param pem one or more {@code -----BEGIN CERTIFICATE-----} blocks, the CA(s) to trust; empty: the JVM's CAs
     * @param trustPublicCas with {@code pem}, trust the JVM's CAs beside it
     * @throws IllegalArgumentException when the text holds no certificate
     */
    static SSLContext sslContext(Optional<String> pem, boolean trustPublicCas) {
        return sslContext(pem, trustPublicCas, null);
    }

    /** As {@link #sslContext(Optional, boolean)}, with {@code publicCas} standing for the JVM's CAs (null: the JVM's own). */
    static SSLContext sslContext(Optional<String> pem, boolean trustPublicCas, KeyStore publicCas) {
        try {
            List<X509ExtendedTrustManager> managers = new ArrayList<>();
            String what;
            if (pem.isPresent()) {
                managers.add(trustManager(store(pem.get())));
                if (trustPublicCas) {
                    managers.add(trustManager(publicCas));
                }
                what = trustPublicCas ? "the CA in ca.crt nor a public CA" : "the CA in ca.crt (the only one trusted)";
            } else {
                managers.add(trustManager(publicCas));
                what = "a CA this tool trusts (put the private CA in ca.crt of milvusAuthSecret)";
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new TwoStep(managers, what)}, null);
            return context;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static KeyStore store(String pem) throws GeneralSecurityException, java.io.IOException {
        Collection<? extends Certificate> certs;
        try {
            certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("the CA certificate is not a PEM certificate: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException("the CA certificate holds no PEM certificate");
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate c : certs) {
            store.setCertificateEntry("ca-" + i++, c);
        }
        return store;
    }

    private static X509ExtendedTrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return Arrays.stream(factory.getTrustManagers()).filter(X509ExtendedTrustManager.class::isInstance)
                .map(X509ExtendedTrustManager.class::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException("the JVM offers no X509 trust manager"));
    }

    private static String cut(String s) {
        return s.length() > MAX_TEXT ? s.substring(0, MAX_TEXT) + "…" : s;
    }

    /** The names a certificate is valid for, as the message of a mismatch shows them. */
    static String names(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alt = cert.getSubjectAlternativeNames();
            if (alt != null) {
                for (List<?> entry : alt) {
                    Object type = entry.get(0);
                    if (Integer.valueOf(2).equals(type) || Integer.valueOf(7).equals(type)) { // dNSName, iPAddress
                        names.add(Text.visibleControls(cut(String.valueOf(entry.get(1)))));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return "unreadable names";
        }
        if (names.isEmpty()) {
            return "no DNS name or IP address";
        }
        String shown = String.join(", ", names.subList(0, Math.min(MAX_NAMES, names.size())));
        return names.size() > MAX_NAMES ? shown + " and " + (names.size() - MAX_NAMES) + " more" : shown;
    }

    /** Server checks in two steps (chain, then host); client checks are never asked of a client. */
    private static final class TwoStep extends X509ExtendedTrustManager {
        private final List<X509ExtendedTrustManager> managers;
        private final String what;

        TwoStep(List<X509ExtendedTrustManager> managers, String what) {
            this.managers = List.copyOf(managers);
            this.what = what;
        }

        private interface Check {
            void run() throws CertificateException;
        }

        /** The first manager that trusts the chain (no host checked). */
        private X509ExtendedTrustManager chain(X509Certificate[] chain, String authType) throws CertificateException {
            CertificateException first = null;
            for (X509ExtendedTrustManager m : managers) {
                try {
                    m.checkServerTrusted(chain, authType);
                    return m;
                } catch (CertificateException e) {
                    first = first == null ? e : first;
                }
            }
            String subject = chain.length == 0 ? "an empty chain" : Text.visibleControls(cut(chain[0].getSubjectX500Principal().getName()));
            throw new Untrusted("its certificate (" + subject + ") is signed by neither " + what, first);
        }

        private void host(X509Certificate[] chain, String host, Check withHost) throws CertificateException {
            try {
                withHost.run();
            } catch (CertificateException e) {
                String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
                if (m.contains("matching") || m.contains("alternative names") || m.contains("no name")) {
                    throw new HostMismatch("the certificate does not name host " + host + " (it names " + names(chain[0]) + ")", e);
                }
                throw e;
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            X509ExtendedTrustManager m = chain(chain, authType);
            host(chain, engine == null ? "?" : engine.getPeerHost(), () -> m.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            X509ExtendedTrustManager m = chain(chain, authType);
            String host = socket instanceof SSLSocket s && s.getHandshakeSession() != null ? s.getHandshakeSession().getPeerHost() : "?";
            host(chain, host, () -> m.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            chain(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("this tool trusts no client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("this tool trusts no client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("this tool trusts no client certificates");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return managers.stream().flatMap(m -> Arrays.stream(m.getAcceptedIssuers())).toArray(X509Certificate[]::new);
        }
    }
}

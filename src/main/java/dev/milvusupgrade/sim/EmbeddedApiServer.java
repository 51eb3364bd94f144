package dev.milvusupgrade.sim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.UnaryOperator;

/**
 * An in-process Kubernetes API server (fabric8's mock server in CRUD mode) that knows the Milvus
 * resource with its status subresource, as the real CRD declares it. The demo and the tests run
 * the real client code against it. A dispatcher wrapper lets tests record or disturb requests.
 */
public final class EmbeddedApiServer implements AutoCloseable {

    public static final CustomResourceDefinitionContext MILVUS_CRD = new CustomResourceDefinitionContext.Builder()
            .withName(OperatorFacts.PLURAL + "." + OperatorFacts.GROUP)
            .withGroup(OperatorFacts.GROUP)
            .withVersion(OperatorFacts.VERSION)
            .withKind(OperatorFacts.KIND)
            .withPlural(OperatorFacts.PLURAL)
            .withScope("Namespaced")
            .withStatusSubresource(true)
            .build();

    /** Held so the level sticks: the mock server logs every request at INFO otherwise. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    public EmbeddedApiServer() {
        this(UnaryOperator.identity());
    }

    public EmbeddedApiServer(UnaryOperator<Dispatcher> wrap) {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher(List.of(MILVUS_CRD));
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), wrap.apply(crud), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
    }

    /** A client connected to this server; closed with it. */
    public KubernetesClient client() {
        return client;
    }

    /** Another client, e.g. one per simulated actor. The caller closes it. */
    public KubernetesClient newClient() {
        return server.createClient();
    }

    public String url() {
        return client.getConfiguration().getMasterUrl();
    }

    @Override
    public void close() {
        client.close();
        try {
            server.destroy();
        } catch (RejectedExecutionException e) {
            // The mock server closes its Vert.x, then waits for its HTTP server to close; when a watch connection (an
            // informer just closed) closes last, that completion is handed to the terminated event loop and refused.
            // The server is down either way.
        }
    }
}

package dev.milvusupgrade.k8s;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * Names of the Milvus Operator API and of our own keys on the cluster, in one place.
 *
 * <p>The tool always talks {@code milvus.io/v1beta1}: it is the storage version and the
 * conversion webhook for v1alpha1 is off in a default operator install.
 */
public final class MilvusApi {
    public static final String GROUP = "milvus.io";
    public static final String VERSION = "v1beta1";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    public static final String KIND = "Milvus";
    public static final String PLURAL = "milvuses";

    public static final ResourceDefinitionContext MILVUS = new ResourceDefinitionContext.Builder()
            .withGroup(GROUP)
            .withVersion(VERSION)
            .withKind(KIND)
            .withPlural(PLURAL)
            .withNamespaced(true)
            .build();

    /** Labels the operator puts on every component Deployment and pod. */
    public static final String LABEL_INSTANCE = "app.kubernetes.io/instance";
    public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
    public static final String LABEL_NAME = "app.kubernetes.io/name";
    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";

    /** Where the documented Helm install puts the operator. */
    public static final String OPERATOR_NAMESPACE = "milvus-operator";
    public static final String OPERATOR_DEPLOYMENT = "milvus-operator";
    public static final String LABEL_VERSION = "app.kubernetes.io/version";

    /** Our own keys: never under milvus.io/. */
    public static final String ANNOTATION_PREFIX = "milvus-upgrade.dev/";
    public static final String ANNOTATION_PHASE = ANNOTATION_PREFIX + "phase";
    public static final String ANNOTATION_RESULT = ANNOTATION_PREFIX + "result";

    private MilvusApi() {
    }
}

package dev.milvusupgrade.sim;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * The Milvus Operator's names as the operator states them, written down here for the simulator; never taken from
 * the tool, so the fake and the tool cannot agree by construction (OperatorFactsTest checks they agree, and that the
 * real CRD fixture says the same).
 */
final class OperatorFacts {

    /** apis/milvus.io/v1beta1/groupversion_info.go GroupVersion; the CRD's kind and plural (FACTS §1). */
    static final String GROUP = "milvus.io";
    static final String VERSION = "v1beta1";
    static final String API_VERSION = GROUP + "/" + VERSION;
    static final String KIND = "Milvus";
    static final String PLURAL = "milvuses";

    static final ResourceDefinitionContext MILVUS = new ResourceDefinitionContext.Builder()
            .withGroup(GROUP).withVersion(VERSION).withKind(KIND).withPlural(PLURAL).withNamespaced(true).build();

    /** pkg/controllers/utils.go AppLabel*, NewComponentAppLabels and ManagerName (FACTS §5 "Component Deployments"). */
    static final String LABEL_INSTANCE = "app.kubernetes.io/instance";
    static final String LABEL_COMPONENT = "app.kubernetes.io/component";
    static final String LABEL_NAME = "app.kubernetes.io/name";
    static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String LABEL_VERSION = "app.kubernetes.io/version";
    static final String APP_NAME = "milvus";
    static final String MANAGER_NAME = "milvus-operator";

    /** FACTS §5 "The operator's own Deployment": the documented {@code helm install milvus-operator -n milvus-operator}. */
    static final String OPERATOR_NAMESPACE = "milvus-operator";
    static final String OPERATOR_DEPLOYMENT = "milvus-operator";

    /** pkg/controllers/milvus_controller.go PauseReconcileAnnotation (FACTS §5, annotations the operator reads). */
    static final String PAUSE_RECONCILE = "milvus.io/pause-reconcile";

    private OperatorFacts() {
    }

    /** apis/milvus.io/v1beta1/label_annotations.go GetComponentGroupIdLabel: the group a Deployment is, on the Deployment. */
    static String groupLabel(String comp) {
        return "milvus.io/" + comp + "-group-id";
    }

    /** label_annotations.go GetComponentCurrentGroupIDLabel: the group that is current, an annotation on the CR. */
    static String currentGroupAnnotation(String comp) {
        return "milvus.io/" + comp + "-current-group-id";
    }

    /** label_annotations.go GetRollingIdLabelByComponent: on the CR while the component rolls, the generation that started it. */
    static String rollingLabel(String comp) {
        return "milvus.io/" + comp + "-rolling-id";
    }
}

package dev.milvusupgrade.k8s;

import dev.milvusupgrade.plan.MilvusRef;
import dev.milvusupgrade.plan.Text;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Kubernetes Events (core/v1), so that {@code kubectl describe milvus} and {@code kubectl describe
 * configmap} show what the tool did. Events are best effort: a failure to write one is logged and
 * never changes the outcome of a run.
 */
public final class EventRecorder {

    public static final String STAGE_STARTED = "UpgradeStageStarted";
    public static final String STAGE_SUCCEEDED = "UpgradeStageSucceeded";
    public static final String UPGRADE_SUCCEEDED = "UpgradeSucceeded";
    public static final String UPGRADE_FAILED = "UpgradeFailed";
    public static final String UPGRADE_REJECTED = "UpgradeRejected";
    public static final String UPGRADE_DEFERRED = "UpgradeDeferred";
    public static final String UPGRADE_PAUSED = "UpgradePaused";
    public static final String UPGRADE_INTERRUPTED = "UpgradeInterrupted";
    public static final String BACKUP_STARTED = "UpgradeBackupStarted";
    public static final String BACKUP_SUCCEEDED = "UpgradeBackupSucceeded";
    public static final String SOURCE = "milvus-upgrade";

    /** The longest Event message written: one line, control characters visible (the API server's own limit is 1 KiB). */
    static final int MAX_MESSAGE = 1024;

    private static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final KubernetesClient client;
    private final Clock clock;
    private final String runId;
    private final Consumer<String> log;
    private final AtomicInteger seq = new AtomicInteger();

    public EventRecorder(KubernetesClient client, Clock clock, String runId, Consumer<String> log) {
        this.client = client;
        this.clock = clock;
        this.runId = runId;
        this.log = log;
    }

    public static ObjectReference milvus(String namespace, String name) {
        return new ObjectReferenceBuilder().withApiVersion(MilvusApi.API_VERSION).withKind(MilvusApi.KIND)
                .withNamespace(namespace).withName(name).build();
    }

    public static ObjectReference configMap(String namespace, String name) {
        return new ObjectReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withNamespace(namespace).withName(name).build();
    }

    /**
     * Records one event on the Milvus resource (when the intent named one) and one on the intent ConfigMap
     * {@code intentNamespace/intentName}.
     */
    public void emit(boolean warning, String reason, String message, MilvusRef milvus, String intentNamespace, String intentName) {
        ObjectReference intent = configMap(intentNamespace, intentName);
        emit(warning, reason, message, milvus.named() ? new ObjectReference[] {milvus(milvus.namespace(), milvus.name()), intent}
                : new ObjectReference[] {intent});
    }

    /** Records one event on the ConfigMap {@code namespace/name} (a fleet's intent). */
    public void emitOnConfigMap(boolean warning, String reason, String message, String namespace, String name) {
        emit(warning, reason, message, configMap(namespace, name));
    }

    /** Records one event on each target; {@code warning} selects type Warning over Normal. */
    public void emit(boolean warning, String reason, String message, ObjectReference... targets) {
        String now = MICRO.format(clock.instant().truncatedTo(ChronoUnit.MICROS));
        for (ObjectReference target : targets) {
            String name = target.getName() + "." + runId + "-" + seq.incrementAndGet();
            try {
                client.v1().events().inNamespace(target.getNamespace()).resource(new EventBuilder()
                        .withNewMetadata().withName(name.toLowerCase(Locale.ROOT)).withNamespace(target.getNamespace()).endMetadata()
                        .withInvolvedObject(target)
                        .withType(warning ? "Warning" : "Normal")
                        .withReason(reason)
                        .withMessage(Text.oneLine(message, MAX_MESSAGE))
                        .withNewSource().withComponent(SOURCE).endSource()
                        .withReportingComponent(SOURCE)
                        .withReportingInstance(runId)
                        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                        .build()).create();
            } catch (KubernetesClientException e) {
                log.accept("could not record event " + reason + " on " + target.getKind() + " " + target.getName() + " (" + e.getCode()
                        + ")");
            }
        }
    }
}

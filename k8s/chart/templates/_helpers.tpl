{{/* The name of every object, the intent ConfigMap and the Role's resourceNames: fullnameOverride, else the release name; at most 45 characters, so that "<name>-window" is a valid CronJob name. */}}
{{- define "milvus-upgrade.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 45 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object. The pod template carries only the selector labels: a Job's template cannot change. */}}
{{- define "milvus-upgrade.labels" -}}
{{ include "milvus-upgrade.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "milvus-upgrade.selectorLabels" -}}
app.kubernetes.io/name: milvus-upgrade
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Argo CD hook annotations (mode argocd-hook): PreSync, kept until the next sync replaces it; the wave is the argument. */}}
{{- define "milvus-upgrade.hook" -}}
argocd.argoproj.io/hook: PreSync
argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
argocd.argoproj.io/sync-wave: {{ . | quote }}
{{- end -}}

{{/* metadata.annotations for an object in sync wave .wave, only in mode argocd-hook. */}}
{{- define "milvus-upgrade.hookAnnotations" -}}
{{- if eq .root.Values.mode "argocd-hook" }}
annotations:
  {{- include "milvus-upgrade.hook" .wave | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "milvus-upgrade.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/*
A Lease name, the rule of plan/LeaseNames.java (HelmChartTest compares the two): .prefix + .name where unambiguous and
at most 253 characters, else a readable prefix, "-h" and 16 hex digits of the SHA-256 of "<kind>/<name>".
*/}}
{{- define "milvus-upgrade.leaseName" -}}
{{- $full := printf "%s%s" .prefix .name -}}
{{- if and (not (and (eq .kind "milvus") (hasPrefix "fleet-" .name))) (le (len $full) 253) (not (regexMatch "-h[0-9a-f]{16}$" .name)) -}}
{{ $full }}
{{- else -}}
{{- $keep := regexReplaceAll "[-.]+$" (trunc (int (sub 235 (len .prefix))) .name) "" -}}
{{ .prefix }}{{ $keep }}-h{{ sha256sum (printf "%s/%s" .kind .name) | trunc 16 }}
{{- end -}}
{{- end -}}

{{/* The Leases the base Role may read and renew: the intent's Milvus's, and the fleet intent's run's. */}}
{{- define "milvus-upgrade.leaseNames" -}}
{{- $names := list -}}
{{- if .Values.milvus -}}
{{- $names = append $names (include "milvus-upgrade.leaseName" (dict "prefix" "milvus-upgrade-" "kind" "milvus" "name" .Values.milvus)) -}}
{{- end -}}
{{- $names = append $names (include "milvus-upgrade.leaseName" (dict "prefix" "milvus-upgrade-fleet-" "kind" "fleet" "name" (include "milvus-upgrade.fullname" .))) -}}
{{- range $i, $n := $names }}{{ if $i }}, {{ end }}{{ $n | quote }}{{ end -}}
{{- end -}}

{{/* The namespaces the Milvus resources live in: the fleet's list, else milvusNamespace, else the release's. */}}
{{- define "milvus-upgrade.milvusNamespaces" -}}
{{- $i := .Values.intent -}}
{{- if $i.selector -}}
{{- if not $i.namespaces -}}
{{- fail "milvusAuthSecretReader in a fleet needs intent.namespaces: the chart renders the Secret reader in each of them" -}}
{{- end -}}
{{- join "," $i.namespaces -}}
{{- else -}}
{{- default .Release.Namespace $i.milvusNamespace -}}
{{- end -}}
{{- end -}}

{{/*
The Job's spec, the same in the Job and in both CronJobs' jobTemplate (k8s/base/job.yaml).
podFailurePolicy and the security contexts are not values: they carry the contract's exit codes and the restricted
Pod Security Standard, and HelmChartTest fails if they differ from k8s/base.
*/}}
{{- define "milvus-upgrade.jobSpec" -}}
# Retries are for exit 75 only (lock held, API unreachable); podFailurePolicy ends the Job on 1 and 2.
backoffLimit: {{ .Values.job.backoffLimit }}
# Upper bound for a whole run: two stages at the default 30m stageTimeout plus margin; a rerun resumes.
activeDeadlineSeconds: {{ .Values.job.activeDeadlineSeconds }}
# Keep the finished Job and its termination message for a day for kubectl and Argo CD, then clean up.
ttlSecondsAfterFinished: {{ .Values.job.ttlSecondsAfterFinished }}
podFailurePolicy:
  rules:
    # 1 = a stage started and did not complete, 2 = rejected before any change: a retry cannot help.
    - action: FailJob
      onExitCodes:
        containerName: milvus-upgrade
        operator: In
        values: [1, 2]
    # 75 = temporary: count it against backoffLimit and retry with the Job's backoff.
    - action: Count
      onExitCodes:
        containerName: milvus-upgrade
        operator: In
        values: [75]
    # Evictions and preemptions are not the tool's fault: retry without counting.
    - action: Ignore
      onPodConditions:
        - type: DisruptionTarget
template:
  metadata:
    labels:
      {{- include "milvus-upgrade.selectorLabels" . | nindent 6 }}
  spec:
    serviceAccountName: {{ include "milvus-upgrade.fullname" . }}
    # This pod talks to the API server; the ServiceAccount itself does not mount tokens by default.
    automountServiceAccountToken: true
    # podFailurePolicy requires Never: each retry is a new pod, so exit codes reach the policy.
    restartPolicy: Never
    # On SIGTERM the run records Interrupted, emits an Event and releases its Lease within 20 s, then exits 75.
    terminationGracePeriodSeconds: 30
    securityContext:
      runAsNonRoot: true
      runAsUser: 65532
      runAsGroup: 65532
      seccompProfile:
        type: RuntimeDefault
    {{- with .Values.imagePullSecrets }}
    imagePullSecrets:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .Values.nodeSelector }}
    nodeSelector:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .Values.tolerations }}
    tolerations:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .Values.affinity }}
    affinity:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    containers:
      - name: milvus-upgrade
        image: {{ include "milvus-upgrade.image" . | quote }}
        {{- with .Values.image.pullPolicy }}
        imagePullPolicy: {{ . }}
        {{- end }}
        args: ["run"]
        env:
          # The intent lives in the Job's own namespace unless --namespace says otherwise.
          - name: POD_NAMESPACE
            valueFrom:
              fieldRef:
                fieldPath: metadata.namespace
          - name: MILVUS_UPGRADE_INTENT
            value: {{ include "milvus-upgrade.fullname" . | quote }}
          # activeDeadlineSeconds above: an intent whose stageTimeout or backupTimeout exceeds it is refused up front.
          - name: MILVUS_UPGRADE_JOB_DEADLINE
            value: {{ printf "%ds" (int .Values.job.activeDeadlineSeconds) | quote }}
          {{- with .Values.settings }}
          {{- if not (kindIs "invalid" .deadlockGrace) }}
          - name: MILVUS_UPGRADE_DEADLOCK_GRACE
            value: {{ .deadlockGrace | toString | quote }}
          {{- end }}
          {{- if not (kindIs "invalid" .settle) }}
          - name: MILVUS_UPGRADE_SETTLE
            value: {{ .settle | toString | quote }}
          {{- end }}
          {{- if not (kindIs "invalid" .progressInterval) }}
          - name: MILVUS_UPGRADE_PROGRESS_INTERVAL
            value: {{ .progressInterval | toString | quote }}
          {{- end }}
          {{- if not (kindIs "invalid" .leaseDuration) }}
          - name: MILVUS_UPGRADE_LEASE_DURATION
            value: {{ .leaseDuration | toString | quote }}
          {{- end }}
          {{- with .allowedRepositories }}
          - name: MILVUS_UPGRADE_ALLOWED_REPOSITORIES
            value: {{ join "," . | quote }}
          {{- end }}
          {{- with .allowedNamespaces }}
          - name: MILVUS_UPGRADE_ALLOWED_NAMESPACES
            value: {{ join "," . | quote }}
          {{- end }}
          {{- with .canaryClusters }}
          - name: MILVUS_UPGRADE_CANARY_CLUSTERS
            value: {{ join "," . | quote }}
          {{- end }}
          {{- with .plainHttpHosts }}
          - name: MILVUS_UPGRADE_PLAIN_HTTP_HOSTS
            value: {{ join "," . | quote }}
          {{- end }}
          {{- if .trustPublicCas }}
          - name: MILVUS_UPGRADE_TRUST_PUBLIC_CAS
            value: "true"
          {{- end }}
          {{- if .logJson }}
          - name: QUARKUS_LOG_CONSOLE_JSON_ENABLED
            value: "true"
          {{- end }}
          {{- end }}
          {{- with .Values.extraEnv }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        # The native binary idles on two watch streams: tens of MiB, a fraction of a core.
        resources:
          {{- toYaml .Values.resources | nindent 10 }}
        # The one-line outcome is written to /dev/termination-log; logs stand in if the process dies first.
        terminationMessagePolicy: FallbackToLogsOnError
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          runAsNonRoot: true
          capabilities:
            drop: ["ALL"]
        volumeMounts:
          - name: tmp
            mountPath: /tmp
    volumes:
      # The root filesystem is read-only; the JVM/native runtime may still want a scratch /tmp.
      - name: tmp
        emptyDir:
          sizeLimit: 16Mi
{{- end -}}

{{/*
Names, labels and shared pieces of the orch chart. Per-service templates take a context built by
"orch.ctx": (dict "root" $ "name" "<service>" "svc" <values of that service>).
*/}}

{{/* The six services, in the order they are rendered. */}}
{{- define "orch.serviceNames" -}}
api scheduler lease-broker ledger-writer rate-limiter event-notifier
{{- end }}

{{/* Container port of a service (the app's own HTTP_PORT default). Argument: the service name. */}}
{{- define "orch.servicePort" -}}
{{- $ports := dict "api" 8080 "scheduler" 8081 "lease-broker" 8082 "ledger-writer" 8083 "rate-limiter" 8084 "event-notifier" 8085 -}}
{{- required (printf "orch: no port known for service %q" .) (get $ports .) -}}
{{- end }}

{{/* Whether a service may have a configurable Service type/port and an Ingress. */}}
{{- define "orch.isExposed" -}}
{{- if has . (list "api" "event-notifier") }}true{{ end -}}
{{- end }}

{{- define "orch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name prefix. Truncated to 48 characters so "<fullname>-event-notifier" stays within the
63-character DNS label limit.
*/}}
{{- define "orch.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 48 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 48 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 48 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "orch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object (app.kubernetes.io conventions). */}}
{{- define "orch.labels" -}}
helm.sh/chart: {{ include "orch.chart" . }}
{{ include "orch.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: orch
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "orch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Per-service name, labels and selector labels; the component label tells the services apart. */}}
{{- define "orch.componentFullname" -}}
{{- printf "%s-%s" (include "orch.fullname" .root) .name }}
{{- end }}

{{- define "orch.componentLabels" -}}
{{ include "orch.labels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{- define "orch.componentSelectorLabels" -}}
{{ include "orch.selectorLabels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{- define "orch.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "orch.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "orch.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding DATABASE_URL, and its key. */}}
{{- define "orch.postgresSecretName" -}}
{{- default (printf "%s-postgres" (include "orch.fullname" .)) .Values.postgres.existingSecret }}
{{- end }}

{{- define "orch.postgresSecretKey" -}}
{{- if .Values.postgres.existingSecret }}{{ .Values.postgres.existingSecretKey }}{{ else }}url{{ end }}
{{- end }}

{{/* SHUTDOWN_GRACE_MS of a service: its own override or the global value. Argument: the context. */}}
{{- define "orch.shutdownGraceMs" -}}
{{- if hasKey .svc "shutdownGraceMs" }}{{ .svc.shutdownGraceMs }}{{ else }}{{ .root.Values.shutdownGraceMs }}{{ end }}
{{- end }}

{{/*
terminationGracePeriodSeconds: preStop sleep + the drain budget + 5 s, so the kubelet never
SIGKILLs a service that is still inside its own SHUTDOWN_GRACE_MS.
*/}}
{{- define "orch.terminationGracePeriodSeconds" -}}
{{- $graceMs := include "orch.shutdownGraceMs" . | int }}
{{- add .root.Values.preStopSleepSeconds (div (add $graceMs 999) 1000) 5 }}
{{- end }}

{{/* Restricted-profile container security context; the image runs as a non-root numeric user. */}}
{{- define "orch.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "orch.podSecurityContext" -}}
runAsNonRoot: true
{{- with .Values.podSecurityContext }}
{{- with .runAsUser }}
runAsUser: {{ . }}
{{- end }}
{{- with .runAsGroup }}
runAsGroup: {{ . }}
{{- end }}
{{- with .fsGroup }}
fsGroup: {{ . }}
{{- end }}
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Pod annotations that roll the pods when the shared configuration changes. */}}
{{- define "orch.configChecksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}

{{/* DATABASE_URL, always from a Secret (never from the ConfigMap). */}}
{{- define "orch.databaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "orch.postgresSecretName" . }}
      key: {{ include "orch.postgresSecretKey" . }}
{{- end }}

{{/* NATS credentials from nats.existingSecret, when set. */}}
{{- define "orch.natsEnv" -}}
{{- if .Values.nats.existingSecret -}}
- name: NATS_USER
  valueFrom:
    secretKeyRef:
      name: {{ .Values.nats.existingSecret }}
      key: {{ .Values.nats.userKey }}
- name: NATS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.nats.existingSecret }}
      key: {{ .Values.nats.passwordKey }}
{{- end }}
{{- end }}

{{/* The preStop hook that lets endpoints drain before SIGTERM. */}}
{{- define "orch.lifecycle" -}}
{{- if gt (int .Values.preStopSleepSeconds) 0 -}}
lifecycle:
  preStop:
    exec:
      command: ["sleep", "{{ .Values.preStopSleepSeconds }}"]
{{- end }}
{{- end }}

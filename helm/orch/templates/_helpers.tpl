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

{{/* The services' NATS credentials (values nats.*): NATS_USER/NATS_PASSWORD or NATS_NKEY_SEED_FILE. */}}
{{- define "orch.natsEnv" -}}
{{- include "orch.natsCredentialsEnv" (dict "nats" .Values.nats "prefix" "NATS") | trim }}
{{- end }}

{{/*
NATS credentials of a container. Argument: (dict "nats" <credentials values> "prefix" "NATS" or "DEMO_NATS").
existingSecret gives <prefix>_USER and <prefix>_PASSWORD; nkeySeedSecret is mounted by "orch.natsSeedVolume"
and named by <prefix>_NKEY_SEED_FILE (read at every reconnect, so a rotated Secret needs no restart).
*/}}
{{- define "orch.natsCredentialsEnv" -}}
{{- if .nats.existingSecret }}
- name: {{ .prefix }}_USER
  valueFrom:
    secretKeyRef:
      name: {{ .nats.existingSecret }}
      key: {{ .nats.userKey }}
- name: {{ .prefix }}_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .nats.existingSecret }}
      key: {{ .nats.passwordKey }}
{{- end }}
{{- if .nats.nkeySeedSecret }}
- name: {{ .prefix }}_NKEY_SEED_FILE
  value: /var/run/secrets/orch/nats/seed
{{- end }}
{{- end }}

{{/* The nkey seed Secret as a volume (only its seed key), when set. Argument: the credentials values. */}}
{{- define "orch.natsSeedVolume" -}}
{{- if .nkeySeedSecret }}
- name: nats-nkey
  secret:
    secretName: {{ .nkeySeedSecret }}
    # 0440 (in decimal: YAML 1.1 and 1.2 parsers disagree on 0440): readable by the pod's fsGroup, not by the world.
    defaultMode: 288
    items:
      - key: {{ .nkeySeedKey }}
        path: seed
{{- end }}
{{- end }}

{{- define "orch.natsSeedVolumeMount" -}}
{{- if .nkeySeedSecret }}
- name: nats-nkey
  mountPath: /var/run/secrets/orch/nats
  readOnly: true
{{- end }}
{{- end }}

{{/* Whether a service verifies bearer tokens (and so needs AUTH_*). Argument: the service name. */}}
{{- define "orch.verifiesTokens" -}}
{{- if has . (list "api" "event-notifier") }}true{{ end -}}
{{- end }}

{{/* Where a jwksSecret is mounted, and the file AUTH_JWKS_FILE names. */}}
{{- define "orch.authJwksDir" -}}/var/run/secrets/orch/auth{{- end }}

{{/*
AUTH_* of a service that verifies bearer tokens (values auth.*). Fails rendering unless exactly one key
source is set: the api and the event-notifier refuse to start without one, and with both.
*/}}
{{- define "orch.authEnv" -}}
{{- $auth := .Values.auth }}
{{- if and $auth.jwksUrl $auth.jwksSecret }}
{{- fail "orch: set only one of auth.jwksUrl and auth.jwksSecret: the api and the event-notifier verify tokens against exactly one key source" }}
{{- end }}
{{- if not (or $auth.jwksUrl $auth.jwksSecret) }}
{{- fail "orch: set auth.jwksUrl (your identity provider's JWKS endpoint) or auth.jwksSecret (a Secret holding a public jwks.json): the api and the event-notifier cannot verify bearer tokens without one" }}
{{- end }}
{{- if $auth.jwksUrl }}
- name: AUTH_JWKS_URL
  value: {{ $auth.jwksUrl | quote }}
{{- else }}
- name: AUTH_JWKS_FILE
  value: {{ printf "%s/jwks.json" (include "orch.authJwksDir" .) | quote }}
{{- end }}
- name: AUTH_ISSUER
  value: {{ $auth.issuer | quote }}
- name: AUTH_AUDIENCE
  value: {{ $auth.audience | quote }}
- name: AUTH_CLOCK_TOLERANCE_S
  value: {{ $auth.clockToleranceSeconds | quote }}
{{- end }}

{{/* The jwksSecret as a volume (only its JWKS key), when set. Argument: the root context. */}}
{{- define "orch.authJwksVolume" -}}
{{- if .Values.auth.jwksSecret }}
- name: auth-jwks
  secret:
    secretName: {{ .Values.auth.jwksSecret }}
    # 0444 (in decimal): public keys only.
    defaultMode: 292
    items:
      - key: {{ .Values.auth.jwksSecretKey }}
        path: jwks.json
{{- end }}
{{- end }}

{{- define "orch.authJwksVolumeMount" -}}
{{- if .Values.auth.jwksSecret }}
- name: auth-jwks
  mountPath: {{ include "orch.authJwksDir" . }}
  readOnly: true
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

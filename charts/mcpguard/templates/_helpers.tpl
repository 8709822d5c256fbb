{{- define "mcpguard.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "mcpguard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "mcpguard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mcpguard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "mcpguard.labels" -}}
{{ include "mcpguard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "mcpguard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "mcpguard.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* image: repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "mcpguard.image" -}}
{{- $tag := .image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}

{{/*
The restricted Pod Security profile, per container: no privilege escalation, every capability dropped,
nothing written outside the volumes mounted for it.
*/}}
{{- define "mcpguard.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.runAsUser }}
runAsGroup: {{ .Values.runAsUser }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The upstream port the proxy forwards to: the MCP server's, on loopback. */}}
{{- define "mcpguard.upstreamPort" -}}
{{- if eq .Values.shape "bitbucket" -}}{{ .Values.bitbucket.port }}{{- else -}}{{ .Values.server.port }}{{- end -}}
{{- end -}}

{{- define "mcpguard.upstreamPath" -}}
{{- if eq .Values.shape "bitbucket" -}}/mcp{{- else -}}{{ .Values.server.path }}{{- end -}}
{{- end -}}

{{- define "mcpguard.scheme" -}}
{{- if .Values.proxy.tls.enabled -}}https{{- else -}}http{{- end -}}
{{- end -}}

{{/* The proxy's configuration file: what the chart decides, then proxy.config merged over it. */}}
{{- define "mcpguard.proxyConfig" -}}
{{- $fullname := include "mcpguard.fullname" . -}}
{{- $svc := printf "%s.%s.svc" $fullname .Release.Namespace -}}
{{- /* localhost always: the probes name it (the kubelet would send the pod IP). */ -}}
{{- $hosts := concat (list "localhost") .Values.proxy.allowedHosts (list $fullname (printf "%s.%s" $fullname .Release.Namespace) $svc (printf "%s.cluster.local" $svc)) | uniq -}}
{{- $resource := .Values.proxy.resource | default (printf "%s://%s:%v/mcp" (include "mcpguard.scheme" .) $svc .Values.service.port) -}}
{{- $config := dict
  "listen" (dict "host" "0.0.0.0" "port" .Values.proxy.port "allowed-hosts" $hosts "allowed-origins" .Values.proxy.allowedOrigins)
  "upstream" (dict "url" (printf "http://127.0.0.1:%s%s" (include "mcpguard.upstreamPort" .) (include "mcpguard.upstreamPath" .)))
  "auth" (dict "mode" .Values.auth.mode "resource" $resource "issuer" .Values.auth.issuer)
  "audit" (dict "enabled" .Values.audit.enabled "otlp-endpoint" .Values.audit.otlpEndpoint "otlp-protocol" .Values.audit.otlpProtocol "spool-dir" "/var/lib/mcpguard/audit-spool")
-}}
{{- if eq .Values.policy.engine "rest" -}}
{{- $_ := set $config "opa" (dict "url" (printf "http://127.0.0.1:%v" .Values.policy.opa.port)) -}}
{{- else -}}
{{- $_ := set $config "policy" (dict "engine" "wasm" "bundle-file" (printf "/etc/mcpguard/policy/%s" .Values.policy.bundle.configMapKey)) -}}
{{- end -}}
{{- if .Values.proxy.tls.enabled -}}
{{- /* The mounted Secret's files; the proxy re-reads them when cert-manager rotates the Secret. Client
       certificates (listen.tls.client-auth, client-ca-file, client-subjects) go in proxy.config. */ -}}
{{- $_ := set $config.listen "tls" (dict "enabled" true "cert-file" "/etc/mcpguard/tls/tls.crt" "key-file" "/etc/mcpguard/tls/tls.key") -}}
{{- end -}}
{{- if .Values.secrets.apiKeys.name -}}
{{- $_ := set $config.auth "api-keys" (dict "file" "/etc/mcpguard/secrets/api-keys/keys.yaml") -}}
{{- end -}}
{{- if .Values.secrets.upstreamCredential.name -}}
{{- $_ := set $config.upstream "credential-file" "/etc/mcpguard/secrets/upstream/credential" -}}
{{- end -}}
{{- if .Values.secrets.maskHashKey.name -}}
{{- $_ := set $config "mask" (dict "hash-key-file" "/etc/mcpguard/secrets/mask/hash.key") -}}
{{- end -}}
{{- if .Values.secrets.auditSubjectHashKey.name -}}
{{- $_ := set $config.audit "subject-hash-key-file" "/etc/mcpguard/secrets/audit/subject.key" -}}
{{- end -}}
{{- if .Values.secrets.requestStateKey.name -}}
{{- $_ := set $config.upstream "request-state-key-file" "/etc/mcpguard/secrets/request-state/state.key" -}}
{{- end -}}
{{- toYaml (mergeOverwrite $config (deepCopy .Values.proxy.config)) -}}
{{- end -}}

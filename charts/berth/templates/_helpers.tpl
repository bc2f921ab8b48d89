{{/* Names and labels shared by every template. */}}

{{- define "berth.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name: the release name alone when it already says berth. */}}
{{- define "berth.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "berth.selectorLabels" -}}
app.kubernetes.io/name: {{ include "berth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "berth.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "berth.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "berth.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "berth.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Fails the render when the values contradict each other (the schema cannot say all of it). */}}
{{- define "berth.validate" -}}
{{- if and (eq .Values.mode "namespaced") (empty .Values.namespaces) -}}
{{- fail "mode namespaced needs at least one entry in namespaces" -}}
{{- end -}}
{{- if and .Values.impersonation.defaultServiceAccount (not .Values.impersonation.enabled) -}}
{{- fail "impersonation.defaultServiceAccount needs impersonation.enabled" -}}
{{- end -}}
{{- if and .Values.redis.url .Values.redis.existingSecret.name -}}
{{- fail "set redis.url or redis.existingSecret.name, not both" -}}
{{- end -}}
{{- end -}}

{{/* What Berth needs besides the objects it manages: its Applications, their status, Events, release records, repository credentials. */}}
{{- define "berth.coreRules" -}}
- apiGroups: [berth.dev]
  resources: [applications]
  verbs: [get, list, watch]
- apiGroups: [berth.dev]
  resources: [applications/status]
  verbs: [get, patch, update]
# Where notifications go (src/notify); their Secrets are read with the `secrets: get` below.
- apiGroups: [berth.dev]
  resources: [notificationproviders, notificationrules]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
# Reading only: release records of older versions beside each Application (moved once into the
# release's namespace, where the Role berth.releaseRecordRules grants writing), the legacy berth-policy.
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get]
# Repository credentials named by spec.source.credentialsSecret.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
{{- if .Values.impersonation.enabled }}
# Acting as an Application's ServiceAccount (spec.serviceAccountName).
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [impersonate]
{{- end }}
{{- end -}}

{{/* Release records: ConfigMaps berth-release-<uid> in the release's own namespace, the only place Berth writes ConfigMaps of its own. */}}
{{- define "berth.releaseRecordRules" -}}
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch, create, update, patch, delete]
{{- end -}}

{{/* Reading BerthPolicies (per-namespace policy) and HealthRules (health of operators' kinds): cluster-scoped objects tenants cannot write, so always a ClusterRole. */}}
{{- define "berth.policyReadRule" -}}
- apiGroups: [berth.dev]
  resources: [berthpolicies, healthrules]
  verbs: [get, list, watch]
{{- end -}}

{{/* The groups a ServiceAccount's token carries, which impersonating one must name too. Not namespaced: always a ClusterRole. */}}
{{- define "berth.impersonateGroupsRule" -}}
- apiGroups: [""]
  resources: [groups]
  verbs: [impersonate]
  {{- if eq .Values.mode "namespaced" }}
  resourceNames:
    - system:authenticated
    - system:serviceaccounts
    {{- range .Values.namespaces }}
    - system:serviceaccounts:{{ . }}
    {{- end }}
  {{- end }}
{{- end -}}

/**
 * Argo CD (`argoproj.io/v1alpha1`) `Application` and `AppProject` to a Berth
 * Application and a BerthPolicy. Pure: objects in, objects and findings out.
 *
 * The Berth Application lives in its destination namespace, not in `argocd`:
 * Berth reads an Application's credentials and policy by the Application's own
 * namespace, so the namespace is the tenant. The AppProject's BerthPolicy
 * therefore governs the namespaces its destinations name. An Application is
 * refused, never half-converted, where dropping a field would deploy something
 * else or somewhere else (another cluster, a Helm repository chart, a plugin).
 */
import type { ApplicationSpecInput, IgnoreDifference } from '../application/schema.ts';
import type { HelmParameter, SourceSpecInput } from '../application/source-spec.ts';
import { kindGlobPattern, namespaceGlobPattern } from '../policy/berth-policy-schema.ts';
import {
  array, berthApplication, berthPolicy, describeSource, FindingList, record, string, stringMap, strings, type Conversion,
} from './findings.ts';

/** How Argo CD names the cluster it runs in. */
const inClusterServer = 'https://kubernetes.default.svc';
const inClusterName = 'in-cluster';
const notYetMultiCluster = 'only the cluster Berth runs against is supported until clusters can be named (issue 19)';

const applicationReasons: Readonly<Record<string, string>> = {
  revisionHistoryLimit: 'Berth keeps its own release history',
  info: 'Berth has no free-form info fields',
  sourceHydrator: 'source hydration is not supported',
};
const directoryReasons = { jsonnet: 'Jsonnet is not supported: render it to YAML in Git' };
const kustomizeReasons: Readonly<Record<string, string>> = {
  version: 'Berth runs one kustomize binary',
  replicas: 'replica overrides are not supported: set them in the kustomization',
  patches: 'inline patches are not supported: put them in the kustomization in Git',
  components: 'extra components are not supported: list them in the kustomization in Git',
  forceCommonLabels: 'Berth never overrides labels already set',
  forceCommonAnnotations: 'Berth never overrides annotations already set',
  labelWithoutSelector: 'Berth\'s commonLabels always reach selectors, as kustomize\'s commonLabels do',
  labelIncludeTemplates: 'Berth\'s commonLabels always reach templates, as kustomize\'s commonLabels do',
  commonAnnotationsEnvsubst: 'environment substitution is not supported',
  kubeVersion: 'Berth passes the cluster\'s version to Helm only',
  apiVersions: 'Berth passes API versions to Helm only',
};
const helmReasons: Readonly<Record<string, string>> = {
  fileParameters: '--set-file is not supported: a file is a value file (valueFiles) or a value',
  version: 'Berth always renders with Helm 3',
  passCredentials: 'Berth never passes repository credentials to other hosts',
  ignoreMissingValueFiles: 'a missing value file is always an error in Berth',
  skipSchemaValidation: 'Berth always validates values against the chart\'s schema',
  skipTests: 'Berth decides itself what happens to test hooks',
  namespace: 'the release namespace is the destination namespace',
};
const syncOptionReasons: Readonly<Record<string, string>> = {
  Validate: 'Berth always applies with server-side validation',
  PruneLast: 'Berth prunes after everything else is applied',
  Replace: 'Berth never replaces objects; use Force=true to recreate what cannot be patched',
  FailOnSharedResource: 'not supported: Berth refuses objects another Application has marked as its own',
  RespectIgnoreDifferences: 'not supported as an option',
  SkipDryRunOnMissingResource: 'Berth dry-runs every object; CRDs in the same render are applied first',
};
const projectReasons: Readonly<Record<string, string>> = {
  roles: 'Berth has no project roles: grant access to the Applications\' namespace with Kubernetes RBAC',
  syncWindows: 'sync windows are not supported',
  orphanedResources: 'orphaned-resource monitoring is not supported',
  signatureKeys: 'commit signature verification is not supported',
  sourceNamespaces: 'a BerthPolicy governs the namespaces its Applications live in (its destinations here)',
  permitOnlyProjectScopedClusters: notYetMultiCluster,
  destinationServiceAccounts: 'impersonation per destination is not supported: set spec.serviceAccountName on the Application',
};

function directory(source: Record<string, unknown>, field: string, findings: FindingList): SourceSpecInput['directory'] {
  findings.dropOthers(source, field, ['recurse', 'include', 'exclude'], directoryReasons);
  const include = strings(source.include);
  const exclude = strings(source.exclude);
  return {
    ...(source.recurse === true ? { recurse: true } : {}),
    ...(include.length > 0 ? { include } : {}),
    ...(exclude.length > 0 ? { exclude } : {}),
  };
}

function kustomize(source: Record<string, unknown>, field: string, findings: FindingList): SourceSpecInput['kustomize'] {
  findings.dropOthers(source, field, ['namePrefix', 'nameSuffix', 'namespace', 'images', 'commonLabels', 'commonAnnotations'], kustomizeReasons);
  const images = strings(source.images);
  const labels = stringMap(source.commonLabels);
  const annotations = stringMap(source.commonAnnotations);
  return {
    ...(string(source.namePrefix) ? { namePrefix: string(source.namePrefix) } : {}),
    ...(string(source.nameSuffix) ? { nameSuffix: string(source.nameSuffix) } : {}),
    ...(string(source.namespace) ? { namespace: string(source.namespace) } : {}),
    ...(images.length > 0 ? { images } : {}),
    ...(Object.keys(labels).length > 0 ? { commonLabels: labels } : {}),
    ...(Object.keys(annotations).length > 0 ? { commonAnnotations: annotations } : {}),
  };
}

/** A parameter's value as Helm reads it: YAML may have made `true` or `2` of it. */
function scalar(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

function helm(source: Record<string, unknown>, field: string, findings: FindingList): SourceSpecInput['helm'] {
  findings.dropOthers(source, field, ['releaseName', 'valueFiles', 'values', 'valuesObject', 'parameters', 'skipCrds', 'kubeVersion', 'apiVersions'], helmReasons);
  const parameters: HelmParameter[] = array(source.parameters).map(record)
    .filter((parameter) => string(parameter.name))
    .map((parameter) => ({ name: string(parameter.name) ?? '', value: scalar(parameter.value), forceString: parameter.forceString === true }));
  const valueFiles = strings(source.valueFiles);
  const apiVersions = strings(source.apiVersions);
  const valuesObject = record(source.valuesObject);
  return {
    ...(string(source.releaseName) ? { releaseName: string(source.releaseName) } : {}),
    ...(valueFiles.length > 0 ? { valueFiles } : {}),
    ...(string(source.values) ? { values: string(source.values) } : {}),
    ...(Object.keys(valuesObject).length > 0 ? { valuesObject } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(source.skipCrds === true ? { skipCrds: true } : {}),
    ...(string(source.kubeVersion) ? { kubeVersion: string(source.kubeVersion) } : {}),
    ...(apiVersions.length > 0 ? { apiVersions } : {}),
  };
}

function source(value: Record<string, unknown>, field: string, findings: FindingList): SourceSpecInput | undefined {
  if (value.chart !== undefined) findings.refuse(`${field}.chart`, 'charts from a Helm repository are not supported yet: Berth renders charts kept in Git (point path at the chart\'s folder)');
  if (value.plugin !== undefined) findings.refuse(`${field}.plugin`, 'config management plugins are not supported');
  findings.dropOthers(value, field, ['repoURL', 'targetRevision', 'path', 'directory', 'kustomize', 'helm', 'chart', 'plugin'], { ref: 'source references exist only between the sources of a multi-source Application', name: 'Berth has no source names' });
  const repoURL = string(value.repoURL);
  if (!repoURL) { findings.refuse(`${field}.repoURL`, 'missing'); return undefined; }
  const set = (['directory', 'kustomize', 'helm', 'plugin'] as const).filter((key) => value[key] !== undefined);
  if (set.length > 1) findings.refuse(field, `sets ${set.join(', ')}: Argo CD itself refuses an Application with more than one source type`);
  const render = {
    ...(value.directory !== undefined ? { directory: directory(record(value.directory), `${field}.directory`, findings) } : {}),
    ...(value.kustomize !== undefined ? { kustomize: kustomize(record(value.kustomize), `${field}.kustomize`, findings) } : {}),
    ...(value.helm !== undefined ? { helm: helm(record(value.helm), `${field}.helm`, findings) } : {}),
  };
  return {
    repoURL,
    ...(string(value.targetRevision) ? { targetRevision: string(value.targetRevision) } : {}),
    ...(string(value.path) ? { path: string(value.path) } : {}),
    ...render,
  };
}

function isInCluster(destination: Record<string, unknown>): boolean {
  const server = string(destination.server);
  const name = string(destination.name);
  return (server === undefined || server === inClusterServer) && (name === undefined || name === inClusterName);
}

/** Argo CD's durations default to seconds (`5` is `5s`). */
function duration(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : string(value);
  return text && /^[0-9]+$/.test(text) ? `${text}s` : text;
}

function syncOptions(values: string[], findings: FindingList): string[] {
  const carried: string[] = [];
  values.forEach((option, index) => {
    const [name = '', setting = ''] = option.split('=');
    const field = `spec.syncPolicy.syncOptions[${index}]`;
    if (name === 'CreateNamespace' || name === 'Force') carried.push(`${name}=${setting}`);
    else if (name === 'PrunePropagationPolicy') carried.push(`${name}=${setting.charAt(0).toUpperCase()}${setting.slice(1).toLowerCase()}`);
    else if (name === 'ServerSideApply') findings.note(field, 'Berth always applies with server-side apply (field manager berth)');
    else if (name === 'ApplyOutOfSyncOnly') findings.note(field, 'Berth always skips objects that have not drifted');
    else findings.drop(field, `${option}: ${syncOptionReasons[name] ?? 'Berth has no such option'}`);
  });
  return carried;
}

function syncPolicy(value: Record<string, unknown>, findings: FindingList): ApplicationSpecInput['syncPolicy'] {
  findings.dropOthers(value, 'spec.syncPolicy', ['automated', 'syncOptions', 'retry'], { managedNamespaceMetadata: 'labels and annotations of a created namespace are not supported: keep the Namespace in Git' });
  const automatedValue = value.automated === undefined ? undefined : record(value.automated);
  const automated = automatedValue && automatedValue.enabled !== false
    ? Object.fromEntries((['prune', 'selfHeal', 'allowEmpty'] as const).filter((key) => typeof automatedValue[key] === 'boolean').map((key) => [key, automatedValue[key]]))
    : undefined;
  const options = syncOptions(strings(value.syncOptions), findings);
  const retryValue = value.retry === undefined ? undefined : record(value.retry);
  let retry: NonNullable<ApplicationSpecInput['syncPolicy']>['retry'];
  if (retryValue) {
    const backoff = record(retryValue.backoff);
    let limit = typeof retryValue.limit === 'number' ? Math.trunc(retryValue.limit) : undefined;
    if (limit !== undefined && (limit < 0 || limit > 100)) {
      findings.note('spec.syncPolicy.retry.limit', `${limit}: Berth retries at most 100 times`);
      limit = 100;
    }
    const factor = typeof backoff.factor === 'number' ? Math.min(10, Math.max(1, Math.round(backoff.factor))) : undefined;
    if (factor !== undefined && factor !== backoff.factor) findings.note('spec.syncPolicy.retry.backoff.factor', `${String(backoff.factor)}: Berth takes a whole factor from 1 to 10, so ${factor}`);
    const durations = { duration: duration(backoff.duration), maxDuration: duration(backoff.maxDuration) };
    retry = {
      ...(limit !== undefined ? { limit } : {}),
      backoff: {
        ...(durations.duration ? { duration: durations.duration } : {}),
        ...(factor !== undefined ? { factor } : {}),
        ...(durations.maxDuration ? { maxDuration: durations.maxDuration } : {}),
      },
    };
  }
  return {
    ...(automated ? { automated } : {}),
    ...(options.length > 0 ? { syncOptions: options } : {}),
    ...(retry ? { retry } : {}),
  };
}

function ignoreDifferences(rules: unknown[], findings: FindingList): IgnoreDifference[] {
  return rules.map(record).flatMap((rule, index) => {
    const field = `spec.ignoreDifferences[${index}]`;
    findings.dropOthers(rule, field, ['group', 'kind', 'name', 'namespace', 'jsonPointers', 'managedFieldsManagers'], { jqPathExpressions: 'jq expressions are not supported: name the fields with jsonPointers' });
    const jsonPointers = strings(rule.jsonPointers);
    const managedFieldsManagers = strings(rule.managedFieldsManagers);
    const kind = string(rule.kind);
    if (!kind || (jsonPointers.length === 0 && managedFieldsManagers.length === 0)) {
      if (!kind) findings.drop(field, 'names no kind');
      else findings.drop(field, 'nothing left to ignore without its jq expressions');
      return [];
    }
    return [{
      ...(typeof rule.group === 'string' ? { group: rule.group } : {}),
      kind,
      ...(string(rule.namespace) ? { namespace: string(rule.namespace) } : {}),
      ...(string(rule.name) ? { name: string(rule.name) } : {}),
      ...(jsonPointers.length > 0 ? { jsonPointers } : {}),
      ...(managedFieldsManagers.length > 0 ? { managedFieldsManagers } : {}),
    }];
  });
}

/** An Argo CD Application as a Berth Application in its destination namespace. */
export function convertArgoApplication(app: Record<string, unknown>): Conversion {
  const findings = new FindingList(describeSource(app));
  const spec = record(app.spec);
  const name = string(record(app.metadata).name) ?? '';
  findings.dropOthers(spec, 'spec', ['project', 'source', 'sources', 'destination', 'syncPolicy', 'ignoreDifferences'], applicationReasons);
  const sources = array(spec.sources);
  let converted: SourceSpecInput | undefined;
  if (sources.length > 1) findings.refuse('spec.sources', 'several sources are not supported: make one Berth Application per source');
  else if (sources.length === 1) converted = source(record(sources[0]), 'spec.sources[0]', findings);
  else converted = source(record(spec.source), 'spec.source', findings);

  const destination = record(spec.destination);
  if (!isInCluster(destination)) findings.refuse('spec.destination', `${string(destination.server) ?? string(destination.name) ?? ''}: ${notYetMultiCluster}; convert this Application once it can`);
  const namespace = string(destination.namespace);
  if (!namespace) findings.refuse('spec.destination.namespace', 'missing: Berth needs the namespace of the objects that name none, and keeps the Application there');
  const project = string(spec.project);
  if (project && project !== 'default') findings.note('spec.project', `the rules of AppProject ${project} are the BerthPolicy argocd-${project} (import the AppProject too); it governs by namespace, not by membership`);
  if (namespace && namespace !== string(record(app.metadata).namespace)) {
    findings.note('metadata.namespace', `the Berth Application lives in its destination namespace ${namespace}: Berth reads its credentials and policy there`);
  }
  const berthSpec: ApplicationSpecInput = {
    source: converted ?? { repoURL: '' },
    destination: { namespace: namespace ?? '' },
    syncPolicy: syncPolicy(record(spec.syncPolicy), findings),
    ...(spec.ignoreDifferences !== undefined ? { ignoreDifferences: ignoreDifferences(array(spec.ignoreDifferences), findings) } : {}),
  };
  if (findings.refused || !converted || !namespace) return { objects: [], findings: findings.items };
  const object = berthApplication(findings, name, namespace, berthSpec);
  return { objects: object ? [object] : [], findings: findings.items };
}

/** `group: ''` is core to Berth; `*` stays a glob. */
function kindGlob(entry: Record<string, unknown>): string {
  const group = typeof entry.group === 'string' ? entry.group : '*';
  return `${group === '' ? 'core' : group}/${string(entry.kind) ?? '*'}`;
}

function kindGlobs(entries: unknown[], field: string, findings: FindingList): string[] {
  return entries.map(record).flatMap((entry, index) => {
    const glob = kindGlob(entry);
    if (new RegExp(kindGlobPattern).test(glob)) return [glob];
    findings.drop(`${field}[${index}]`, `${glob}: not a group/Kind glob a BerthPolicy can hold`);
    return [];
  });
}

const allKinds = (entries: unknown[]) => entries.map(record).some((entry) => entry.group === '*' && entry.kind === '*');

/** An AppProject as a cluster-scoped BerthPolicy `argocd-<project>` over its destination namespaces. */
export function convertAppProject(project: Record<string, unknown>): Conversion {
  const findings = new FindingList(describeSource(project));
  const spec = record(project.spec);
  const name = `argocd-${string(record(project.metadata).name) ?? ''}`;
  findings.dropOthers(spec, 'spec', ['description', 'sourceRepos', 'destinations', 'clusterResourceWhitelist', 'clusterResourceBlacklist', 'namespaceResourceWhitelist', 'namespaceResourceBlacklist'], projectReasons);

  const repos = strings(spec.sourceRepos);
  const allowedRepos = repos.includes('*') ? [] : repos.filter((repo, index) => {
    if (!repo.startsWith('!')) return true;
    findings.drop(`spec.sourceRepos[${index}]`, `${repo}: a BerthPolicy cannot deny a repository pattern`);
    return false;
  });
  const namespaces: string[] = [];
  array(spec.destinations).map(record).forEach((destination, index) => {
    const field = `spec.destinations[${index}]`;
    const glob = string(destination.namespace) ?? '*';
    const server = string(destination.server);
    if (!isInCluster(destination) && server !== '*') { findings.drop(field, `${server ?? string(destination.name) ?? ''}: ${notYetMultiCluster}`); return; }
    if (!new RegExp(namespaceGlobPattern).test(glob)) { findings.drop(field, `${glob}: not a namespace glob a BerthPolicy can hold`); return; }
    if (!namespaces.includes(glob)) namespaces.push(glob);
  });
  if (namespaces.length === 0) findings.refuse('spec.destinations', 'no destination in this cluster: its Applications could deploy nowhere');

  const clusterWhitelist = array(spec.clusterResourceWhitelist);
  const allowClusterScoped = allKinds(clusterWhitelist);
  if (!allowClusterScoped && clusterWhitelist.length > 0) {
    findings.drop('spec.clusterResourceWhitelist', `${kindGlobs(clusterWhitelist, 'spec.clusterResourceWhitelist', findings).join(', ')}: a BerthPolicy allows cluster-scoped kinds all or none, and the narrower, none, was taken`);
  }
  const namespacedWhitelist = array(spec.namespaceResourceWhitelist);
  const allowedKinds = namespacedWhitelist.length === 0 || allKinds(namespacedWhitelist) ? [] : kindGlobs(namespacedWhitelist, 'spec.namespaceResourceWhitelist', findings);
  const deniedKinds = [
    ...kindGlobs(array(spec.clusterResourceBlacklist), 'spec.clusterResourceBlacklist', findings),
    ...kindGlobs(array(spec.namespaceResourceBlacklist), 'spec.namespaceResourceBlacklist', findings),
  ];
  if (findings.refused) return { objects: [], findings: findings.items };
  const policy = berthPolicy(findings, name, {
    namespaces,
    ...(allowedRepos.length > 0 ? { allowedRepos } : {}),
    ...(namespaces.includes('*') ? {} : { allowedDestinations: [...namespaces] }),
    ...(allowClusterScoped ? {} : { allowClusterScoped: false }),
    ...(allowedKinds.length > 0 ? { allowedKinds } : {}),
    ...(deniedKinds.length > 0 ? { deniedKinds } : {}),
  });
  return { objects: policy ? [policy] : [], findings: findings.items };
}

/**
 * Flux `GitRepository` + `Kustomization` and `GitRepository` + `HelmRelease`
 * (a chart kept in Git) to Berth Applications. Pure: objects in, objects and
 * findings out. The GitRepository gives the source (URL, ref, credentials, poll
 * interval); each Kustomization or HelmRelease that points at it gives one
 * Application, kept in the namespace it deploys to. Flux always corrects
 * drift, so the Applications sync automatically with self-heal on.
 */
import path from 'node:path/posix';
import type { ApplicationSpecInput } from '../application/schema.ts';
import type { SourceSpecInput } from '../application/source-spec.ts';
import {
  array, berthApplication, describeSource, folder, FindingList, record, string, stringMap, type Conversion, type Finding,
} from './findings.ts';

const gitRepositoryKind = 'GitRepository';
const notYetMultiCluster = 'only the cluster Berth runs against is supported until clusters can be named (issue 19)';

/** Why the options of Helm's own actions do not carry over. */
const helmActionReason = 'Berth renders the chart with helm template and applies the objects itself; a failed rollout is rolled back by Berth (spec.syncPolicy.rollback)';

const gitRepositoryReasons: Readonly<Record<string, string>> = {
  ignore: 'Berth reads only the Application\'s path (and watchPaths): no ignore rules',
  include: 'including other repositories is not supported',
  verify: 'commit signature verification is not supported',
  recurseSubmodules: 'submodules are not supported',
  proxySecretRef: 'a proxy per repository is not supported',
  provider: 'cloud provider authentication is not supported: use a token in credentialsSecret',
  timeout: 'Git operations use Berth\'s controller-wide timeout',
  suspend: 'suspension is not carried over',
  sparseCheckout: 'Berth reads only the Application\'s path anyway',
};
const kustomizationReasons: Readonly<Record<string, string>> = {
  patches: 'inline patches are not supported: put them in a kustomization.yaml in Git',
  postBuild: 'post-build variable substitution is not supported',
  dependsOn: 'ordering between Applications is not supported yet',
  decryption: 'SOPS decryption is not supported',
  components: 'extra components are not supported: list them in the kustomization.yaml in Git',
  retryInterval: 'Berth retries a failed sync with spec.syncPolicy.retry\'s backoff',
  deletionPolicy: 'Berth never deletes an Application\'s objects when the Application is deleted',
  healthCheckExprs: 'custom health expressions are not supported',
  ignoreMissingComponents: 'components are not supported',
};
const helmReleaseReasons: Readonly<Record<string, string>> = {
  valuesFrom: 'values from ConfigMaps and Secrets are not supported: keep them in a value file in Git',
  postRenderers: 'post-renderers are not supported',
  dependsOn: 'ordering between Applications is not supported yet',
  storageNamespace: 'Berth renders with helm template and keeps no Helm release records',
  maxHistory: 'Berth keeps its own release history',
  persistentClient: 'Berth keeps no Helm client',
  upgrade: helmActionReason,
  rollback: 'Berth rolls a failed rollout back by itself (spec.syncPolicy.rollback)',
  uninstall: 'Berth never deletes an Application\'s objects when the Application is deleted',
  test: 'Helm tests are not run',
  driftDetection: 'Berth always detects drift, in the fields it manages',
  chartRef: 'charts from an OCIRepository or HelmChart are not supported yet: Berth renders charts kept in Git',
};

type Key = string;
const keyOf = (namespace: string, name: string): Key => `${namespace}/${name}`;
const namespaceOf = (object: Record<string, unknown>): string => string(record(object.metadata).namespace) ?? 'default';
const nameOf = (object: Record<string, unknown>): string => string(record(object.metadata).name) ?? '';

interface GitSource {
  source: Pick<SourceSpecInput, 'repoURL' | 'targetRevision' | 'credentialsSecret'>;
  pollInterval?: string;
  secretNamespace: string;
}

/** Flux's ref precedence: commit, then name, then semver, then tag, then branch; none is `master`. */
function targetRevision(ref: Record<string, unknown>, findings: FindingList): string {
  const name = string(ref.name);
  if (string(ref.commit)) return string(ref.commit) ?? '';
  if (name) {
    const short = /^refs\/(heads|tags)\/(.+)$/.exec(name)?.[2];
    if (short) return short;
    findings.drop('spec.ref.name', `${name}: only refs/heads/* and refs/tags/* can be followed; the branch is used instead`);
  }
  return string(ref.semver) ?? string(ref.tag) ?? string(ref.branch) ?? 'master';
}

/** Flux writes `1m0s`; Berth's durations have no zero parts. */
function duration(value: unknown): string | undefined {
  const text = string(value);
  if (!text) return undefined;
  const trimmed = text.replace(/(?<=[a-z])0(ms|s|m|h)/g, '').replace(/^0(ms|s|m|h)(?=\d)/, '');
  return trimmed === '' ? undefined : trimmed;
}

function gitSource(repository: Record<string, unknown>, findings: FindingList): GitSource | undefined {
  const spec = record(repository.spec);
  findings.dropOthers(spec, 'spec', ['url', 'ref', 'secretRef', 'interval'], gitRepositoryReasons);
  const url = string(spec.url);
  if (!url) { findings.refuse('spec.url', 'missing'); return undefined; }
  const secret = string(record(spec.secretRef).name);
  const pollInterval = duration(spec.interval);
  return {
    source: { repoURL: url, targetRevision: targetRevision(record(spec.ref), findings), ...(secret ? { credentialsSecret: secret } : {}) },
    ...(pollInterval ? { pollInterval } : {}),
    secretNamespace: namespaceOf(repository),
  };
}

/** Converts each GitRepository once, however many objects use it; its findings are kept once too. */
class GitRepositories {
  readonly findings: Finding[] = [];
  private readonly objects = new Map<Key, Record<string, unknown>>();
  private readonly converted = new Map<Key, GitSource | undefined>();
  private readonly used = new Set<Key>();
  constructor(repositories: Record<string, unknown>[]) {
    for (const repository of repositories) this.objects.set(keyOf(namespaceOf(repository), nameOf(repository)), repository);
  }
  source(sourceRef: Record<string, unknown>, namespace: string, field: string, findings: FindingList): GitSource | undefined {
    const kind = string(sourceRef.kind);
    if (kind !== gitRepositoryKind) { findings.refuse(field, `${kind ?? '?'}: only GitRepository sources are supported`); return undefined; }
    const key = keyOf(string(sourceRef.namespace) ?? namespace, string(sourceRef.name) ?? '');
    const repository = this.objects.get(key);
    if (!repository) { findings.refuse(field, `GitRepository ${key} is not among the objects imported: import it too`); return undefined; }
    this.used.add(key);
    if (!this.converted.has(key)) {
      const repositoryFindings = new FindingList(describeSource(repository));
      this.converted.set(key, gitSource(repository, repositoryFindings));
      this.findings.push(...repositoryFindings.items);
    }
    const converted = this.converted.get(key);
    if (!converted) findings.refuse(field, `GitRepository ${key} could not be converted`);
    return converted;
  }
  unused(): Finding[] {
    return [...this.objects].filter(([key]) => !this.used.has(key)).map(([, repository]) => ({
      object: describeSource(repository), field: '', kind: 'note' as const,
      reason: 'no Kustomization or HelmRelease among the objects imported uses it: nothing to convert',
    }));
  }
}

/** The settings every Flux-made Application shares; notes what differs. */
function common(spec: Record<string, unknown>, git: GitSource, namespace: string, findings: FindingList): Omit<ApplicationSpecInput, 'source' | 'destination'> {
  if (spec.kubeConfig !== undefined) findings.refuse('spec.kubeConfig', notYetMultiCluster);
  if (spec.suspend === true) findings.note('spec.suspend', 'suspended in Flux; the Berth Application syncs automatically (remove syncPolicy.automated to keep it manual)');
  if (string(spec.interval)) findings.note('spec.interval', 'Berth corrects drift as it happens (watch events), not at an interval; new commits are polled at the GitRepository\'s interval');
  if (git.source.credentialsSecret && git.secretNamespace !== namespace) {
    findings.note('spec.sourceRef', `the Secret ${git.source.credentialsSecret} is read from the Application's namespace ${namespace}: copy it there from ${git.secretNamespace} (keys token, or username and password)`);
  }
  const healthTimeout = duration(spec.timeout);
  const serviceAccountName = string(spec.serviceAccountName);
  return {
    syncPolicy: {
      automated: { prune: spec.prune !== false, selfHeal: true },
      ...(git.pollInterval ? { pollInterval: git.pollInterval } : {}),
      ...(healthTimeout ? { rollback: { healthTimeout } } : {}),
      ...(spec.force === true ? { syncOptions: ['Force=true'] } : {}),
    },
    ...(serviceAccountName ? { serviceAccountName } : {}),
  };
}

function image(entry: Record<string, unknown>): string | undefined {
  const name = string(entry.name);
  if (!name) return undefined;
  const tag = string(entry.newTag);
  const digest = string(entry.digest);
  return `${name}=${string(entry.newName) ?? name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

function convertKustomization(kustomization: Record<string, unknown>, repositories: GitRepositories): Conversion {
  const findings = new FindingList(describeSource(kustomization));
  const spec = record(kustomization.spec);
  findings.dropOthers(spec, 'spec', ['sourceRef', 'path', 'prune', 'targetNamespace', 'interval', 'images', 'namePrefix', 'nameSuffix', 'serviceAccountName', 'suspend', 'force', 'timeout', 'wait', 'healthChecks', 'kubeConfig', 'commonMetadata'], kustomizationReasons);
  if (spec.wait === true || array(spec.healthChecks).length > 0) findings.note(spec.wait === true ? 'spec.wait' : 'spec.healthChecks', 'Berth follows the health of every object it applies');
  const targetNamespace = string(spec.targetNamespace);
  const namespace = targetNamespace ?? namespaceOf(kustomization);
  const git = repositories.source(record(spec.sourceRef), namespaceOf(kustomization), 'spec.sourceRef', findings);
  const metadata = record(spec.commonMetadata);
  if (Object.keys(record(metadata.labels)).length > 0) findings.drop('spec.commonMetadata.labels', 'Berth\'s kustomize.commonLabels also rewrite selectors, which are immutable on Deployments: add the labels in Git');
  findings.dropOthers(metadata, 'spec.commonMetadata', ['labels', 'annotations']);
  const annotations = stringMap(metadata.annotations);
  const images = array(spec.images).map(record).flatMap((entry) => image(entry) ?? []);
  const kustomize = {
    ...(targetNamespace ? { namespace: targetNamespace } : {}),
    ...(string(spec.namePrefix) ? { namePrefix: string(spec.namePrefix) } : {}),
    ...(string(spec.nameSuffix) ? { nameSuffix: string(spec.nameSuffix) } : {}),
    ...(images.length > 0 ? { images } : {}),
    ...(Object.keys(annotations).length > 0 ? { commonAnnotations: annotations } : {}),
  };
  if (!git || findings.refused) return { objects: [], findings: findings.items };
  const object = berthApplication(findings, nameOf(kustomization), namespace, {
    source: { ...git.source, path: folder(string(spec.path)), ...(Object.keys(kustomize).length > 0 ? { kustomize } : {}) },
    destination: { namespace },
    ...common(spec, git, namespace, findings),
  });
  return { objects: object ? [object] : [], findings: findings.items };
}

function convertHelmRelease(release: Record<string, unknown>, repositories: GitRepositories): Conversion {
  const findings = new FindingList(describeSource(release));
  const spec = record(release.spec);
  findings.dropOthers(spec, 'spec', ['chart', 'releaseName', 'targetNamespace', 'values', 'install', 'interval', 'serviceAccountName', 'suspend', 'timeout', 'kubeConfig'], helmReleaseReasons);
  const chart = record(record(spec.chart).spec);
  findings.dropOthers(chart, 'spec.chart.spec', ['chart', 'sourceRef', 'valuesFiles', 'valuesFile'], {
    version: 'the version of a chart in Git is the commit', interval: 'the GitRepository\'s interval is the poll interval',
    reconcileStrategy: 'Berth renders the chart at each commit', verify: 'chart signature verification is not supported',
  });
  const install = record(spec.install);
  findings.dropOthers(install, 'spec.install', ['crds'], Object.fromEntries(Object.keys(install).map((key) => [key, helmActionReason])));
  if (install.crds !== undefined && install.crds !== 'Skip' && install.crds !== 'Create' && install.crds !== 'CreateReplace') findings.drop('spec.install.crds', `${JSON.stringify(install.crds)}: not a CRD policy (Skip, Create or CreateReplace)`);
  const targetNamespace = string(spec.targetNamespace);
  const namespace = targetNamespace ?? namespaceOf(release);
  const git = repositories.source(record(chart.sourceRef), namespaceOf(release), 'spec.chart.spec.sourceRef', findings);
  const chartPath = folder(string(chart.chart));
  // Flux reads value files from the source's root; Berth from the chart's folder.
  const valueFiles = [...array(chart.valuesFiles), chart.valuesFile].flatMap((file) => string(file) ? [path.relative(chartPath === '.' ? '' : chartPath, folder(string(file)))] : []);
  // Flux's default release name is [targetNamespace-]name; keeping it keeps the objects' names, so Berth adopts them.
  const releaseName = string(spec.releaseName) ?? (targetNamespace ? `${targetNamespace}-${nameOf(release)}` : nameOf(release));
  const values = record(spec.values);
  if (!git || findings.refused) return { objects: [], findings: findings.items };
  findings.note('', 'Berth renders the chart with helm template and applies the objects itself: Flux\'s Helm release Secrets stay behind and helm list no longer follows the release');
  const object = berthApplication(findings, nameOf(release), namespace, {
    source: {
      ...git.source, path: chartPath,
      helm: {
        releaseName,
        ...(valueFiles.length > 0 ? { valueFiles } : {}),
        ...(Object.keys(values).length > 0 ? { valuesObject: values } : {}),
        ...(install.crds === 'Skip' ? { skipCrds: true } : {}),
      },
    },
    destination: { namespace },
    ...common(spec, git, namespace, findings),
  });
  return { objects: object ? [object] : [], findings: findings.items };
}

/** Every Kustomization and HelmRelease among `objects`, with the GitRepositories they use. */
export function convertFlux(gitRepositories: Record<string, unknown>[], kustomizations: Record<string, unknown>[], helmReleases: Record<string, unknown>[]): Conversion {
  const repositories = new GitRepositories(gitRepositories);
  const results = [
    ...kustomizations.map((kustomization) => convertKustomization(kustomization, repositories)),
    ...helmReleases.map((release) => convertHelmRelease(release, repositories)),
  ];
  return {
    objects: results.flatMap((result) => result.objects),
    findings: [...repositories.findings, ...results.flatMap((result) => result.findings), ...repositories.unused()],
  };
}

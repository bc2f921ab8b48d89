/**
 * Applications that both validators (the CRD's schema in the API server and
 * `parseApplication`) must accept, and ones they must both reject, each with the
 * field that is wrong. Specs only; the test adds apiVersion, kind and metadata.
 */

export interface ValidCase {
  what: string;
  spec: Record<string, unknown>;
}

export interface InvalidCase extends ValidCase {
  /** The field both validators must name. */
  field: string;
}

const source = { repoURL: 'https://git.example.com/team/deploy.git' };
const destination = { namespace: 'guestbook' };
const base = { source, destination };

export const validCases: ValidCase[] = [
  { what: 'the minimal Application', spec: base },
  {
    what: 'the example of the design',
    spec: {
      source: { ...source, targetRevision: 'main', path: 'apps/guestbook', credentialsSecret: 'repo-creds', directory: { recurse: true } },
      destination,
      syncPolicy: {
        automated: { prune: true, selfHeal: true, allowEmpty: false },
        pollInterval: '3m',
        retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
        rollback: { enabled: true, healthTimeout: '5m' },
        syncOptions: ['CreateNamespace=true'],
      },
      ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
    },
  },
  {
    what: 'a Kustomize source',
    spec: { ...base, source: { ...source, kustomize: { namePrefix: 'p-', images: ['nginx=nginx:1.27'], commonLabels: { team: 'a' } } } },
  },
  {
    what: 'a Helm source with values and parameters',
    spec: {
      ...base,
      source: {
        ...source, path: 'charts/web',
        helm: { releaseName: 'web', valueFiles: ['values-prod.yaml'], valuesObject: { replicas: 2, nested: { a: [1, 2] } }, parameters: [{ name: 'image.tag', value: '1.2', forceString: true }] },
      },
    },
  },
  { what: 'a semver range and the changed-path filter off', spec: { ...base, source: { ...source, targetRevision: '>=1.2.0 <2', changedPathFilter: false, watchPaths: ['base'] } } },
  { what: 'compound and fractional durations', spec: { ...base, syncPolicy: { pollInterval: '1h30m', rollback: { healthTimeout: '1.5m' }, retry: { backoff: { duration: '500ms' } } } } },
  { what: 'every sync option', spec: { ...base, syncPolicy: { syncOptions: ['CreateNamespace=false', 'Force=true', 'ForceConflicts=false', 'PrunePropagationPolicy=Orphan'] } } },
  { what: 'an ignore rule by field manager', spec: { ...base, ignoreDifferences: [{ kind: 'ConfigMap', name: 'x', managedFieldsManagers: ['kube-controller-manager'] }] } },
  { what: 'a destination server and a service account', spec: { source, destination: { ...destination, server: 'https://kubernetes.default.svc' }, serviceAccountName: 'deployer' } },
  { what: 'a null field, which both read as absent', spec: { ...base, source: { ...source, directory: null } } },
  { what: 'automated with no options', spec: { ...base, syncPolicy: { automated: {} } } },
];

export const invalidCases: InvalidCase[] = [
  { what: 'no source', spec: { destination }, field: 'spec.source' },
  { what: 'no repository URL', spec: { ...base, source: { path: 'x' } }, field: 'spec.source.repoURL' },
  { what: 'an empty repository URL', spec: { ...base, source: { repoURL: '' } }, field: 'spec.source.repoURL' },
  { what: 'both directory and helm', spec: { ...base, source: { ...source, directory: {}, helm: {} } }, field: 'spec.source' },
  { what: 'kustomize and helm', spec: { ...base, source: { ...source, kustomize: {}, helm: { releaseName: 'x' } } }, field: 'spec.source' },
  { what: 'no destination', spec: { source }, field: 'spec.destination' },
  { what: 'a destination without namespace', spec: { source, destination: {} }, field: 'spec.destination.namespace' },
  { what: 'a namespace with capitals', spec: { source, destination: { namespace: 'Guestbook' } }, field: 'spec.destination.namespace' },
  { what: 'a namespace of 64 characters', spec: { source, destination: { namespace: 'a'.repeat(64) } }, field: 'spec.destination.namespace' },
  { what: 'a server that is not a URL', spec: { source, destination: { ...destination, server: 'in-cluster' } }, field: 'spec.destination.server' },
  { what: 'a poll interval without unit', spec: { ...base, syncPolicy: { pollInterval: '180' } }, field: 'spec.syncPolicy.pollInterval' },
  { what: 'a poll interval in days', spec: { ...base, syncPolicy: { pollInterval: '1d' } }, field: 'spec.syncPolicy.pollInterval' },
  { what: 'a poll interval as a number', spec: { ...base, syncPolicy: { pollInterval: 180 } }, field: 'spec.syncPolicy.pollInterval' },
  { what: 'a retry limit as a string', spec: { ...base, syncPolicy: { retry: { limit: 'five' } } }, field: 'spec.syncPolicy.retry.limit' },
  { what: 'a negative retry limit', spec: { ...base, syncPolicy: { retry: { limit: -1 } } }, field: 'spec.syncPolicy.retry.limit' },
  { what: 'a backoff factor of 0', spec: { ...base, syncPolicy: { retry: { backoff: { factor: 0 } } } }, field: 'spec.syncPolicy.retry.backoff.factor' },
  { what: 'a bad backoff duration', spec: { ...base, syncPolicy: { retry: { backoff: { maxDuration: 'forever' } } } }, field: 'spec.syncPolicy.retry.backoff.maxDuration' },
  { what: 'a bad health timeout', spec: { ...base, syncPolicy: { rollback: { healthTimeout: '5 minutes' } } }, field: 'spec.syncPolicy.rollback.healthTimeout' },
  { what: 'rollback enabled as a string', spec: { ...base, syncPolicy: { rollback: { enabled: 'true' } } }, field: 'spec.syncPolicy.rollback.enabled' },
  { what: 'prune as a number', spec: { ...base, syncPolicy: { automated: { prune: 1 } } }, field: 'spec.syncPolicy.automated.prune' },
  { what: 'an unknown sync option', spec: { ...base, syncPolicy: { syncOptions: ['Replace=true'] } }, field: 'spec.syncPolicy.syncOptions[0]' },
  { what: 'a sync option without value', spec: { ...base, syncPolicy: { syncOptions: ['CreateNamespace'] } }, field: 'spec.syncPolicy.syncOptions[0]' },
  { what: 'an ignore rule without kind', spec: { ...base, ignoreDifferences: [{ jsonPointers: ['/a'] }] }, field: 'spec.ignoreDifferences[0].kind' },
  { what: 'an ignore rule that ignores nothing', spec: { ...base, ignoreDifferences: [{ kind: 'Deployment', jsonPointers: [] }] }, field: 'spec.ignoreDifferences[0]' },
  { what: 'a JSON pointer without a slash', spec: { ...base, ignoreDifferences: [{ kind: 'Deployment', jsonPointers: ['spec/replicas'] }] }, field: 'spec.ignoreDifferences[0].jsonPointers[0]' },
  { what: 'a JSON pointer with a bad escape', spec: { ...base, ignoreDifferences: [{ kind: 'Deployment', jsonPointers: ['/a~2b'] }] }, field: 'spec.ignoreDifferences[0].jsonPointers[0]' },
  { what: 'a service account with an underscore', spec: { ...base, serviceAccountName: 'de_ployer' }, field: 'spec.serviceAccountName' },
  { what: 'an unknown spec field', spec: { ...base, replicas: 3 }, field: 'spec.replicas' },
  { what: 'an unknown field in the sync policy', spec: { ...base, syncPolicy: { autoSync: true } }, field: 'spec.syncPolicy.autoSync' },
  { what: 'an unknown field in the source', spec: { ...base, source: { ...source, branch: 'main' } }, field: 'spec.source.branch' },
  { what: 'a Helm parameter without value', spec: { ...base, source: { ...source, helm: { parameters: [{ name: 'a' }] } } }, field: 'spec.source.helm.parameters[0].value' },
  { what: 'Helm values as an object instead of a string', spec: { ...base, source: { ...source, helm: { values: { a: 1 } } } }, field: 'spec.source.helm.values' },
  { what: 'recurse as a string', spec: { ...base, source: { ...source, directory: { recurse: 'yes' } } }, field: 'spec.source.directory.recurse' },
];

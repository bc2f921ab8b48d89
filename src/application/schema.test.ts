import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem, parseApplication, type ParseApplicationResult } from './parse.ts';
import { retryDelayMs } from '../../sync/retry-policy.ts';
import { parseSyncOptions, resolveApplicationSpec } from './resolve.ts';
import { applicationDefaults } from './schema.ts';

function application(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'web', namespace: 'shop' }): unknown {
  return { apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata, spec };
}

const minimalSpec = { source: { repoURL: 'https://git.example.com/deploy.git' }, destination: { namespace: 'web' } };

function withSpec(patch: Record<string, unknown>): unknown {
  return application({ ...minimalSpec, ...patch });
}

function problemsOf(result: ParseApplicationResult): string[] {
  if (result.ok) assert.fail('expected the Application to be rejected');
  return result.problems.map(formatProblem);
}

function valid(result: ParseApplicationResult) {
  if (!result.ok) assert.fail(`expected a valid Application, got: ${result.message}`);
  return result.application;
}

describe('the Application schema', () => {
  it('fills in every default of a minimal Application', () => {
    const app = valid(parseApplication(application(minimalSpec), 'test'));
    const { syncPolicy } = app.spec;
    assert.equal(syncPolicy.automated, undefined, 'without automated, only a manual sync applies');
    assert.equal(syncPolicy.pollInterval, applicationDefaults.pollInterval);
    assert.deepEqual(syncPolicy.retry, applicationDefaults.retry);
    assert.deepEqual(syncPolicy.rollback, applicationDefaults.rollback);
    assert.deepEqual(syncPolicy.syncOptions, []);
    assert.deepEqual(app.spec.ignoreDifferences, []);
    assert.equal(app.spec.source.targetRevision, 'HEAD');
    assert.equal(app.status, undefined);
  });

  it('fills in the defaults inside a partly written object', () => {
    const app = valid(parseApplication(withSpec({ syncPolicy: { automated: { prune: true }, retry: { backoff: { factor: 3 } } } }), 'test'));
    assert.deepEqual(app.spec.syncPolicy.automated, { prune: true, selfHeal: false, allowEmpty: false });
    assert.deepEqual(app.spec.syncPolicy.retry, { limit: 5, backoff: { duration: '5s', factor: 3, maxDuration: '3m' } });
  });

  it('resolves durations, sync options and retry delays', () => {
    const app = valid(parseApplication(withSpec({
      syncPolicy: {
        pollInterval: '1m30s', rollback: { healthTimeout: '90s' },
        retry: { limit: 3, backoff: { duration: '2s', factor: 2, maxDuration: '5s' } },
        syncOptions: ['CreateNamespace=true', 'PrunePropagationPolicy=Foreground', 'ForceConflicts=false'],
      },
    }), 'test'));
    const resolved = resolveApplicationSpec(app.spec);
    assert.equal(resolved.pollIntervalMs, 90_000);
    assert.deepEqual(resolved.rollback, { enabled: true, healthTimeoutMs: 90_000 });
    assert.deepEqual(resolved.syncOptions, { createNamespace: true, force: false, forceConflicts: false, prunePropagationPolicy: 'Foreground' });
    assert.deepEqual([1, 2, 3, 4].map((attempt) => retryDelayMs(resolved.retry, attempt, () => 1)), [2_000, 4_000, 5_000, 5_000]);
    assert.equal(resolved.destinationNamespace, 'web');
    assert.equal(resolved.automated, undefined);
  });

  it('lets a later sync option override an earlier one', () => {
    assert.equal(parseSyncOptions(['CreateNamespace=true', 'CreateNamespace=false']).createNamespace, false);
  });

  it('names the field of each problem', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['a string retry limit', { syncPolicy: { retry: { limit: 'five' } } }, 'spec.syncPolicy.retry.limit: expected a number, got the string "five"'],
      ['a fractional retry limit', { syncPolicy: { retry: { limit: 1.5 } } }, 'spec.syncPolicy.retry.limit: expected an integer, got the number 1.5'],
      ['a negative retry limit', { syncPolicy: { retry: { limit: -1 } } }, 'spec.syncPolicy.retry.limit: must be at least 0'],
      ['a backoff factor of 0', { syncPolicy: { retry: { backoff: { factor: 0 } } } }, 'spec.syncPolicy.retry.backoff.factor: must be at least 1'],
      ['a poll interval without unit', { syncPolicy: { pollInterval: '180' } }, 'spec.syncPolicy.pollInterval: must be a duration such as 30s, 3m or 1h30m'],
      ['an unknown sync option', { syncPolicy: { syncOptions: ['Replace=true'] } }, 'spec.syncPolicy.syncOptions[0]: must be one of'],
      ['prune as a string', { syncPolicy: { automated: { prune: 'yes' } } }, 'spec.syncPolicy.automated.prune: expected true or false, got the string "yes"'],
      ['an unknown spec field', { replicas: 3 }, 'spec.replicas: unknown field'],
      ['a namespace with capitals', { destination: { namespace: 'Web' } }, 'spec.destination.namespace: must be a DNS label'],
      ['no destination', { destination: undefined }, 'spec.destination: is required'],
      ['an empty repository URL', { source: { repoURL: '' } }, 'spec.source.repoURL: must not be empty'],
      ['an ignore rule with no field', { ignoreDifferences: [{ kind: 'Deployment' }] }, 'spec.ignoreDifferences[0]: must list jsonPointers or managedFieldsManagers'],
      ['a pointer without a slash', { ignoreDifferences: [{ kind: 'Deployment', jsonPointers: ['spec/replicas'] }] },
        'spec.ignoreDifferences[0].jsonPointers[0]: must be a JSON pointer'],
      ['a service account with an underscore', { serviceAccountName: 'de_ployer' }, 'spec.serviceAccountName: must be a DNS subdomain'],
    ];
    for (const [what, patch, expected] of cases) {
      const problems = problemsOf(parseApplication(withSpec(patch), 'test'));
      assert.ok(problems.some((problem) => problem.startsWith(expected)), `${what}: ${JSON.stringify(problems)} lacks "${expected}"`);
    }
  });

  it('reports every problem of an Application at once, with where it came from', () => {
    const result = parseApplication(withSpec({ destination: { namespace: 'x_y' }, syncPolicy: { pollInterval: 5 } }), 'apps.yaml document 2');
    if (result.ok) assert.fail('expected the Application to be rejected');
    assert.deepEqual(result.problems.map((problem) => problem.path), ['spec.destination.namespace', 'spec.syncPolicy.pollInterval']);
    assert.match(result.message, /^apps\.yaml document 2: Application shop\/web: spec\.destination\.namespace: /);
    assert.deepEqual(result.key, { namespace: 'shop', name: 'web' });
  });

  it('accepts at most one of directory, kustomize and helm', () => {
    for (const kind of ['directory', 'kustomize', 'helm']) {
      valid(parseApplication(withSpec({ source: { repoURL: 'r', [kind]: {} } }), 'test'));
    }
    valid(parseApplication(withSpec({ source: { repoURL: 'r' } }), 'test'));
    const problems = problemsOf(parseApplication(withSpec({ source: { repoURL: 'r', directory: {}, helm: {} } }), 'test'));
    assert.deepEqual(problems, ['spec.source: at most one of directory, kustomize and helm may be set']);
  });

  it('reads a null field as absent, as the API server does', () => {
    const app = valid(parseApplication(withSpec({ source: { repoURL: 'r', directory: null, helm: { valuesObject: { keep: null } } } }), 'test'));
    assert.equal(app.spec.source.directory, undefined);
    assert.deepEqual(app.spec.source.helm?.valuesObject, { keep: null }, 'Helm reads null values as "delete this key"');
  });

  it('checks the envelope: apiVersion, kind and metadata', () => {
    const wrongKind = { ...(application(minimalSpec) as object), kind: 'Deployment' };
    assert.deepEqual(problemsOf(parseApplication(wrongKind, 'test')), ['kind: must be Application']);
    const noName = problemsOf(parseApplication(application(minimalSpec, { namespace: 'shop' }), 'test'));
    assert.deepEqual(noName, ['metadata.name: is required']);
    assert.deepEqual(problemsOf(parseApplication('text', 'test')), ['expected an object, got the string "text"']);
  });

  it('uses the default namespace only for an Application that names none', () => {
    const named = valid(parseApplication(application(minimalSpec), 'test', { defaultNamespace: 'other' }));
    assert.equal(named.metadata.namespace, 'shop');
    const unnamed = valid(parseApplication(application(minimalSpec, { name: 'web' }), 'test', { defaultNamespace: 'other' }));
    assert.equal(unnamed.metadata.namespace, 'other');
  });

  it('keeps a readable status and drops one it cannot read, never rejecting the Application for it', () => {
    const status = { sync: { status: 'Synced', revision: 'abc' }, health: { status: 'Healthy' }, observedGeneration: 2 };
    const withStatus = valid(parseApplication({ ...(application(minimalSpec) as object), status }, 'test'));
    assert.deepEqual(withStatus.status, status);
    const odd = valid(parseApplication({ ...(application(minimalSpec) as object), status: { sync: { status: 'Sideways' } } }, 'test'));
    assert.equal(odd.status, undefined);
  });
});

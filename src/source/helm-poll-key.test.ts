import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chartPollKey } from './helm-poll-key.ts';

describe('chart poll keys: one poll per source, however it is spelled', () => {
  const same: [{ repoURL: string; chart?: string }, string][] = [
    [{ repoURL: 'oci://Reg.example.com/charts', chart: 'web' }, 'oci://reg.example.com/charts/web'],
    [{ repoURL: 'oci://reg.example.com:443/charts/web' }, 'oci://reg.example.com/charts/web'],
    [{ repoURL: 'oci://reg.example.com/charts/web:1.0.0' }, 'oci://reg.example.com/charts/web'],
    [{ repoURL: 'https://Charts.example.com/stable', chart: 'web' }, 'https://charts.example.com/stable/#web'],
    [{ repoURL: 'https://charts.example.com/stable/', chart: 'web' }, 'https://charts.example.com/stable/#web'],
  ];
  for (const [source, key] of same) it(`${source.repoURL} ${source.chart ?? ''} → ${key}`, () => { assert.equal(chartPollKey(source), key); });

  it('leaves Git sources to the Git key', () => {
    assert.equal(chartPollKey({ repoURL: 'https://git.example.com/team/deploy.git' }), undefined);
    assert.equal(chartPollKey({ repoURL: 'oci://bad' }), undefined);
  });
});

describe('Applications sharing a chart source share one poll', () => {
  it('merges their poll targets into one scheduler key', async () => {
    const { createAppRegistry } = await import('../application/app-registry.ts');
    const { mergePollTargets } = await import('../queue/poll-schedulers.ts');
    const registry = createAppRegistry({ chartPollKey });
    const app = (name: string, source: Record<string, unknown>) => ({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace: 'apps' },
      spec: { source: { targetRevision: '^1.0.0', ...source }, destination: { namespace: 'apps' } },
    });
    registry.upsert(app('a', { repoURL: 'oci://Reg.example.com/charts', chart: 'web' }), 'file', 'a');
    registry.upsert(app('b', { repoURL: 'oci://reg.example.com:443/charts/web' }), 'file', 'b');
    registry.upsert(app('c', { repoURL: 'https://charts.example.com/stable', chart: 'web' }), 'file', 'c');
    registry.upsert(app('d', { repoURL: 'https://charts.example.com/stable/', chart: 'web' }), 'file', 'd');
    registry.upsert(app('e', { repoURL: 'https://charts.example.com/stable', chart: 'db' }), 'file', 'e');
    const keys = [...mergePollTargets(registry.pollTargets()).keys()].sort();
    assert.deepEqual(keys, ['https://charts.example.com/stable/#db@^1.0.0', 'https://charts.example.com/stable/#web@^1.0.0', 'oci://reg.example.com/charts/web@^1.0.0']);
    assert.deepEqual(registry.tracking('oci://reg.example.com/charts/web@^1.0.0').sort(), ['apps/a', 'apps/b']);
  });
});

/**
 * Which Applications a registry push queues, as a table: OCI sources of that
 * repository however spelled (a chart appended to its repository, an artifact
 * named whole, host case and :443), whose targetRevision the push may move;
 * never a Git source, another repository or another host.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAppRegistry } from '../application/app-registry.ts';
import type { ArtifactEvent } from '../../webhooks/index.ts';
import { applicationsOfArtifacts } from './webhook-artifacts.ts';

const registry = createAppRegistry();
const sources: Record<string, Record<string, unknown>> = {
  'chart-range': { repoURL: 'oci://Registry.example.com:443/charts', chart: 'web', targetRevision: '>=1.0.0' },
  'chart-exact': { repoURL: 'oci://registry.example.com/charts', chart: 'web', targetRevision: '1.4.0' },
  'chart-other-version': { repoURL: 'oci://registry.example.com/charts', chart: 'web', targetRevision: '1.3.0' },
  'artifact-tag': { repoURL: 'oci://registry.example.com/charts/web', targetRevision: 'stable' },
  'other-chart': { repoURL: 'oci://registry.example.com/charts', chart: 'api', targetRevision: '>=1.0.0' },
  'other-host': { repoURL: 'oci://mirror.example.com/charts', chart: 'web', targetRevision: '>=1.0.0' },
  git: { repoURL: 'https://registry.example.com/charts/web.git', targetRevision: 'main' },
};
for (const [name, source] of Object.entries(sources)) {
  const registered = registry.upsert({
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace: 'team' },
    spec: { source: { path: '.', ...source }, destination: { namespace: 'team' } },
  }, 'file', 'test');
  if (!registered.valid) throw new Error(`${name}: ${registered.message}`);
}

const push = (tag: string | undefined): ArtifactEvent => ({
  provider: 'harbor', repositories: ['oci://registry.example.com/charts/web'], ...(tag ? { tag } : {}), digest: `sha256:${'a'.repeat(64)}`,
});

describe('applicationsOfArtifacts', () => {
  it('queues the sources of the pushed repository whose revision the tag may move', () => {
    const { queued, skipped } = applicationsOfArtifacts([push('1.4.0')], registry.list());
    assert.deepEqual(queued.map((entry) => entry.app).sort(), ['team/chart-exact', 'team/chart-range']);
    assert.equal(skipped, 5);
    assert.match(queued[0]?.reason ?? '', /^oci:\/\/registry\.example\.com\/charts\/web:1\.4\.0@sha256:a{64} was pushed$/);
  });

  it('queues a tag follower on that tag only, and every follower of a push without a tag', () => {
    assert.deepEqual(applicationsOfArtifacts([push('stable')], registry.list()).queued.map((entry) => entry.app).sort(), ['team/artifact-tag', 'team/chart-range']);
    assert.deepEqual(applicationsOfArtifacts([push(undefined)], registry.list()).queued.map((entry) => entry.app).sort(),
      ['team/artifact-tag', 'team/chart-exact', 'team/chart-other-version', 'team/chart-range']);
  });

  it('queues nothing for another repository or a name that is no OCI reference', () => {
    const elsewhere: ArtifactEvent = { ...push('1.4.0'), repositories: ['oci://registry.example.com/charts/web2', 'oci://evil host/x', 'https://registry.example.com/charts/web'] };
    assert.deepEqual(applicationsOfArtifacts([elsewhere], registry.list()).queued, []);
  });
});

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

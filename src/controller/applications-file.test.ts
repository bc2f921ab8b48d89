import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadApplicationsFile, parseApplicationsYaml } from './applications-file.ts';

const app = (name: string, extra = '') => `apiVersion: berth.dev/v1alpha1
kind: Application
metadata: { name: ${name} }
spec:
  source: { repoURL: https://git.example.com/deploy.git, path: apps/${name} }
  destination: { namespace: ${name} }
${extra}`;

describe('loading Applications from a YAML file', () => {
  it('loads the valid documents and reports each bad one alone, naming file, document and name', () => {
    const text = [
      app('web'),
      app('api', '  syncPolicy: { retry: { limit: lots } }\n'),
      '# only a comment\n',
      app('worker', '  syncPolicy: { automated: { selfHeal: yes } }\n'),
      app('cron', '  bogus: 1\n'),
    ].join('---\n');
    const loaded = parseApplicationsYaml(text, 'apps.yaml', { defaultNamespace: 'berth' });

    assert.deepEqual(loaded.applications.map((a) => `${a.metadata.namespace}/${a.metadata.name}`), ['berth/web', 'berth/worker']);
    // YAML 1.1 as kubectl reads it: `yes` is true.
    assert.equal(loaded.applications[1]?.spec.syncPolicy.automated?.selfHeal, true);

    assert.equal(loaded.invalid.length, 2);
    const [api, cron] = loaded.invalid;
    assert.match(api?.message ?? '', /^apps\.yaml document 2 \(line \d+\): Application berth\/api: spec\.syncPolicy\.retry\.limit: expected a number/);
    assert.deepEqual(api?.key, { namespace: 'berth', name: 'api' });
    // The comment-only document is skipped, as kubectl does, so cron is the fourth document.
    assert.match(cron?.message ?? '', /^apps\.yaml document 4 \(line \d+\): Application berth\/cron: spec\.bogus: unknown field$/);
  });

  it('reads a kind: List and names the item of a bad one', () => {
    const list = {
      apiVersion: 'v1', kind: 'List',
      items: [
        { apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'a', namespace: 'x' }, spec: { source: { repoURL: 'r' }, destination: { namespace: 'a' } } },
        { apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'b', namespace: 'x' }, spec: { source: { repoURL: 'r' } } },
      ],
    };
    const loaded = parseApplicationsYaml(JSON.stringify(list), 'list.json');
    assert.deepEqual(loaded.applications.map((a) => a.metadata.name), ['a']);
    assert.equal(loaded.invalid[0]?.message, 'list.json document 1 item 2 (line 1): Application x/b: spec.destination: is required');
  });

  it('rejects a second Application of the same name and keeps the first', () => {
    const loaded = parseApplicationsYaml(`${app('web')}---\n${app('web', '  serviceAccountName: other\n')}`, 'apps.yaml');
    assert.equal(loaded.applications.length, 1);
    assert.equal(loaded.applications[0]?.spec.serviceAccountName, undefined);
    assert.match(loaded.invalid[0]?.message ?? '', /Application default\/web: metadata\.name: already defined in apps\.yaml document 1/);
  });

  it('fails as a whole only when the file is not YAML or cannot be read', async () => {
    assert.throws(() => parseApplicationsYaml('a: [unclosed', 'broken.yaml'), /^InvalidSourceError: broken\.yaml:\d*: /);
    const dir = await mkdtemp(join(tmpdir(), 'berth-apps-'));
    try {
      await assert.rejects(loadApplicationsFile(join(dir, 'missing.yaml')), /missing\.yaml: cannot read the Applications file/);
      const file = join(dir, 'apps.yaml');
      await writeFile(file, app('web'));
      const loaded = await loadApplicationsFile(file, { defaultNamespace: 'team' });
      assert.equal(loaded.applications[0]?.metadata.namespace, 'team');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

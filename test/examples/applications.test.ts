/**
 * The examples as files, without a cluster: each application.yaml is a valid
 * Application by the schema Berth loads it with, names the placeholder
 * repository the tests and the demo replace, and points at a path that exists;
 * the example chart passes `helm lint`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseApplicationsYaml } from '../../src/controller/applications-file.ts';
import { helm } from '../packaging/chart-render.ts';
import { exampleApplications, exampleNames, examplesDir } from '../../examples/example-repo.ts';

describe('the example Applications', () => {
  for (const name of exampleNames) {
    it(`examples/${name}/application.yaml is valid and points into the example`, () => {
      const file = path.join(examplesDir, name, 'application.yaml');
      const parsed = parseApplicationsYaml(fs.readFileSync(file, 'utf8'), file);
      assert.deepEqual(parsed.invalid.map((problem) => problem.message), []);
      assert.ok(parsed.applications.length > 0);
      for (const application of parsed.applications) {
        assert.equal(application.spec.source.repoURL, 'https://git.example.com/team/berth-examples.git');
        const sourcePath = path.join(examplesDir, name, application.spec.source.path);
        assert.ok(fs.statSync(sourcePath).isDirectory(), `${application.metadata.name}: ${application.spec.source.path} exists`);
        assert.equal(application.spec.destination.namespace, application.metadata.namespace);
      }
    });
  }

  it('are retargeted to a run\'s repository and namespace', () => {
    const [app] = exampleApplications('plain', { repoURL: 'http://127.0.0.1:1/x.git', namespace: 'run-1', pollInterval: '2s' });
    assert.ok(app);
    assert.equal(app.spec.source.repoURL, 'http://127.0.0.1:1/x.git');
    assert.equal(app.metadata.namespace, 'run-1');
    assert.equal(app.spec.destination.namespace, 'run-1');
    assert.equal(app.spec.syncPolicy?.pollInterval, '2s');
    assert.equal(app.spec.syncPolicy.rollback?.enabled, true, 'the rest of the policy is kept');
  });

  it('examples/helm/chart passes helm lint --strict', async () => {
    const result = await helm(['lint', '--strict', path.join(examplesDir, 'helm/chart'), '--values', path.join(examplesDir, 'helm/chart/values-production.yaml')]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });
});

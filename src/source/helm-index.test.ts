import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chartVersionsOf, chooseChartVersion, chooseTag } from './helm-index.ts';

const index = `apiVersion: v1
entries:
  web:
    - { name: web, version: 1.2.0, urls: [web-1.2.0.tgz], digest: ${'a'.repeat(64)} }
    - { name: web, version: 1.10.0, urls: [web-1.10.0.tgz] }
    - { name: web, version: 2.0.0-rc.1, urls: [web-2.0.0-rc.1.tgz] }
    - { name: web, urls: [broken.tgz] }
    - { name: other, version: 9.9.9, urls: [x.tgz] }
  db:
    - { name: db, version: 0.1.0, urls: [db.tgz] }
`;

describe('Helm repository index', () => {
  const versions = chartVersionsOf(index, 'web', 'https://charts.example.com/');
  it('keeps the valid entries of the chart only', () => {
    assert.deepEqual(versions.map((entry) => entry.version), ['1.2.0', '1.10.0', '2.0.0-rc.1']);
  });

  const table: [string, string][] = [
    ['1.2.0', '1.2.0'],
    ['v1.2.0', '1.2.0'],
    ['^1.0.0', '1.10.0'],
    ['~1.2', '1.2.0'],
    ['HEAD', '1.10.0'],
    ['*', '1.10.0'],
    ['>=2.0.0-0', '2.0.0-rc.1'],
    ['2.0.0-rc.1', '2.0.0-rc.1'],
  ];
  for (const [revision, version] of table) {
    it(`resolves ${revision} to ${version}`, () => { assert.equal(chooseChartVersion(versions, revision, 'w').version, version); });
  }

  it('says which versions exist when none matches', () => {
    assert.throws(() => chooseChartVersion(versions, '^3', 'https://charts.example.com/ web'), {
      name: 'InvalidSourceError', message: /^https:\/\/charts.example.com\/ web: no version matches \^3 \(3 listed: 1.2.0, 1.10.0, 2.0.0-rc.1\)$/,
    });
    assert.throws(() => chooseChartVersion([], 'main', 'w'), /no version main \(the repository lists no version of this chart\)/);
  });

  it('refuses an index that is not one, and finds no chart through a prototype key', () => {
    assert.throws(() => chartVersionsOf('<html>', 'web', 'https://x/'), /index.yaml has no entries/);
    assert.throws(() => chartVersionsOf('a: [', 'web', 'https://x/'), /index.yaml is not YAML/);
    assert.deepEqual(chartVersionsOf(index, '__proto__', 'w'), []);
    assert.deepEqual(chartVersionsOf(index, 'constructor', 'w'), []);
  });

  it('picks OCI tags the same way, reading _ as + (helm push)', () => {
    assert.equal(chooseTag(['0.1.0', '0.2.0', '0.2.1_build.1', 'latest'], '~0.2', 'w'), '0.2.1_build.1');
    assert.equal(chooseTag(['0.1.0', '0.2.0'], '0.1.0', 'w'), '0.1.0');
  });
});

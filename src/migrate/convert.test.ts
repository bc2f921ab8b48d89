/**
 * The converter against Argo CD's and Flux's documentation examples
 * (testdata/*.yaml): each case's Berth objects and findings are compared with
 * the reviewed expectations in testdata/expected/ (BERTH_UPDATE_EXPECTED=1
 * rewrites them; review the diff). A fixture without a row fails.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { applicationSpecSchema } from '../application/schema.ts';
import { berthPolicySpecSchema } from '../policy/berth-policy-schema.ts';
import { parseYamlDocuments } from '../render/kube-yaml.ts';
import { convertObjects } from './convert.ts';
import { formatFinding, hasLosses } from './findings.ts';

const testdata = path.join(import.meta.dirname, 'testdata');
const expectedDir = path.join(testdata, 'expected');
const update = process.env.BERTH_UPDATE_EXPECTED === '1';

/** fixture -> how many Berth objects come out, and whether something is not carried over. */
const cases: Record<string, { objects: number; losses: boolean; why: string }> = {
  'argocd-application-guestbook': { objects: 1, losses: false, why: 'everything of the getting-started Application has a Berth equivalent' },
  'argocd-application-helm': { objects: 1, losses: true, why: 'a Git chart converts; jq ignore rules do not' },
  'argocd-application-kustomize': { objects: 1, losses: true, why: 'kustomize overrides convert; replicas and patches do not' },
  'argocd-application-reference': { objects: 0, losses: true, why: 'a Helm repository chart, a plugin and four source types at once are refused' },
  'argocd-application-other-cluster': { objects: 0, losses: true, why: 'another cluster is refused until clusters can be named' },
  'argocd-appproject': { objects: 1, losses: true, why: 'repositories, destinations and kinds convert; roles and windows do not' },
  'flux-podinfo-kustomization': { objects: 1, losses: true, why: 'the get-started Kustomization converts; its inline patch does not' },
  'flux-podinfo-helmrelease': { objects: 1, losses: true, why: 'a chart from a GitRepository converts; valuesFrom does not' },
};

function convertFixture(name: string) {
  const file = path.join(testdata, `${name}.yaml`);
  return convertObjects(parseYamlDocuments(fs.readFileSync(file, 'utf8'), file).map((document) => document.value));
}

function expectFile(file: string, actual: string): void {
  const target = path.join(expectedDir, file);
  if (update) { fs.mkdirSync(expectedDir, { recursive: true }); fs.writeFileSync(target, actual); }
  assert.equal(actual, fs.readFileSync(target, 'utf8'), `${file} differs (BERTH_UPDATE_EXPECTED=1 rewrites it)`);
}

describe('berth import conversion', () => {
  it('has a row for every fixture', () => {
    const fixtures = fs.readdirSync(testdata).filter((file) => file.endsWith('.yaml')).map((file) => file.slice(0, -'.yaml'.length)).sort();
    assert.deepEqual(fixtures, Object.keys(cases).sort());
  });

  for (const [name, expected] of Object.entries(cases)) {
    it(`${name}: ${expected.why}`, () => {
      const { objects, findings } = convertFixture(name);
      assert.equal(objects.length, expected.objects);
      assert.equal(hasLosses(findings), expected.losses, findings.map(formatFinding).join('\n'));
      for (const object of objects) {
        const schema = object.kind === 'Application' ? applicationSpecSchema : berthPolicySpecSchema;
        assert.ok(schema.safeParse(object.spec).success, `${object.kind}/${object.metadata.name} is invalid`);
      }
      expectFile(`${name}.berth.yaml`, objects.map((object) => dump(object, { lineWidth: -1, noRefs: true })).join('---\n'));
      expectFile(`${name}.findings.txt`, findings.map((finding) => `${formatFinding(finding)}\n`).join(''));
    });
  }

  it('refuses a Kustomization whose GitRepository is not among the objects, naming it', () => {
    const { objects, findings } = convertObjects([{
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', namespace: 'flux-system' },
      spec: { interval: '10m', path: './apps', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' } },
    }]);
    assert.equal(objects.length, 0);
    assert.deepEqual(findings.map(formatFinding), [
      'kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps: spec.sourceRef: not converted: GitRepository flux-system/fleet is not among the objects imported: import it too',
    ]);
  });

  it('never prints an Application the schema refuses: a release name Helm would refuse is reported instead', () => {
    const { objects, findings } = convertObjects([{
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace: 'argocd' },
      spec: { source: { repoURL: 'https://git.example.com/web.git', path: 'chart', helm: { releaseName: 'Web_Release' } }, destination: { namespace: 'web' } },
    }]);
    assert.equal(objects.length, 0);
    assert.match(findings.map(formatFinding).join('\n'), /argoproj\.io\/Application\/argocd\/web: spec: not converted: the Berth Application would be invalid: source\.helm\.releaseName/);
  });

  it('reports objects of other kinds rather than skipping them silently, and unpacks Lists', () => {
    const { objects, findings } = convertObjects([{ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'y' } }] }]);
    assert.equal(objects.length, 0);
    assert.deepEqual(findings.map(formatFinding), ['v1/ConfigMap/y/x: not converted: not an Argo CD Application or AppProject, nor a Flux GitRepository, Kustomization or HelmRelease']);
  });
  describe('a GitRepository ref as a targetRevision (Flux\'s precedence: commit, name, semver, tag, branch)', () => {
    const rows: { ref: Record<string, string> | undefined; revision: string; dropped?: string }[] = [
      { ref: undefined, revision: 'master' },
      { ref: { branch: 'main' }, revision: 'main' },
      { ref: { branch: 'main', tag: 'v1.2.0' }, revision: 'v1.2.0' },
      { ref: { tag: 'v1.2.0', semver: '>=1.0.0 <2.0.0' }, revision: '>=1.0.0 <2.0.0' },
      { ref: { semver: '1.x', name: 'refs/tags/v1.4.0' }, revision: 'v1.4.0' },
      { ref: { name: 'refs/heads/release', commit: '0123456789abcdef0123456789abcdef01234567' }, revision: '0123456789abcdef0123456789abcdef01234567' },
      { ref: { branch: 'main', name: 'refs/pull/42/head' }, revision: 'main', dropped: 'spec.ref.name' },
    ];
    for (const row of rows) {
      it(`${JSON.stringify(row.ref ?? {})} -> ${row.revision}`, () => {
        const { objects, findings } = convertObjects([
          { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'app', namespace: 'apps' }, spec: { url: 'https://git.example.com/app.git', interval: '5m', ...(row.ref ? { ref: row.ref } : {}) } },
          { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'app', namespace: 'apps' }, spec: { path: './deploy', prune: false, sourceRef: { kind: 'GitRepository', name: 'app' } } },
        ]);
        const source = objects[0]?.spec.source as { targetRevision?: string } | undefined;
        assert.equal(source?.targetRevision, row.revision);
        assert.equal(findings.filter((finding) => finding.kind === 'dropped').map((finding) => finding.field).join(), row.dropped ?? '');
        assert.deepEqual(objects[0]?.spec.syncPolicy, { automated: { prune: false, selfHeal: true }, pollInterval: '5m' });
      });
    }
  });
});

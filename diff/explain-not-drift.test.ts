/**
 * "Why is this field not drift", as a table over objects captured from a real
 * API server (diff/testdata): the patch each row explains is the one
 * diffObject computes for that fixture, so the explanation and the drift rule
 * cannot disagree.
 */
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import { refOf, type KubeObject } from '../objects.ts';
import { diffObject, type DiffOptions } from './index.ts';
import { explainNotDrift, fieldOwners, type NotDriftVerdict } from './explain-not-drift.ts';
import type { IgnoreDifferenceRule } from './options.ts';

const testdata = join(import.meta.dirname, 'testdata');
const read = (folder: string, file: string): unknown => {
  const path = join(testdata, folder, file);
  return existsSync(path) ? load(readFileSync(path, 'utf8')) : undefined;
};

interface Row {
  name: string;
  fixture: string;
  pointer: string;
  verdict: NotDriftVerdict;
  /** Words the message must hold. */
  says: string[];
  /** Rules beside the fixture's own options.yaml. */
  rules?: IgnoreDifferenceRule[];
}

const rows: Row[] = [
  { name: 'an image another manager changed is drift', fixture: 'image-changed-by-other-manager', pointer: '/spec/template/spec/containers/0/image', verdict: 'drift', says: ['is drift', 'replace'] },
  { name: 'a container holding drift is drift too', fixture: 'image-changed-by-other-manager', pointer: '/spec/template/spec/containers/0', verdict: 'drift', says: ['is drift'] },
  { name: 'an annotation the Deployment controller writes is owned by another manager', fixture: 'replicas-owned-by-hpa-synced', pointer: '/metadata/annotations/deployment.kubernetes.io~1revision', verdict: 'owned-by-other-manager', says: ['"kube-controller-manager" (Update)', 'not by Berth'] },
  { name: 'replicas Git does not set and no manager claims', fixture: 'replicas-owned-by-hpa-synced', pointer: '/spec/replicas', verdict: 'defaulted', says: ['no field manager claims /spec/replicas'] },
  { name: 'replicas Git sets and an HPA scaled are drift', fixture: 'replicas-set-by-git-scaled-by-hpa', pointer: '/spec/replicas', verdict: 'drift', says: ['is drift'] },
  { name: 'replicas under a managedFieldsManagers rule: ignored by that rule', fixture: 'replicas-ignored-for-hpa-manager', pointer: '/spec/replicas', verdict: 'ignored-manager', says: ['ignoreDifferences[0]', '"kube-controller-manager"'] },
  { name: 'an image under a jsonPointers rule: ignored by that rule', fixture: 'image-ignored-by-json-pointer', pointer: '/spec/template/spec/containers/0/image', verdict: 'ignored-by-rule', says: ['ignoreDifferences[0]', '/spec/template/spec/containers/0/image'] },
  { name: 'a rule for another kind does not explain it', fixture: 'replicas-owned-by-hpa-synced', pointer: '/metadata/annotations/deployment.kubernetes.io~1revision', verdict: 'owned-by-other-manager', says: ['kube-controller-manager'], rules: [{ group: '', kind: 'ConfigMap', jsonPointers: ['/metadata/annotations/deployment.kubernetes.io~1revision'] }] },
  { name: 'a jsonPointers rule of the same kind explains it', fixture: 'replicas-owned-by-hpa-synced', pointer: '/metadata/annotations/deployment.kubernetes.io~1revision', verdict: 'ignored-by-rule', says: ['ignoreDifferences[0]'], rules: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/metadata/annotations'] }] },
  { name: 'a field Berth applies with the value Git wants is equal', fixture: 'replicas-owned-by-hpa-synced', pointer: '/spec/template/spec/containers/0/image', verdict: 'equal', says: ['Berth sets'] },
  { name: 'an env item Berth owns by key is equal', fixture: 'replicas-owned-by-hpa-synced', pointer: '/spec/template/spec/containers/0/env/0/value', verdict: 'equal', says: ['Berth sets'] },
  { name: 'a field the API server defaulted is claimed by nobody', fixture: 'replicas-owned-by-hpa-synced', pointer: '/spec/revisionHistoryLimit', verdict: 'defaulted', says: ['default'] },
  { name: 'status is never compared', fixture: 'replicas-owned-by-hpa-synced', pointer: '/status/replicas', verdict: 'normalized', says: ['never compared'] },
  { name: 'resourceVersion is never compared', fixture: 'replicas-owned-by-hpa-synced', pointer: '/metadata/resourceVersion', verdict: 'normalized', says: ['never compared'] },
  { name: 'a field the object lacks is absent', fixture: 'replicas-owned-by-hpa-synced', pointer: '/spec/paused', verdict: 'absent', says: ['has no /spec/paused'] },
  { name: 'a missing object has nothing live', fixture: 'missing', pointer: '/data', verdict: 'absent', says: ['not in the cluster'] },
];

describe('why a field is not drift', () => {
  for (const row of rows) {
    it(row.name, () => {
      const live = read(row.fixture, 'live.yaml') as KubeObject | undefined;
      const desired = read(row.fixture, 'desired.yaml') as KubeObject | undefined;
      const predicted = read(row.fixture, 'predicted.yaml') as KubeObject | undefined;
      const options = (read(row.fixture, 'options.yaml') ?? {}) as Partial<DiffOptions>;
      const rules = [...(options.ignoreDifferences ?? []), ...(row.rules ?? [])];
      const diff = diffObject({ ...(desired ? { desired } : {}), ...(predicted ? { predicted } : {}), ...(live ? { live } : {}) }, { ...options, ignoreDifferences: rules });
      const named = (desired ?? live) as KubeObject;
      const answer = explainNotDrift({ ref: refOf(named), pointer: row.pointer, live, rules, patch: diff.patch });
      assert.equal(answer.verdict, row.verdict, answer.message);
      for (const words of row.says) assert.ok(answer.message.includes(words), `"${answer.message}" should say ${words}`);
      if (row.verdict === 'ignored-by-rule' || row.verdict === 'ignored-manager') assert.equal(answer.rule?.index, 0);
      else assert.equal(answer.rule, null);
    });
  }

  it('names every manager that owns a field or something inside it, once', () => {
    const live = read('image-changed-by-other-manager', 'live.yaml') as KubeObject;
    const owners = (pointer: string): string[] => fieldOwners(live, pointer).map((owner) => owner.manager).sort();
    assert.deepEqual(owners('/spec/template/spec/containers/0'), ['berth', 'kubectl-edit']);
    // An Update that changed an applied field took it over: Berth no longer owns the image.
    assert.deepEqual(owners('/spec/template/spec/containers/0/image'), ['kubectl-edit']);
    assert.deepEqual(owners('/spec/selector/matchLabels/app'), ['berth'], 'an owned leaf covers what is inside it');
  });

  it('refuses a pointer that is not RFC 6901', () => {
    const live = read('replicas-owned-by-hpa-synced', 'live.yaml') as KubeObject;
    assert.throws(() => explainNotDrift({ ref: refOf(live), pointer: 'spec/replicas', live, rules: [], patch: [] }), /must be empty or start with "\/"/);
  });
});

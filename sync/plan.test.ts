import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRef, type KubeObject } from '../objects.ts';
import { UnrecoverableSyncError } from './errors.ts';
import { planSteps, planSync, type SyncPlan } from './plan.ts';
import { obj } from './testing/fake-cluster.ts';

const wave = (n: number): Record<string, string> => ({ 'berth.dev/sync-wave': String(n) });
const hook = (phase: string, extra: Record<string, string> = {}): Record<string, string> => ({ 'berth.dev/hook': phase, ...extra });
const crd = (group: string, kind: string, plural: string, annotations?: Record<string, string>): KubeObject =>
  obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', '', `${plural}.${group}`, { spec: { group, names: { kind, plural }, scope: 'Namespaced' }, ...(annotations ? { annotations } : {}) });

const order = (plan: SyncPlan): string[] => planSteps(plan).map((step) => `${step.phase}:${step.wave}:${formatRef(step.ref)}`);
const names = (plan: SyncPlan): string[] => planSteps(plan).map((step) => formatRef(step.ref));

function invalid(objects: KubeObject[]): string[] {
  try {
    planSync(objects);
  } catch (error) {
    assert.ok(error instanceof UnrecoverableSyncError);
    assert.equal(error.reason, 'InvalidManifests');
    return [...error.problems];
  }
  assert.fail('expected the plan to be refused');
}

describe('sync plan', () => {
  it('orders by kind within a wave: Namespace, CRD, ServiceAccount, Secret, ConfigMap, PVC, RBAC, Service, workloads, Ingress, custom resources, webhooks', () => {
    const objects = [
      obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', '', 'check'),
      obj('networking.k8s.io/v1', 'Ingress', 'shop', 'web'),
      obj('example.com/v1', 'Widget', 'shop', 'w'),
      obj('apps/v1', 'Deployment', 'shop', 'web'),
      obj('v1', 'Service', 'shop', 'web'),
      obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'shop', 'rb'),
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', '', 'cr'),
      obj('v1', 'PersistentVolumeClaim', 'shop', 'data'),
      obj('v1', 'ConfigMap', 'shop', 'cfg'),
      obj('v1', 'Secret', 'shop', 'creds'),
      obj('v1', 'ServiceAccount', 'shop', 'sa'),
      crd('example.com', 'Widget', 'widgets'),
      obj('v1', 'Namespace', '', 'shop'),
    ];
    assert.deepEqual(names(planSync(objects)), [
      'Namespace/shop', 'CustomResourceDefinition/widgets.example.com', 'ServiceAccount/shop/sa', 'Secret/shop/creds', 'ConfigMap/shop/cfg',
      'PersistentVolumeClaim/shop/data', 'ClusterRole/cr', 'RoleBinding/shop/rb', 'Service/shop/web', 'Deployment/shop/web', 'Ingress/shop/web',
      'Widget/shop/w', 'ValidatingWebhookConfiguration/check',
    ]);
  });

  it('is deterministic whatever the input order', () => {
    const objects = [
      obj('v1', 'ConfigMap', 'a', 'z'), obj('v1', 'ConfigMap', 'a', 'b'), obj('v1', 'ConfigMap', 'b', 'a'),
      obj('apps/v1', 'Deployment', 'a', 'x', { annotations: wave(2) }), obj('v1', 'Namespace', '', 'a'), obj('v1', 'Namespace', '', 'b'),
      obj('batch/v1', 'Job', 'a', 'migrate', { annotations: hook('PreSync') }),
    ];
    const expected = order(planSync(objects));
    for (let i = 0; i < 20; i += 1) {
      const shuffled = [...objects].sort(() => Math.random() - 0.5);
      assert.deepEqual(order(planSync(shuffled)), expected);
    }
    assert.deepEqual(names(planSync(objects)).filter((n) => n.startsWith('ConfigMap/')), ['ConfigMap/a/b', 'ConfigMap/a/z', 'ConfigMap/b/a']);
  });

  const placements: { name: string; objects: KubeObject[]; expected: string[] }[] = [
    {
      name: 'applies lower waves first, then kind order',
      objects: [obj('v1', 'ConfigMap', 'shop', 'late', { annotations: wave(1) }), obj('apps/v1', 'Deployment', 'shop', 'early', { annotations: wave(-1) }),
        obj('v1', 'ConfigMap', 'shop', 'mid')],
      expected: ['Sync:-1:Deployment/shop/early', 'Sync:0:ConfigMap/shop/mid', 'Sync:1:ConfigMap/shop/late'],
    },
    {
      name: 'applies a Namespace before anything in it even when its wave is later',
      objects: [obj('v1', 'Namespace', '', 'shop', { annotations: wave(5) }), obj('v1', 'ConfigMap', 'shop', 'cfg', { annotations: wave(-2) }),
        obj('v1', 'Namespace', '', 'other', { annotations: wave(5) })],
      expected: ['Sync:-2:Namespace/shop', 'Sync:-2:ConfigMap/shop/cfg', 'Sync:5:Namespace/other'],
    },
    {
      name: 'applies a CRD before its custom resources even when its wave is later',
      objects: [crd('example.com', 'Widget', 'widgets', wave(3)), obj('example.com/v1', 'Widget', '', 'w', { annotations: wave(1) })],
      expected: ['Sync:1:CustomResourceDefinition/widgets.example.com', 'Sync:1:Widget/w'],
    },
    {
      name: 'moves a Namespace into PreSync when a PreSync hook runs in it',
      objects: [obj('v1', 'Namespace', '', 'shop'), obj('batch/v1', 'Job', 'shop', 'migrate', { annotations: hook('PreSync') }),
        obj('apps/v1', 'Deployment', 'shop', 'web')],
      expected: ['PreSync:0:Namespace/shop', 'PreSync:0:Job/shop/migrate', 'Sync:0:Deployment/shop/web'],
    },
    {
      name: 'places hooks by phase: PreSync, Sync, PostSync, then SyncFail',
      objects: [
        obj('batch/v1', 'Job', 'shop', 'on-fail', { annotations: hook('SyncFail') }),
        obj('batch/v1', 'Job', 'shop', 'smoke', { annotations: hook('PostSync') }),
        obj('v1', 'Pod', 'shop', 'during', { annotations: hook('Sync') }),
        obj('batch/v1', 'Job', 'shop', 'migrate', { annotations: hook('PreSync', wave(4)) }),
        obj('apps/v1', 'Deployment', 'shop', 'web', { annotations: wave(-3) }),
      ],
      expected: ['PreSync:4:Job/shop/migrate', 'Sync:-3:Deployment/shop/web', 'Sync:0:Pod/shop/during', 'PostSync:0:Job/shop/smoke', 'SyncFail:0:Job/shop/on-fail'],
    },
    {
      name: 'runs a hook in each phase it names',
      objects: [obj('batch/v1', 'Job', 'shop', 'twice', { annotations: hook('PreSync,PostSync') })],
      expected: ['PreSync:0:Job/shop/twice', 'PostSync:0:Job/shop/twice'],
    },
  ];
  for (const { name, objects, expected } of placements) {
    it(name, () => { assert.deepEqual(order(planSync(objects)), expected); });
  }

  it('notes why a Namespace or CRD was moved up', () => {
    const plan = planSync([obj('v1', 'Namespace', '', 'shop', { annotations: wave(5) }), obj('v1', 'ConfigMap', 'shop', 'cfg')]);
    assert.equal(planSteps(plan)[0]?.movedUpFor, 'ConfigMap/shop/cfg');
    assert.equal(planSteps(plan)[1]?.movedUpFor, undefined);
  });

  it('groups one (phase, wave, stage) together and separates Namespaces, CRDs and webhooks into stages', () => {
    const plan = planSync([
      obj('v1', 'Namespace', '', 'shop'), obj('v1', 'ConfigMap', 'shop', 'a'), obj('v1', 'ConfigMap', 'shop', 'b'),
      obj('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', '', 'm'), obj('v1', 'ConfigMap', 'shop', 'c', { annotations: wave(1) }),
    ]);
    assert.deepEqual(plan.groups.map((g) => `${g.phase}/${g.wave}/${g.stage}:${g.steps.length}`),
      ['Sync/0/Definitions:1', 'Sync/0/Resources:2', 'Sync/0/Registrations:1', 'Sync/1/Resources:1']);
  });

  const refusals: { name: string; objects: KubeObject[]; problem: RegExp }[] = [
    { name: 'a wave that is not an integer', objects: [obj('v1', 'ConfigMap', 'shop', 'cfg', { annotations: { 'berth.dev/sync-wave': 'soon' } })], problem: /^ConfigMap\/shop\/cfg: berth\.dev\/sync-wave must be an integer, got "soon"$/ },
    { name: 'a fractional wave', objects: [obj('v1', 'ConfigMap', 'shop', 'cfg', { annotations: { 'berth.dev/sync-wave': '1.5' } })], problem: /ConfigMap\/shop\/cfg: .*integer/ },
    { name: 'an unknown hook phase', objects: [obj('batch/v1', 'Job', 'shop', 'j', { annotations: hook('Later') })], problem: /^Job\/shop\/j: berth\.dev\/hook: "Later" is not one of/ },
    { name: 'a hook that is neither Job nor Pod', objects: [obj('v1', 'ConfigMap', 'shop', 'c', { annotations: hook('PreSync') })], problem: /^ConfigMap\/shop\/c: .*only a Job or a Pod/ },
    { name: 'an unknown delete policy', objects: [obj('batch/v1', 'Job', 'shop', 'j', { annotations: hook('PreSync', { 'berth.dev/hook-delete-policy': 'Never' }) })], problem: /hook-delete-policy: "Never"/ },
    { name: 'a malformed sync option', objects: [obj('v1', 'ConfigMap', 'shop', 'c', { annotations: { 'berth.dev/sync-options': 'Prune=maybe' } })], problem: /^ConfigMap\/shop\/c: .*Prune must be true or false/ },
    { name: 'an object defined twice', objects: [obj('v1', 'ConfigMap', 'shop', 'c'), obj('v1', 'ConfigMap', 'shop', 'c')], problem: /^ConfigMap\/shop\/c: defined more than once$/ },
    { name: 'an object without a name', objects: [obj('v1', 'ConfigMap', 'shop', '')], problem: /metadata\.name is missing/ },
  ];
  for (const { name, objects, problem } of refusals) {
    it(`refuses ${name}, naming the object`, () => {
      const problems = invalid(objects);
      assert.equal(problems.length, 1);
      assert.match(problems[0] ?? '', problem);
    });
  }

  it('reports every invalid object at once', () => {
    const problems = invalid([
      obj('v1', 'ConfigMap', 'shop', 'a', { annotations: wave(0) }),
      obj('v1', 'ConfigMap', 'shop', 'b', { annotations: { 'berth.dev/sync-wave': 'x' } }),
      obj('v1', 'ConfigMap', 'shop', 'c', { annotations: { 'berth.dev/sync-wave': 'y' } }),
    ]);
    assert.deepEqual(problems.map((p) => p.split(':')[0]), ['ConfigMap/shop/b', 'ConfigMap/shop/c']);
  });

  it('reads hook delete policies, defaulting to BeforeHookCreation', () => {
    const steps = planSteps(planSync([
      obj('batch/v1', 'Job', 'shop', 'a', { annotations: hook('PreSync') }),
      obj('batch/v1', 'Job', 'shop', 'b', { annotations: hook('PreSync', { 'berth.dev/hook-delete-policy': 'HookSucceeded,HookFailed' }) }),
    ]));
    assert.deepEqual(steps.map((s) => s.hook?.deletePolicies), [['BeforeHookCreation'], ['HookSucceeded', 'HookFailed']]);
  });
});

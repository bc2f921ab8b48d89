import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chosenAnnotation, formatRef, ignoresExtraneous, refOf, type KubeObject } from '../objects.ts';
import { generatedName, hookOutcome, hookPlacementOf } from './hooks.ts';
import { objectSyncOptions } from './options.ts';
import { planSteps, planSync, waveOf } from './plan.ts';
import { obj } from './testing/fake-cluster.ts';

const job = (annotations: Record<string, string>, name = 'migrate'): KubeObject => obj('batch/v1', 'Job', 'shop', name, { annotations });

/** What the placement says, as one line: `hook PreSync,PostSync [HookSucceeded]`, `object`, `not applied: ...`, or `error: ...`. */
function placement(object: KubeObject): string {
  try {
    const placed = hookPlacementOf(object, refOf(object));
    if (placed.kind === 'object') return 'object';
    if (placed.kind === 'not-applied') return `not applied: ${placed.message}`;
    const { phases, deletePolicies, generateName } = placed.spec;
    return `hook ${phases.join(',')} [${deletePolicies.join(',')}]${generateName === undefined ? '' : ` generateName=${generateName}`}`;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe('which annotation applies', () => {
  const rows: { name: string; annotations: Record<string, string> | undefined; concept: Parameters<typeof chosenAnnotation>[1]; chosen: string | undefined }[] = [
    { name: 'none set', annotations: undefined, concept: 'wave', chosen: undefined },
    { name: 'Berth\'s wave', annotations: { 'berth.dev/sync-wave': '2' }, concept: 'wave', chosen: 'Berth 2' },
    { name: 'Argo CD\'s wave', annotations: { 'argocd.argoproj.io/sync-wave': '-1' }, concept: 'wave', chosen: 'ArgoCD -1' },
    { name: 'Helm\'s weight as the wave', annotations: { 'helm.sh/hook-weight': '5' }, concept: 'wave', chosen: 'Helm 5' },
    { name: 'Berth\'s wave over Argo CD\'s and Helm\'s', annotations: { 'helm.sh/hook-weight': '5', 'argocd.argoproj.io/sync-wave': '3', 'berth.dev/sync-wave': '1' }, concept: 'wave', chosen: 'Berth 1' },
    { name: 'Argo CD\'s wave over Helm\'s weight', annotations: { 'helm.sh/hook-weight': '5', 'argocd.argoproj.io/sync-wave': '3' }, concept: 'wave', chosen: 'ArgoCD 3' },
    { name: 'Argo CD\'s hook over Helm\'s', annotations: { 'helm.sh/hook': 'pre-install', 'argocd.argoproj.io/hook': 'PostSync' }, concept: 'hook', chosen: 'ArgoCD PostSync' },
    { name: 'Helm\'s delete policy', annotations: { 'helm.sh/hook-delete-policy': 'hook-succeeded' }, concept: 'hookDeletePolicy', chosen: 'Helm hook-succeeded' },
    { name: 'Berth\'s sync options over Argo CD\'s', annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false', 'berth.dev/sync-options': 'Force=true' }, concept: 'syncOptions', chosen: 'Berth Force=true' },
    { name: 'Helm has no sync options', annotations: { 'helm.sh/hook': 'test' }, concept: 'syncOptions', chosen: undefined },
    { name: 'Argo CD\'s compare options', annotations: { 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous' }, concept: 'compareOptions', chosen: 'ArgoCD IgnoreExtraneous' },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const chosen = chosenAnnotation(row.annotations, row.concept);
      assert.equal(chosen === undefined ? undefined : `${chosen.source} ${chosen.value}`, row.chosen);
    });
  }
});

describe('hook placement of Berth\'s, Argo CD\'s and Helm\'s hooks', () => {
  const rows: { name: string; object: KubeObject; placement: string | RegExp }[] = [
    { name: 'an object without a hook annotation', object: job({}), placement: 'object' },
    { name: 'Berth\'s hook keeps BeforeHookCreation as its default', object: job({ 'berth.dev/hook': 'PreSync' }), placement: 'hook PreSync [BeforeHookCreation]' },
    { name: 'Berth\'s hook must be a Job or a Pod', object: obj('v1', 'ConfigMap', 'shop', 'c', { annotations: { 'berth.dev/hook': 'PreSync' } }), placement: /^error: .*only a Job or a Pod/ },
    { name: 'Argo CD\'s PreSync with HookSucceeded', object: job({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }), placement: 'hook PreSync [HookSucceeded]' },
    { name: 'Argo CD\'s phases in order, whatever the order written', object: job({ 'argocd.argoproj.io/hook': 'PostSync, PreSync' }), placement: 'hook PreSync,PostSync [BeforeHookCreation]' },
    { name: 'Argo CD\'s SyncFail', object: job({ 'argocd.argoproj.io/hook': 'SyncFail' }), placement: 'hook SyncFail [BeforeHookCreation]' },
    { name: 'Argo CD\'s hook may be of any kind', object: obj('v1', 'ConfigMap', 'shop', 'c', { annotations: { 'argocd.argoproj.io/hook': 'PreSync' } }), placement: 'hook PreSync [BeforeHookCreation]' },
    { name: 'Argo CD\'s Skip is not applied', object: obj('v1', 'ConfigMap', 'shop', 'c', { annotations: { 'argocd.argoproj.io/hook': 'Skip' } }), placement: 'not applied: argocd.argoproj.io/hook: Skip: Skip: not applied' },
    { name: 'Argo CD\'s PostDelete is not run', object: job({ 'argocd.argoproj.io/hook': 'PostDelete' }), placement: /^not applied: .*runs when the application is deleted/ },
    { name: 'Argo CD\'s unknown phase is an error', object: job({ 'argocd.argoproj.io/hook': 'PreSink' }), placement: /^error: argocd.argoproj.io\/hook: "PreSink" is not one of/ },
    { name: 'Argo CD\'s unknown delete policy is an error', object: job({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'Never' }), placement: /^error: argocd.argoproj.io\/hook-delete-policy: "Never"/ },
    { name: 'Helm pre-install and pre-upgrade are PreSync', object: job({ 'helm.sh/hook': 'pre-install,pre-upgrade' }), placement: 'hook PreSync [BeforeHookCreation]' },
    { name: 'Helm post-install and post-upgrade are PostSync', object: job({ 'helm.sh/hook': 'post-install,post-upgrade' }), placement: 'hook PostSync [BeforeHookCreation]' },
    { name: 'Helm pre-install with post-upgrade runs in both phases', object: job({ 'helm.sh/hook': 'pre-install,post-upgrade' }), placement: 'hook PreSync,PostSync [BeforeHookCreation]' },
    { name: 'Helm delete policies, spelled Helm\'s way', object: job({ 'helm.sh/hook': 'pre-install', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded' }), placement: 'hook PreSync [BeforeHookCreation,HookSucceeded]' },
    { name: 'Helm hook-failed', object: job({ 'helm.sh/hook': 'post-install', 'helm.sh/hook-delete-policy': 'hook-failed' }), placement: 'hook PostSync [HookFailed]' },
    { name: 'Helm\'s unknown delete policy is ignored, as Helm does', object: job({ 'helm.sh/hook': 'pre-install', 'helm.sh/hook-delete-policy': 'someday' }), placement: 'hook PreSync [BeforeHookCreation]' },
    { name: 'a Helm test is not applied', object: obj('v1', 'Pod', 'shop', 'web-test', { annotations: { 'helm.sh/hook': 'test' } }), placement: /^not applied: helm.sh\/hook: test: a Helm test/ },
    { name: 'Helm 2\'s test-success is not applied', object: obj('v1', 'Pod', 'shop', 'web-test', { annotations: { 'helm.sh/hook': 'test-success' } }), placement: /^not applied: .*a Helm test/ },
    { name: 'Helm pre-delete and post-delete are not run', object: job({ 'helm.sh/hook': 'pre-delete,post-delete' }), placement: /^not applied: .*runs when the application is deleted/ },
    { name: 'Helm rollback hooks are not run', object: job({ 'helm.sh/hook': 'pre-rollback' }), placement: /^not applied: .*rollback hook/ },
    { name: 'Helm test with pre-install is applied in PreSync only', object: job({ 'helm.sh/hook': 'test,pre-install' }), placement: 'hook PreSync [BeforeHookCreation]' },
    { name: 'Helm\'s unknown hook is not applied, as Helm ignores it', object: job({ 'helm.sh/hook': 'crd-install' }), placement: /^not applied: .*"crd-install" is not a Helm hook/ },
    { name: 'Berth\'s hook over Helm\'s test', object: obj('v1', 'Pod', 'shop', 'p', { annotations: { 'helm.sh/hook': 'test', 'berth.dev/hook': 'PostSync' } }), placement: 'hook PostSync [BeforeHookCreation]' },
    {
      name: 'a hook with generateName',
      object: { apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'smoke-', namespace: 'shop', annotations: { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' } } },
      placement: 'hook PostSync [HookSucceeded] generateName=smoke-',
    },
    {
      name: 'a hook with neither name nor generateName',
      object: { apiVersion: 'batch/v1', kind: 'Job', metadata: { namespace: 'shop', annotations: { 'argocd.argoproj.io/hook': 'PostSync' } } },
      placement: /^error: metadata.name is missing/,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const got = placement(row.object);
      if (typeof row.placement === 'string') assert.equal(got, row.placement);
      else assert.match(got, row.placement);
    });
  }
});

describe('waves and sync options from Argo CD and Helm', () => {
  it('reads Argo CD\'s wave and Helm\'s weight, naming the key of a bad one', () => {
    assert.equal(waveOf(job({ 'argocd.argoproj.io/sync-wave': '-1' })), -1);
    assert.equal(waveOf(job({ 'helm.sh/hook-weight': '7' })), 7);
    assert.throws(() => waveOf(job({ 'helm.sh/hook-weight': 'heavy' })), /^SyntaxError: helm.sh\/hook-weight must be an integer/);
  });

  const rows: { value: string; prune: boolean; force: boolean }[] = [
    { value: 'Prune=false', prune: false, force: false },
    { value: 'Prune=confirm', prune: false, force: false },
    { value: 'Prune=true', prune: true, force: false },
    { value: 'Replace=true,Force=true', prune: true, force: true },
    { value: 'ServerSideApply=true,SkipDryRunOnMissingResource=true,Validate=false,Delete=false,PruneLast=true', prune: true, force: false },
  ];
  for (const row of rows) {
    it(`argocd.argoproj.io/sync-options: ${row.value}`, () => {
      assert.deepEqual(objectSyncOptions(job({ 'argocd.argoproj.io/sync-options': row.value })), { prune: row.prune, force: row.force });
    });
  }

  it('keeps Berth\'s strictness for its own annotation only', () => {
    assert.throws(() => objectSyncOptions(job({ 'berth.dev/sync-options': 'Prune=confirm' })), /berth.dev\/sync-options: Prune must be true or false/);
  });

  it('reads IgnoreExtraneous among other compare options', () => {
    assert.equal(ignoresExtraneous({ 'argocd.argoproj.io/compare-options': 'ServerSideDiff=true, IgnoreExtraneous' }), true);
    assert.equal(ignoresExtraneous({ 'argocd.argoproj.io/compare-options': 'ServerSideDiff=true' }), false);
    assert.equal(ignoresExtraneous(undefined), false);
  });
});

describe('the plan of Argo CD and Helm annotated objects', () => {
  it('orders hooks and waves as Argo CD runs them, keeps generateName hooks, and lists what is not applied', () => {
    const objects: KubeObject[] = [
      obj('apps/v1', 'Deployment', 'shop', 'web', { annotations: { 'argocd.argoproj.io/sync-wave': '1' } }),
      obj('v1', 'ConfigMap', 'shop', 'settings', { annotations: { 'argocd.argoproj.io/sync-wave': '-1' } }),
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'smoke-', namespace: 'shop', annotations: { 'argocd.argoproj.io/hook': 'PostSync' } } },
      job({ 'argocd.argoproj.io/hook': 'PreSync' }, 'migrate'),
      job({ 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': '-5' }, 'seed'),
      obj('v1', 'Pod', 'shop', 'web-test', { annotations: { 'helm.sh/hook': 'test' } }),
      obj('v1', 'ConfigMap', 'shop', 'scratch', { annotations: { 'argocd.argoproj.io/hook': 'Skip' } }),
    ];
    const plan = planSync(objects);
    assert.deepEqual(planSteps(plan).map((step) => `${step.phase}:${step.wave}:${formatRef(step.ref)}`), [
      'PreSync:-5:Job/shop/seed', 'PreSync:0:Job/shop/migrate',
      'Sync:-1:ConfigMap/shop/settings', 'Sync:1:Deployment/shop/web',
      'PostSync:0:Job/shop/smoke-',
    ]);
    assert.deepEqual(plan.notApplied.map((entry) => formatRef(entry.ref)), ['ConfigMap/shop/scratch', 'Pod/shop/web-test']);
    assert.match(plan.notApplied[1]?.message ?? '', /^Pod\/shop\/web-test: not applied: helm.sh\/hook: test: a Helm test/);
  });

  it('still refuses a plain object without a name', () => {
    const nameless: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'c-', namespace: 'shop' } };
    assert.throws(() => planSync([nameless]), (error: Error & { problems?: string[] }) => /generateName works for hooks only/.test(error.problems?.join('\n') ?? ''));
  });
});

describe('hooks of any kind and generated names', () => {
  it('counts an Argo CD or Helm hook that is neither Job nor Pod as done once it exists', () => {
    assert.equal(hookOutcome(obj('v1', 'ConfigMap', 'shop', 'c')).kind, 'succeeded');
    assert.equal(hookOutcome(obj('batch/v1', 'Job', 'shop', 'j')).kind, 'running');
  });

  it('makes names as the API server does: the prefix cut to 58 characters and five suffix characters', () => {
    assert.equal(generatedName('smoke-', () => 0), 'smoke-bbbbb');
    const long = generatedName('x'.repeat(70), (n) => n - 1);
    assert.equal(long, `${'x'.repeat(58)}99999`);
  });
});

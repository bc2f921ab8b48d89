import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, test } from 'node:test';
import { loadAll } from 'js-yaml';
import type { KubeObject } from '../../objects.ts';
import { assessHealth } from '../assess.ts';
import { assessWithCelRule, celRuleErrors } from '../cel-rules.ts';
import type { HealthStatus } from '../status.ts';
import { itAssessesFixtures } from '../testdata/fixture-table.ts';
import { builtinCelRules, findCelRule } from './builtin.ts';

function object(apiVersion: string, kind: string, generation: number, status: object | undefined): unknown {
  return { apiVersion, kind, metadata: { name: 'x', generation }, ...(status === undefined ? {} : { status }) };
}

// [what, group, apiVersion, kind, object, expected]
const rows: [string, string, string, string, unknown, string][] = [
  ['Certificate ready', 'cert-manager.io', 'cert-manager.io/v1', 'Certificate', object('cert-manager.io/v1', 'Certificate', 1, { conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired' }] }), 'Healthy'],
  ['Certificate issuing', 'cert-manager.io', 'cert-manager.io/v1', 'Certificate', object('cert-manager.io/v1', 'Certificate', 1, { conditions: [{ type: 'Issuing', status: 'True', reason: 'DoesNotExist' }, { type: 'Ready', status: 'False', reason: 'DoesNotExist' }] }), 'Progressing'],
  ['Certificate failed', 'cert-manager.io', 'cert-manager.io/v1', 'Certificate', object('cert-manager.io/v1', 'Certificate', 1, { conditions: [{ type: 'Ready', status: 'False', reason: 'Failed', message: 'The certificate request has failed to complete' }] }), 'Degraded'],
  ['Certificate no status (unknown yet)', 'cert-manager.io', 'cert-manager.io/v1', 'Certificate', object('cert-manager.io/v1', 'Certificate', 1, undefined), 'Progressing'],
  ['Certificate v1alpha2 ready (older API)', 'cert-manager.io', 'cert-manager.io/v1alpha2', 'Certificate', object('cert-manager.io/v1alpha2', 'Certificate', 2, { conditions: [{ type: 'Ready', status: 'True' }] }), 'Healthy'],
  ['Issuer ready', 'cert-manager.io', 'cert-manager.io/v1', 'Issuer', object('cert-manager.io/v1', 'Issuer', 1, { conditions: [{ type: 'Ready', status: 'True', reason: 'ACMEAccountRegistered' }] }), 'Healthy'],
  ['Issuer not ready', 'cert-manager.io', 'cert-manager.io/v1', 'Issuer', object('cert-manager.io/v1', 'Issuer', 1, { conditions: [{ type: 'Ready', status: 'False', reason: 'ErrRegisterACMEAccount' }] }), 'Degraded'],
  ['Kustomization ready', 'kustomize.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io/v1', 'Kustomization', object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 3, { observedGeneration: 3, conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded' }] }), 'Healthy'],
  ['Kustomization stale generation', 'kustomize.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io/v1beta2', 'Kustomization', object('kustomize.toolkit.fluxcd.io/v1beta2', 'Kustomization', 4, { observedGeneration: 3, conditions: [{ type: 'Ready', status: 'True' }] }), 'Progressing'],
  ['Kustomization progressing', 'kustomize.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io/v1', 'Kustomization', object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 1, { observedGeneration: 1, conditions: [{ type: 'Reconciling', status: 'True' }, { type: 'Ready', status: 'Unknown', reason: 'Progressing' }] }), 'Progressing'],
  ['HelmRelease failed', 'helm.toolkit.fluxcd.io', 'helm.toolkit.fluxcd.io/v2', 'HelmRelease', object('helm.toolkit.fluxcd.io/v2', 'HelmRelease', 1, { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'InstallFailed' }] }), 'Degraded'],
  ['GitRepository stalled', 'source.toolkit.fluxcd.io', 'source.toolkit.fluxcd.io/v1', 'GitRepository', object('source.toolkit.fluxcd.io/v1', 'GitRepository', 1, { observedGeneration: 1, conditions: [{ type: 'Stalled', status: 'True', reason: 'URLInvalid' }] }), 'Degraded'],
  ['ScaledObject ready', 'keda.sh', 'keda.sh/v1alpha1', 'ScaledObject', object('keda.sh/v1alpha1', 'ScaledObject', 1, { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Active', status: 'False' }] }), 'Healthy'],
  ['ExternalSecret failed', 'external-secrets.io', 'external-secrets.io/v1beta1', 'ExternalSecret', object('external-secrets.io/v1beta1', 'ExternalSecret', 1, { conditions: [{ type: 'Ready', status: 'False', reason: 'SecretSyncedError' }] }), 'Degraded'],
];

for (const [what, group, , kind, live, expected] of rows) {
  test(`built-in rule: ${what} → ${expected}`, () => {
    const rule = findCelRule(builtinCelRules, group, kind);
    assert.ok(rule, `no rule for ${kind}.${group}`);
    assert.equal(assessWithCelRule(rule, live).status, expected);
  });
}

test('every built-in rule compiles', () => {
  assert.deepEqual(builtinCelRules.flatMap((rule) => celRuleErrors(rule)), []);
});

test('a later rule for the same kind overrides an earlier one', () => {
  const override = { group: 'cert-manager.io', kind: 'Issuer', source: 'override', current: 'true' };
  assert.equal(findCelRule([...builtinCelRules, override], 'cert-manager.io', 'Issuer'), override);
});

/** [`Kind/name` of a document in testdata/<file>, expected status, expected message substring]. */
type Row = readonly [object: string, status: HealthStatus | 'no opinion', message: string];

const testdata = path.join(import.meta.dirname, 'testdata');

/** One `it` per row over the documents of one multi-document fixture file, and one that every document has a row. */
function itAssessesDocuments(file: string, rows: readonly Row[]): void {
  describe(file, () => {
    const objects = new Map((loadAll(fs.readFileSync(path.join(testdata, file), 'utf8')) as KubeObject[])
      .map((object) => [`${object.kind}/${object.metadata.name ?? ''}`, object]));
    for (const [key, status, message] of rows) {
      it(`${key} is ${status}: "${message}"`, () => {
        const object = objects.get(key);
        assert.ok(object, `${file} has no ${key}`);
        const health = assessHealth(object);
        if (status === 'no opinion') {
          assert.equal(health, undefined);
          return;
        }
        assert.ok(health, `${key}: expected ${status}, got no opinion`);
        assert.equal(health.status, status, `${key}: ${health.message}`);
        assert.ok(health.message.includes(message), `${key}: message "${health.message}" does not contain "${message}"`);
      });
    }
    it('has a row for every document', () => {
      assert.deepEqual([...objects.keys()].filter((key) => !rows.some(([row]) => row === key)), []);
    });
  });
}

// Objects a built-in CEL rule now judges, first assessed by the kstatus rule (generic.test.ts keeps
// those rows against genericHealth). Changed on purpose: a Flux Kustomization with Ready False for
// the current generation and a reason that is not Progressing (HealthCheckFailed) has failed, as
// Flux (fluxcd/pkg/runtime) and Argo CD's Lua script for it say, so it is Degraded, no longer Progressing.
describe('Flux and cert-manager objects under the built-in rules', () => {
  itAssessesFixtures(['kustomization-', 'certificate-'], [
    ['kustomization-ready.yaml', 'Healthy', 'Ready True: Applied revision: main@sha1:3f2c9a7e'],
    ['kustomization-reconciling.yaml', 'Progressing', 'Reconciling True: Detecting drift for revision'],
    ['kustomization-stalled.yaml', 'Degraded', 'Stalled True: kustomization path not found'],
    ['kustomization-generation-not-observed.yaml', 'Progressing', 'waiting for the controller to observe generation 3'],
    ['kustomization-not-ready.yaml', 'Degraded', 'Ready False: health check failed after 5m0s'],
    ['certificate-issuing.yaml', 'Progressing', 'Issuing True: Issuing certificate as Secret does not exist'],
    ['certificate-ready.yaml', 'Healthy', 'Ready True: Certificate is up to date and has not expired'],
    ['certificate-stale-ready.yaml', 'Progressing', 'waiting for the controller to report on generation 2'],
    ['certificate-issuing-captured.yaml', 'Progressing', 'Issuing True: Issuing certificate as Secret does not exist'],
    ['certificate-ready-captured.yaml', 'Healthy', 'Ready True: Certificate is up to date and has not expired'],
    ['certificate-issuance-failed-captured.yaml', 'Degraded', 'Issuing False: The certificate request has failed to complete and will be retried: 429'],
  ]);
});

itAssessesDocuments('rollout.yaml', [
  ['Rollout/healthy', 'Healthy', 'Healthy'],
  ['Rollout/progressing', 'Progressing', 'more replicas need to be updated'],
  ['Rollout/paused-at-step', 'Suspended', 'CanaryPauseStep'],
  ['Rollout/degraded', 'Degraded', 'ProgressDeadlineExceeded'],
  ['Rollout/invalid-spec', 'Degraded', 'InvalidSpec True: The Rollout "web" is invalid'],
  ['Rollout/generation-not-observed', 'Progressing', 'waiting for the controller to observe generation 6'],
  ['Rollout/no-status', 'Progressing', 'Rollout is not yet current'],
  ['Rollout/legacy-healthy', 'Healthy', 'Rollout is current'],
  ['Rollout/legacy-switching', 'Progressing', 'not yet current'],
]);

itAssessesDocuments('keda.yaml', [
  ['ScaledJob/ready', 'Healthy', 'ScaledJob is defined correctly'],
  ['ScaledJob/check-failed', 'Degraded', 'Ready False: error parsing rabbitmq metadata'],
  ['ScaledJob/just-created', 'Progressing', 'Ready Unknown'],
  ['ScaledJob/paused', 'Suspended', ''],
  ['ScaledObject/ready', 'Healthy', 'ScaledObject is defined correctly'],
  ['ScaledObject/no-status', 'Progressing', 'not yet current'],
]);

itAssessesDocuments('crossplane.yaml', [
  ['XPostgreSQLInstance/xr-ready', 'Healthy', 'Ready True: Available'],
  ['XPostgreSQLInstance/xr-creating', 'Progressing', 'Ready False: Unready resources: instance'],
  ['XPostgreSQLInstance/xr-reconcile-error', 'Degraded', 'Synced False: cannot compose resources'],
  ['PostgreSQLInstance/claim-ready', 'Healthy', 'Ready True'],
  ['PostgreSQLInstance/claim-waiting', 'Progressing', 'Claim is waiting for composite resource'],
  ['PostgreSQLInstance/claim-stale-synced', 'Progressing', 'waiting for the controller to report on generation 3'],
  ['App/v2-xr-ready', 'Healthy', 'Ready True'],
  ['Bucket/managed-async-failed', 'Degraded', 'LastAsyncOperation False: apply failed: BucketAlreadyExists'],
  ['Widget/not-crossplane', 'Healthy', 'ready: Done'],
]);

itAssessesDocuments('external-secrets.yaml', [
  ['SecretStore/valid', 'Healthy', 'Ready True: store validated'],
  ['SecretStore/invalid-provider', 'Degraded', 'unable to log in to provider'],
  ['SecretStore/no-status', 'Progressing', 'not yet current'],
  ['ClusterSecretStore/valid-v1', 'Healthy', 'store validated'],
  ['ClusterSecretStore/validation-failed-v1alpha1', 'Degraded', 'could not find default credentials'],
]);

itAssessesDocuments('prometheus-operator.yaml', [
  ['Prometheus/available', 'Healthy', 'Available True'],
  ['Prometheus/pods-starting', 'Progressing', 'Available False: shard 0'],
  ['Prometheus/partly-available', 'Progressing', 'Available Degraded: shard 0'],
  ['Prometheus/reconcile-failed', 'Degraded', 'Reconciled False: failed to generate configuration'],
  ['Prometheus/stale', 'Progressing', 'waiting for the controller to report on generation 6'],
  ['Prometheus/paused', 'Suspended', 'suspended'],
  ['Prometheus/legacy-available', 'Healthy', 'current'],
  ['Alertmanager/available', 'Healthy', 'Available True'],
  ['Alertmanager/bad-config', 'Degraded', 'no receiver named "pager"'],
  ['Alertmanager/no-status', 'Progressing', 'not yet current'],
]);

itAssessesDocuments('gateway-api.yaml', [
  ['Gateway/programmed', 'Healthy', 'Programmed True: Resource programmed'],
  ['Gateway/pending', 'Progressing', 'Accepted Unknown: Waiting for controller'],
  ['Gateway/no-address-yet', 'Progressing', 'Programmed False: Assigned to service(s)'],
  ['Gateway/invalid-listener', 'Degraded', 'Programmed False: Bad TLS configuration'],
  ['Gateway/class-not-accepted', 'Degraded', 'Accepted False: parametersRef'],
  ['Gateway/stale-programmed', 'Progressing', 'waiting for the controller to report on generation 4'],
  ['Gateway/v1alpha2-ready', 'Healthy', 'Ready True: ListenersValid'],
  ['HTTPRoute/accepted', 'Healthy', 'parent edge/programmed: Accepted True'],
  ['HTTPRoute/backend-not-found', 'Degraded', 'ResolvedRefs False (BackendNotFound)'],
  ['HTTPRoute/one-parent-refused', 'Degraded', 'parent edge/internal: Accepted False (NotAllowedByListeners)'],
  ['HTTPRoute/second-parent-not-reported', 'Progressing', 'parent edge/programmed'],
  ['HTTPRoute/no-status', 'Progressing', 'no parent has reported on this route yet'],
  ['HTTPRoute/v1beta1-accepted-stale', 'Progressing', 'waiting for its parents to report on generation 3'],
]);

itAssessesDocuments('knative.yaml', [
  ['Service/ready', 'Healthy', 'Ready True'],
  ['Service/deploying', 'Progressing', 'waiting for a Revision to become ready'],
  ['Service/revision-failed', 'Degraded', 'Unable to fetch image'],
  ['Service/generation-not-observed', 'Progressing', 'waiting for the controller to observe generation 5'],
  ['Service/v1beta1-ready', 'Healthy', 'Ready True'],
]);

itAssessesDocuments('strimzi.yaml', [
  ['Kafka/ready', 'Healthy', 'Ready True'],
  ['Kafka/creating', 'Progressing', 'waiting for the controller to observe generation 1'],
  ['Kafka/timeout', 'Degraded', 'NotReady True: Exceeded timeout of 300000ms'],
  ['Kafka/generation-not-observed', 'Progressing', 'observe generation 3'],
  ['Kafka/paused', 'Suspended', 'suspended'],
  ['Kafka/v1beta1-zookeeper-timeout', 'Degraded', 'zookeeper'],
]);

itAssessesDocuments('cloudnativepg.yaml', [
  ['Cluster/healthy', 'Healthy', 'Cluster in healthy state'],
  ['Cluster/setting-up', 'Progressing', 'Setting up primary: Creating primary instance'],
  ['Cluster/failing-over', 'Progressing', 'Failing over'],
  ['Cluster/unrecoverable', 'Degraded', 'needs manual intervention: Missing PVCs'],
  ['Cluster/hibernated', 'Suspended', ''],
  ['Cluster/no-status', 'Progressing', 'not yet current'],
  ['Cluster/phase-without-conditions', 'Healthy', 'Cluster in healthy state'],
]);

itAssessesDocuments('velero.yaml', [
  ['Backup/completed', 'Healthy', 'Completed'],
  ['Backup/in-progress', 'Progressing', 'InProgress'],
  ['Backup/partially-failed', 'Degraded', 'PartiallyFailed'],
  ['Backup/failed-validation', 'Degraded', 'FailedValidation: a BackupStorageLocation'],
  ['Backup/new', 'Progressing', 'waiting for Velero to process it'],
  ['Restore/completed', 'Healthy', 'Completed'],
  ['Restore/failed', 'Degraded', 'Failed: error getting backup'],
  ['Restore/in-progress', 'Progressing', 'InProgress'],
]);

itAssessesDocuments('sealed-secrets.yaml', [
  ['SealedSecret/unsealed', 'Healthy', 'Synced True'],
  ['SealedSecret/no-key', 'Degraded', 'no key could decrypt secret'],
  ['SealedSecret/generation-not-observed', 'Progressing', 'observe generation 2'],
  ['SealedSecret/not-yet-unsealed', 'Progressing', 'waiting for the controller to unseal it'],
]);

itAssessesDocuments('berth-application.yaml', [
  ['Application/healthy', 'Healthy', 'Healthy: all 4 assessed objects are Healthy'],
  ['Application/rolling-out', 'Progressing', '1 of 3 updated replicas are available'],
  ['Application/rolled-back', 'Degraded', 'Stalled True: rolled back'],
  ['Application/spec-not-observed', 'Progressing', 'observe generation 3'],
  ['Application/new', 'Progressing', 'not yet current'],
]);

/**
 * A ruled custom kind gates the rollout and triggers a rollback (issue 18): the
 * cert-manager Certificate CRD is installed from a fixture, an Application
 * deploys a Certificate, and the test plays cert-manager, writing its status
 * through the status subresource. The release stays Progressing until Ready is
 * True for the Certificate's generation; a later commit whose Certificate
 * reports issuance Failed is rolled back like a broken Deployment.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import type { KubeObject } from '../../objects.ts';
import type { ReleaseRecord } from '../../sync/index.ts';
import { createRestClient, KubeApiError, type RestClient } from '../../src/kube/rest.ts';
import { testKubeConfig, testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { installCertificateCrd } from '../health/install-certificate-crd.ts';
import { startControllerProcess } from './controller-process.ts';
import { readRelease } from './replica-fixtures.ts';

function certificateYaml(namespace: string, dnsNames: string[]): string {
  return dump({
    apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web-tls', namespace },
    spec: { secretName: 'web-tls', dnsNames, issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt' } },
  });
}

async function readCertificate(rest: RestClient, namespace: string): Promise<KubeObject | undefined> {
  try {
    return (await rest.request('GET', `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/web-tls`)).body as KubeObject;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** What cert-manager writes, through the status subresource, for the Certificate's current generation. */
async function writeCertificateStatus(rest: RestClient, namespace: string, conditions: { type: string; status: string; reason: string; message: string }[]): Promise<number> {
  const live = await readCertificate(rest, namespace);
  const generation = live?.metadata.generation ?? 1;
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await rest.request('PATCH', `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/web-tls/status`, {
    contentType: 'application/merge-patch+json',
    body: { status: { conditions: conditions.map((c) => ({ ...c, observedGeneration: generation, lastTransitionTime: at })) } },
  });
  return generation;
}

describe('a Certificate gates the rollout', () => {
  it('is Healthy only once Ready, and a commit whose Certificate fails is rolled back', { timeout: 300_000 }, async (t) => {
    const namespace = await testNamespace(t, 'cert-gate');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    await installCertificateCrd(rest);
    const root = await tempDir('berth-cert-gate-git-');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });

    const good = await commitFiles(repository, {
      'apps/web/certificate.yaml': certificateYaml(namespace, ['web.example.com']),
      'apps/web/config.yaml': dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-settings', namespace }, data: { greeting: 'hello' } }),
    }, 'a Certificate');
    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
      spec: {
        source: { repoURL: server.url('deploy'), targetRevision: 'main', path: 'apps/web' },
        destination: { namespace },
        syncPolicy: { automated: { prune: true }, pollInterval: '5s', rollback: { enabled: true, healthTimeout: '4m' } },
      },
    }));
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    // Applied, no status yet: the rollout waits, and keeps waiting over a recheck.
    const waiting = await controller.explain(eventually('the Certificate to be applied and waited on', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Progressing' && record.state.revision === good && record.rollout && await readCertificate(rest, namespace) ? record : undefined;
    }, { timeoutMs: 90_000 }));
    await writeCertificateStatus(rest, namespace, [
      { type: 'Issuing', status: 'True', reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist' },
      { type: 'Ready', status: 'False', reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist' },
    ]);
    const firstCheck = waiting.rollout?.nextCheckAt ?? 0;
    const rechecked = await controller.explain(eventually('a recheck that still waits for the Certificate', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.rollout && record.rollout.nextCheckAt > firstCheck ? record : undefined;
    }, { timeoutMs: 60_000 }));
    assert.equal(rechecked.state.status, 'Progressing', 'a Certificate that is still issuing holds the release back');

    await writeCertificateStatus(rest, namespace, [
      { type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired' },
    ]);
    const healthy = await controller.explain(eventually('the release to be Healthy once the Certificate is Ready', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Healthy' && record.state.lastHealthyRevision === good ? record : undefined;
    }, { timeoutMs: 60_000 }));
    assert.equal(healthy.state.reason, 'RolloutSucceeded');

    // A commit whose Certificate cannot be issued: Failed for its generation is Degraded, and rolled back.
    const broken = await commitFiles(repository, { 'apps/web/certificate.yaml': certificateYaml(namespace, ['web.example.com', 'bad..example.com']) }, 'an unissuable name');
    const brokenGeneration = await controller.explain(eventually('the broken Certificate to be applied', async () => {
      const certificate = await readCertificate(rest, namespace);
      const record = await readRelease(rest, namespace, 'web');
      const applied = (certificate?.spec as { dnsNames?: string[] } | undefined)?.dnsNames?.length === 2;
      return applied && record?.state.revision === broken ? certificate?.metadata.generation : undefined;
    }, { timeoutMs: 90_000 }));
    const failedFor = await writeCertificateStatus(rest, namespace, [
      { type: 'Issuing', status: 'False', reason: 'Failed', message: 'The certificate request has failed to complete and will be retried: invalid DNS name bad..example.com' },
      { type: 'Ready', status: 'False', reason: 'Failed', message: 'The certificate request has failed to complete and will be retried' },
    ]);
    assert.equal(failedFor, brokenGeneration);

    // The rollback re-applies the good Certificate (a new generation): cert-manager, played here, says Ready for it.
    await controller.explain(eventually('the good Certificate to be re-applied by the rollback', async () => {
      const certificate = await readCertificate(rest, namespace);
      return (certificate?.spec as { dnsNames?: string[] } | undefined)?.dnsNames?.length === 1 && (certificate?.metadata.generation ?? 0) > brokenGeneration ? true : undefined;
    }, { timeoutMs: 90_000 }));
    await writeCertificateStatus(rest, namespace, [
      { type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired' },
    ]);
    const rolledBack: ReleaseRecord = await controller.explain(eventually('the broken commit to be rolled back', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Healthy' && record.state.failedRevision === broken ? record : undefined;
    }, { timeoutMs: 90_000 }));
    assert.equal(rolledBack.state.reason, 'RolledBack');
    assert.equal(rolledBack.state.lastHealthyRevision, good);
    const failure = rolledBack.history.find((entry) => entry.revision === broken && entry.phase === 'Failed');
    assert.ok(failure, rolledBack.history.map((entry) => `${entry.revision.slice(0, 7)}:${entry.phase}:${entry.message}`).join('\n'));
    assert.match(failure.message, /Certificate\/.*web-tls.*(Issuing False|failed to complete)/);
    assert.ok(rolledBack.history.some((entry) => entry.initiator === 'rollback' && entry.revision === good));
  });
});

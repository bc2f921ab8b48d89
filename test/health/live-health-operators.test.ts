/**
 * The built-in CEL rules on objects as the real API server stores them (issue 18):
 * the cert-manager Certificate CRD is installed from test/health/fixtures, a
 * Certificate is applied, and the test writes the status cert-manager writes
 * (issuing, ready, issuance failed) through the status subresource, then asserts
 * assessHealth on the object read back raw. With BERTH_CAPTURE_HEALTH_FIXTURES=1
 * each state is captured to health/testdata/certificate-<state>-captured.yaml.
 */
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../objects.ts';
import { testNamespace } from '../harness/env.ts';
import { installCertificateCrd } from './install-certificate-crd.ts';
import { apply, conditionOf, connect, expectLiveHealth, type Live } from './live.ts';

let live: Live;
before(async () => { live = await connect(); await installCertificateCrd(live.rest); });
after(() => { live.rest.close(); });

async function writeStatus(namespace: string, name: string, conditions: object[]): Promise<void> {
  await live.rest.request('PATCH', `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/${name}/status`, {
    contentType: 'application/merge-patch+json', body: { status: { conditions } },
  });
}

const at = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('a live cert-manager Certificate under the built-in rule', () => {
  it('is Progressing while issuing, Healthy when Ready, Degraded when issuance failed', { timeout: 120_000 }, async (t) => {
    const namespace = await testNamespace(t, 'live-cert');
    const certificate: KubeObject = {
      apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'shop-tls', namespace },
      spec: { secretName: 'shop-tls', dnsNames: ['shop.example.com'], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt' } },
    };
    await apply(live, certificate);

    await writeStatus(namespace, 'shop-tls', [
      { type: 'Ready', status: 'False', reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist', observedGeneration: 1, lastTransitionTime: at() },
      { type: 'Issuing', status: 'True', reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist', observedGeneration: 1, lastTransitionTime: at() },
    ]);
    await expectLiveHealth(live, certificate, {
      until: (o) => conditionOf(o, 'Issuing')?.status === 'True', what: 'issuing',
      status: 'Progressing', message: 'Issuing True: Issuing certificate as Secret does not exist', capture: 'issuing',
    });

    await writeStatus(namespace, 'shop-tls', [
      { type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired', observedGeneration: 1, lastTransitionTime: at() },
    ]);
    await expectLiveHealth(live, certificate, {
      until: (o) => conditionOf(o, 'Ready')?.status === 'True' && conditionOf(o, 'Issuing') === undefined, what: 'Ready',
      status: 'Healthy', message: 'Ready True: Certificate is up to date', capture: 'ready',
    });

    await writeStatus(namespace, 'shop-tls', [
      { type: 'Ready', status: 'False', reason: 'Failed', message: 'The certificate request has failed to complete and will be retried', observedGeneration: 1, lastTransitionTime: at() },
      { type: 'Issuing', status: 'False', reason: 'Failed', message: 'The certificate request has failed to complete and will be retried: 429 urn:ietf:params:acme:error:rateLimited', observedGeneration: 1, lastTransitionTime: at() },
    ]);
    await expectLiveHealth(live, certificate, {
      until: (o) => conditionOf(o, 'Issuing')?.reason === 'Failed', what: 'issuance failed',
      status: 'Degraded', message: 'Issuing False: The certificate request has failed', capture: 'issuance-failed',
    });
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadKubeConfig } from './kubeconfig.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'berth-kubeconfig-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

const b64 = (text: string): string => Buffer.from(text).toString('base64');

function kubeconfig(name: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'main',
    clusters: [
      { name: 'other', cluster: { server: 'https://other.example:6443' } },
      { name: 'local', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64('CA PEM'), ...cluster } },
    ],
    users: [{ name: 'me', user }],
    contexts: [{ name: 'elsewhere', context: { cluster: 'other', user: 'me' } }, { name: 'main', context: { cluster: 'local', user: 'me' } }],
  }));
  return file;
}

async function optionsOf(file: string, context?: string): Promise<https.RequestOptions & { headers: Record<string, string> }> {
  const options: https.RequestOptions = { headers: {} };
  await loadKubeConfig({ kubeconfig: file, ...(context ? { context } : {}) }).applyToHTTPSOptions(options);
  return options as https.RequestOptions & { headers: Record<string, string> };
}

describe('loading a kubeconfig', () => {
  it('reads the current context: server, CA, client certificate and key', async () => {
    const file = kubeconfig('certs', { 'client-certificate-data': b64('CERT PEM'), 'client-key-data': b64('KEY PEM') });
    assert.equal(loadKubeConfig({ kubeconfig: file }).getCurrentCluster()?.server, 'https://127.0.0.1:6443');
    const options = await optionsOf(file);
    assert.deepEqual([options.ca, options.cert, options.key], [Buffer.from('CA PEM'), Buffer.from('CERT PEM'), Buffer.from('KEY PEM')]);
    assert.equal(options.rejectUnauthorized, undefined);
    assert.equal(options.headers.Authorization, undefined);
  });

  it('sends a bearer token, read afresh from its file each time', async () => {
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'first\n');
    const file = kubeconfig('token-file', { tokenFile: 'token' }, { 'insecure-skip-tls-verify': true });
    assert.equal((await optionsOf(file)).headers.Authorization, 'Bearer first');
    writeFileSync(tokenFile, 'rotated\n');
    const options = await optionsOf(file);
    assert.equal(options.headers.Authorization, 'Bearer rotated');
    assert.equal(options.rejectUnauthorized, false);
  });

  it('follows a context chosen by name', () => {
    const file = kubeconfig('contexts', { token: 'abc' });
    assert.equal(loadKubeConfig({ kubeconfig: file, context: 'elsewhere' }).getCurrentCluster()?.server, 'https://other.example:6443');
    assert.throws(() => loadKubeConfig({ kubeconfig: file, context: 'missing' }), /contexts: no current cluster \(context missing\)/);
  });

  it('leaves an exec plugin to client-node, which runs it', async () => {
    const file = kubeconfig('exec', {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', 'echo \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin"}}\''] },
    });
    const options = await optionsOf(file);
    assert.equal(options.headers.Authorization, 'Bearer from-plugin');
    assert.equal(loadKubeConfig({ kubeconfig: file }).getCurrentCluster()?.server, 'https://127.0.0.1:6443');
  });
});

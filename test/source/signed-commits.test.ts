/**
 * source.verify through a real controller process, a real Git server and the
 * control plane (issue 16). Commits are signed by git itself (gpg.format=ssh,
 * ssh-keygen on a key made here) or with OpenPGP (openpgp, the object written
 * with git hash-object). A signed commit deploys; an unsigned one on top, or
 * one signed by a key the Secret does not list, is not deployed (nothing
 * applied, nothing pruned) and the Application's Ready condition names the
 * commit and why. A signed annotated tag (mode TagAndHEAD) deploys too. A tenant cannot point verify at another namespace's Secret.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import * as openpgp from 'openpgp';
import type { RestClient } from '../../src/kube/rest.ts';
import { eventually } from '../harness/eventually.ts';
import { testNamespace } from '../harness/env.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { git, tempDir, type TestRepository } from '../harness/git-repositories.ts';
import { startControllerProcess, type ControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, readConfigMapValue } from '../controller/replica-fixtures.ts';
import { application, writeApplications } from '../security/tenant-fixtures.ts';

const run = promisify(execFile);
const adminToken = 'signed-commits-admin-token';

async function sshKey(dir: string, name: string): Promise<{ file: string; pub: string }> {
  const file = path.join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  return { file, pub: (await fs.readFile(`${file}.pub`, 'utf8')).trim() };
}

type Signing = { ssh: string } | { openpgp: openpgp.PrivateKey } | 'unsigned';

/** Writes (null: deletes) files, commits them signed as asked, pushes main; returns the commit id. */
async function commit(repository: TestRepository, files: Record<string, string | null>, message: string, signing: Signing): Promise<string> {
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(repository.work, file);
    if (content === null) await fs.rm(target, { force: true });
    else {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, content);
    }
  }
  await git(repository.work, 'add', '-A');
  const sshSigning = typeof signing === 'object' && 'ssh' in signing ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${signing.ssh}`] : [];
  await git(repository.work, ...sshSigning, 'commit', '-q', '--allow-empty', ...(sshSigning.length ? ['-S'] : []), '-m', message);
  if (typeof signing === 'object' && 'openpgp' in signing) {
    // What git commit -S does with gpg: a detached signature of the object, as its gpgsig header.
    const raw = await git(repository.work, 'cat-file', 'commit', 'HEAD');
    const armored = String(await openpgp.sign({
      message: await openpgp.createMessage({ binary: new Uint8Array(Buffer.from(`${raw}\n`)) }), signingKeys: signing.openpgp, detached: true, format: 'armored',
    }));
    const [headers, ...body] = `${raw}\n`.split('\n\n');
    const signed = `${headers ?? ''}\ngpgsig ${armored.trimEnd().split('\n').join('\n ')}\n\n${body.join('\n\n')}`;
    const object = path.join(repository.work, '..', 'signed-object');
    await fs.writeFile(object, signed);
    const oid = await git(repository.work, 'hash-object', '-t', 'commit', '-w', object);
    await git(repository.work, 'update-ref', 'HEAD', oid);
  }
  await git(repository.work, 'push', '-q', '--force', 'origin', 'HEAD:refs/heads/main');
  return git(repository.work, 'rev-parse', 'HEAD');
}

async function createSecret(rest: RestClient, namespace: string, name: string, data: Record<string, string>): Promise<void> {
  await rest.request('POST', `/api/v1/namespaces/${namespace}/secrets`, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data } });
}

interface Detail { status?: { conditions?: { type: string; status: string; message?: string }[] } }

async function detail(controller: ControllerProcess, namespace: string, name: string): Promise<Detail | undefined> {
  const response = await fetch(`${await controller.baseUrl()}/api/v1/namespaces/${namespace}/applications/${name}`, { headers: { authorization: `Bearer ${adminToken}` } });
  return response.ok ? await response.json() as Detail : undefined;
}

/** Waits for the Application's Ready condition to say `pattern`. */
function readyMessage(controller: ControllerProcess, namespace: string, name: string, pattern: RegExp): Promise<string> {
  return controller.explain(eventually(`${name}'s Ready condition to match ${String(pattern)}`, async () => {
    const message = (await detail(controller, namespace, name))?.status?.conditions?.find((condition) => condition.type === 'Ready')?.message;
    return message !== undefined && pattern.test(message) ? message : undefined;
  }, { timeoutMs: 60_000 }));
}

describe('signed commits (source.verify)', () => {
  it('deploys a signed commit, refuses an unsigned or untrusted one on top with nothing applied or pruned, and deploys the next trusted one', { timeout: 300_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'signed');
    const keys = await tempDir('signed-keys', root);
    const [dev, stranger] = await Promise.all([sshKey(keys, 'dev'), sshKey(keys, 'stranger')]);
    const pgp = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Release', email: 'release@example.com' }], format: 'object' });
    await createSecret(rest, namespace, 'commit-keys', { allowed_signers: `dev@example.com ${dev.pub}\n`, 'release.asc': pgp.publicKey.armor() });

    const first = await commit(repository, {
      'app/web.yaml': configMapYaml(namespace, 'web', 'v1'), 'app/extra.yaml': configMapYaml(namespace, 'extra', 'kept'),
      'tagged/cm.yaml': configMapYaml(namespace, 'tagged', 'release-1'),
    }, 'first, signed', { ssh: `${dev.file}.pub` });
    // A signed annotated tag of that commit, fetched and checked as Berth fetches tags.
    await git(repository.work, '-c', 'gpg.format=ssh', '-c', `user.signingkey=${dev.file}.pub`, 'tag', '-s', 'v1.0.0', '-m', 'release 1');
    await git(repository.work, 'push', '-q', 'origin', 'refs/tags/v1.0.0');
    const appsFile = writeApplications(root, [
      application('web', namespace, { repoURL: server.url('deploy'), path: 'app', verify: { secretRef: { name: 'commit-keys' } } }),
      application('tagged', namespace, { repoURL: server.url('deploy'), path: 'tagged', targetRevision: 'v1.0.0', verify: { mode: 'TagAndHEAD', secretRef: { name: 'commit-keys' } } }),
    ]);
    const controller = startControllerProcess({ appsFile, env: { BERTH_API_ADMIN_TOKENS: adminToken } });
    t.after(async () => { await controller.stop(); });
    await controller.explain(eventually('the signed commit to deploy', async () => (await readConfigMapValue(rest, namespace, 'web')) === 'v1' || undefined, { timeoutMs: 90_000 }));
    await controller.explain(eventually('the signed tag to deploy', async () => (await readConfigMapValue(rest, namespace, 'tagged')) === 'release-1' || undefined, { timeoutMs: 90_000 }));

    // Unsigned, on top: it changes web and removes extra, and neither happens.
    const unsigned = await commit(repository, { 'app/web.yaml': configMapYaml(namespace, 'web', 'v2-unsigned'), 'app/extra.yaml': null }, 'unsigned', 'unsigned');
    const refusal = await readyMessage(controller, namespace, 'web', new RegExp(`commit ${unsigned} is not signed`));
    assert.match(refusal, /nothing is applied or pruned/);
    assert.equal(await readConfigMapValue(rest, namespace, 'web'), 'v1');
    assert.equal(await readConfigMapValue(rest, namespace, 'extra'), 'kept', 'the refused commit pruned nothing');

    const untrusted = await commit(repository, { 'app/web.yaml': configMapYaml(namespace, 'web', 'v3-stranger') }, 'signed by a stranger', { ssh: `${stranger.file}.pub` });
    const fingerprint = (await run('ssh-keygen', ['-l', '-f', `${stranger.file}.pub`])).stdout.split(' ')[1] ?? '';
    await readyMessage(controller, namespace, 'web', new RegExp(`commit ${untrusted} is signed by unknown SSH key ${fingerprint.replace(/[+/]/g, '\\$&')}`));
    assert.equal(await readConfigMapValue(rest, namespace, 'web'), 'v1');

    // A commit signed with the listed OpenPGP key deploys, with everything the refused ones carried.
    const released = await commit(repository, { 'app/web.yaml': configMapYaml(namespace, 'web', 'v4-release') }, 'release, OpenPGP', { openpgp: pgp.privateKey });
    await controller.explain(eventually('the OpenPGP-signed commit to deploy', async () => (await readConfigMapValue(rest, namespace, 'web')) === 'v4-release' || undefined, { timeoutMs: 90_000 }));
    await controller.explain(eventually('extra to be pruned by the trusted commit', async () => (await readConfigMapValue(rest, namespace, 'extra')) === undefined || undefined, { timeoutMs: 60_000 }));
    await readyMessage(controller, namespace, 'web', new RegExp(`revision ${released} is Healthy and Synced`));
    assert.notEqual(first, released);
  });

  it('reads the keys from the Application\'s own namespace only: another namespace\'s Secret is never used', { timeout: 240_000 }, async (t) => {
    const { namespace: owner, rest, root, repository, server } = await integrationSetUp(t, 'verify-owner');
    const tenant = await testNamespace(t, 'verify-tenant');
    const keys = await tempDir('verify-keys', root);
    const dev = await sshKey(keys, 'dev');
    // Only the owner's namespace has the Secret; the tenant's repository is signed by the owner's key.
    await createSecret(rest, owner, 'commit-keys', { allowed_signers: `dev@example.com ${dev.pub}\n` });
    await commit(repository, { 'app/web.yaml': configMapYaml(tenant, 'stolen', 'deployed') }, 'signed', { ssh: `${dev.file}.pub` });
    const appsFile = writeApplications(root, [
      application('same-name', tenant, { repoURL: server.url('deploy'), path: 'app', verify: { secretRef: { name: 'commit-keys' } } }),
      application('other-namespace', tenant, { repoURL: server.url('deploy'), path: 'app', verify: { secretRef: { name: `${owner}/commit-keys` } } }),
    ]);
    const controller = startControllerProcess({ appsFile, env: { BERTH_API_ADMIN_TOKENS: adminToken } });
    t.after(async () => { await controller.stop(); });

    await readyMessage(controller, tenant, 'same-name', new RegExp(`Secret ${tenant}/commit-keys \\(source\\.verify\\) not found`));
    // A name with a namespace in it is not a Secret name: the Application is refused as invalid, naming the field.
    const refused = await controller.explain(eventually('the cross-namespace reference to be refused', () => Promise.resolve(controller.logLines()
      .map((line) => JSON.stringify(line))
      .find((text) => text.includes('spec.source.verify.secretRef.name') && text.includes("must be the name of a Secret in the Application's namespace"))), { timeoutMs: 60_000 }));
    assert.match(refused, /other-namespace/);
    assert.equal(await readConfigMapValue(rest, tenant, 'stolen'), undefined, 'nothing was deployed with another namespace\'s keys');
  });
});

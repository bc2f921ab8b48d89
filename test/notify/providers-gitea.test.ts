/**
 * Commit status against a real Git host: Gitea (test/harness/gitea.ts, built
 * from Go modules), through the real HttpPost with a scoped API token. A good
 * commit goes pending -> success; a bad one pending -> failure when it is rolled
 * back, and the rollback target's status stays success. Gitea's own answers
 * (404 for a repository it does not have, 401 for a wrong token) come back as
 * dropped outcomes that name neither the token nor the address's secrets.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createNotificationHttp } from '../../src/notify/http.ts';
import type { NotificationEvent, NotificationEventType, ProviderConfig } from '../../src/notify/providers/provider.ts';
import { sendNotification } from '../../src/notify/providers/provider.ts';
import { sampleEvent } from '../../src/notify/providers/testdata/fake-host.ts';
import { tempDir } from '../harness/git-repositories.ts';
import { startGitea, type Gitea, type GiteaRepository } from '../harness/gitea.ts';

interface GiteaStatus {
  status?: string;
  state?: string;
  context: string;
  description: string;
  target_url: string;
}

let gitea: Gitea;
let root: string;
let repository: GiteaRepository;
let good: string;
let bad: string;
let token: string;

before(async () => {
  // A cold cache builds Gitea first (printed by the harness); warm, it starts in seconds.
  gitea = await startGitea();
  root = await tempDir('notify-gitea');
  repository = await gitea.createRepository('deploy');
  good = await gitea.push(repository, `${root}/work`, { 'app/config.yaml': 'replicas: 2\n' }, 'web: 1.4.1');
  bad = await gitea.push(repository, `${root}/work`, { 'app/config.yaml': 'replicas: 2\nimage: web:1.4.2\n' }, 'web: bump image to 1.4.2');
  const created = await gitea.api<{ sha1: string }>('POST', `/users/${gitea.username}/tokens`, { name: 'berth-notifications', scopes: ['write:repository'] });
  token = created.sha1;
}, { timeout: 80 * 60_000 });
after(async () => {
  await gitea.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

const post = createNotificationHttp({ allowPrivate: true });

function provider(kind: 'gitea' | 'forgejo' = 'gitea', overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return { kind, name: 'shop/gitea', address: gitea.url, token, options: { allowHttp: true }, ...overrides };
}

function event(type: NotificationEventType, revision: string, overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return sampleEvent({
    type,
    revision,
    application: { ...sampleEvent().application, repoURL: repository.httpUrl },
    commit: { subject: 's', author: 'a', url: `${gitea.url}/${repository.owner}/${repository.name}/commit/${revision}` },
    ...overrides,
  });
}

async function statusesOf(sha: string): Promise<GiteaStatus[]> {
  return gitea.api<GiteaStatus[]>('GET', `/repos/${repository.owner}/${repository.name}/commits/${sha}/statuses?sort=oldest`);
}

async function combinedOf(sha: string): Promise<{ state: string; statuses: GiteaStatus[] }> {
  return gitea.api('GET', `/repos/${repository.owner}/${repository.name}/commits/${sha}/status`);
}

const stateOf = (status: GiteaStatus | undefined): string | undefined => status?.status ?? status?.state;

describe('commit status on a real Gitea', () => {
  it('a good commit: pending while syncing and rolling out, success when Healthy', async () => {
    for (const type of ['SyncStarted', 'Synced'] as const) {
      const outcome = await sendNotification(provider(), event(type, good, { severity: 'info' }), post);
      assert.equal(outcome.result, 'delivered', JSON.stringify(outcome));
      assert.equal(stateOf((await combinedOf(good)).statuses[0]), 'pending');
    }
    const healthy = await sendNotification(provider(), event('Healthy', good, { severity: 'info' }), post);
    assert.equal(healthy.result, 'delivered');
    const combined = await combinedOf(good);
    assert.equal(combined.state, 'success');
    assert.equal(combined.statuses.length, 1, 'one context per Application');
    const [status] = combined.statuses;
    assert.ok(status);
    assert.equal(status.context, 'berth/shop/web');
    assert.equal(status.description, 'Healthy');
    assert.equal(status.target_url, 'https://berth.example.com/applications/shop/web');
  });

  it('a bad commit rolled back: failure on it, its description says why; the target keeps success', async () => {
    // The repoURL in its ssh form names the same repository.
    const viaSsh = { application: { ...sampleEvent().application, repoURL: repository.sshUrl } };
    for (const type of ['SyncStarted', 'Synced', 'Degraded'] as const) {
      assert.equal((await sendNotification(provider(), event(type, bad, viaSsh), post)).result, 'delivered');
    }
    const rolledBack = await sendNotification(provider(), event('RolledBack', bad, { previousRevision: good, ...viaSsh }), post);
    assert.equal(rolledBack.result, 'delivered');
    const combined = await combinedOf(bad);
    assert.equal(combined.state, 'failure');
    assert.match(combined.statuses[0]?.description ?? '', new RegExp(`^Rolled back to ${good.slice(0, 7)}: Deployment/shop/web: progress deadline exceeded`));
    const onTarget = await statusesOf(good);
    assert.deepEqual(onTarget.map(stateOf), ['pending', 'pending', 'success'], 'the rollback target was never marked otherwise');
    assert.equal((await combinedOf(good)).state, 'success');
  });

  it('Forgejo speaks the same API: a forgejo provider marks the commit too', async () => {
    const outcome = await sendNotification(provider('forgejo'), event('Healthy', good, { application: { ...sampleEvent().application, name: 'api', repoURL: repository.httpUrl } }), post);
    assert.equal(outcome.result, 'delivered');
    const contexts = (await combinedOf(good)).statuses.map((status) => status.context).sort();
    assert.deepEqual(contexts, ['berth/shop/api', 'berth/shop/web']);
  });

  it('a repository Gitea does not have is dropped with its 404; a wrong token with its 401, never echoing the token', async () => {
    const missing = await sendNotification(provider(), event('Healthy', good, { application: { ...sampleEvent().application, repoURL: `${gitea.url}/${repository.owner}/no-such-repo.git` } }), post);
    assert.equal(missing.result, 'dropped');
    assert.match('reason' in missing ? missing.reason : '', /HTTP 404/);
    const wrongToken = 'not-the-token-0123456789abcdef';
    const refused = await sendNotification(provider('gitea', { token: wrongToken }), event('Healthy', good), post);
    assert.equal(refused.result, 'dropped');
    assert.match('reason' in refused ? refused.reason : '', /HTTP 401/);
    for (const outcome of [missing, refused]) {
      assert.doesNotMatch(JSON.stringify(outcome), new RegExp(`${token}|${wrongToken}`));
    }
  });

  it('a hostile repoURL never reaches Gitea: another host, a path traversal', async () => {
    const before = (await statusesOf(good)).length;
    for (const repoURL of [`http://evil.example/${repository.owner}/${repository.name}`, `${gitea.url}/${repository.owner}/../admin/${repository.name}`, `${gitea.url}/${repository.owner}/${repository.name}%2F..%2F..`]) {
      const outcome = await sendNotification(provider(), event('Healthy', good, { application: { ...sampleEvent().application, repoURL } }), post);
      assert.equal(outcome.result, 'dropped', repoURL);
    }
    assert.equal((await statusesOf(good)).length, before);
  });
});

/**
 * Deliveries as real Git hosts send them, through the HTTP route with Redis
 * (issue 16): each queues the Applications of its repository, in https and ssh
 * forms alike, and a tampered or unauthenticated one queues nothing. The bodies
 * are the fixtures of webhooks/real-deliveries.test.ts (the hosts' documented
 * examples and other projects' fixtures).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { fixture, hmacHex } from '../../webhooks/testdata/deliveries.ts';
import { hostileNamespace, startHostileServer, type HostileApp } from '../hostile/hostile-server.ts';

const apps: HostileApp[] = [
  // GitLab system hooks: the project jsmith/example, followed over ssh.
  { name: 'gitlab-ssh', repoURL: 'ssh://git@example.com/jsmith/example.git', targetRevision: 'master' },
  // Gitea: the fixture's repository, followed through the scp-like form of its ssh URL.
  { name: 'gitea-scp', repoURL: 'gitea@localhost:gitea/webhooks.git', targetRevision: 'develop' },
  { name: 'gogs', repoURL: 'https://try.gogs.io/izak88/d3-bundle', targetRevision: 'master' },
  // Bitbucket Data Center without links: project key and slug.
  { name: 'bitbucket-dc', repoURL: 'https://bitbucket.example.com/scm/proj/repository.git', targetRevision: 'master' },
  { name: 'azure', repoURL: 'git@ssh.dev.azure.com:v3/fabrikam-fiber-inc/Fabrikam-Fiber-Git/Fabrikam-Fiber-Git', targetRevision: 'master' },
  { name: 'bystander', repoURL: 'https://example.com/jsmith/other.git', targetRevision: 'master' },
];

interface Answer { status: number; queued: string[]; detail?: string }

describe('webhook deliveries from real Git hosts, through the route', () => {
  it('queue the Applications of the pushed repository, and nothing for a forged delivery', { timeout: 120_000 }, async (t) => {
    const secret = randomBytes(16).toString('hex');
    const server = await startHostileServer(t, { apps, secret, adminToken: randomBytes(8).toString('hex'), readToken: randomBytes(8).toString('hex') });
    const post = async (provider: string, headers: Record<string, string>, body: Buffer): Promise<Answer> => {
      const response = await fetch(`${server.base}/api/v1/webhooks/${provider}`, { method: 'POST', headers, body });
      const json = await response.json() as { queued?: { app: string }[]; detail?: string };
      return { status: response.status, queued: (json.queued ?? []).map((entry) => entry.app.replace(`${hostileNamespace}/`, '')), ...(json.detail ? { detail: json.detail } : {}) };
    };

    const system = { 'content-type': 'application/json', 'x-gitlab-event': 'System Hook', 'x-gitlab-token': secret };
    assert.deepEqual(await post('gitlab', { ...system, 'idempotency-key': 'ru-1' }, fixture('gitlab-system-repository-update')), { status: 202, queued: ['gitlab-ssh'] });
    assert.deepEqual(await post('gitlab', { ...system, 'x-gitlab-token': 'wrong' }, fixture('gitlab-system-repository-update')).then((a) => a.status), 401);

    const json = fixture('gitea-push');
    const form = Buffer.from(new URLSearchParams({ payload: json.toString('utf8') }).toString());
    const giteaForm = { 'content-type': 'application/x-www-form-urlencoded', 'x-gitea-event': 'push', 'x-gitea-delivery': 'form-1' };
    assert.deepEqual(await post('gitea', { ...giteaForm, 'x-gitea-signature': hmacHex(json, secret) }, form), { status: 202, queued: ['gitea-scp'] });
    const tampered = Buffer.from(form.toString().replace('develop', 'master'));
    assert.equal((await post('gitea', { ...giteaForm, 'x-gitea-delivery': 'form-2', 'x-gitea-signature': hmacHex(json, secret) }, tampered)).status, 401);

    const gogs = fixture('gogs-push');
    assert.deepEqual(
      await post('gogs', { 'content-type': 'application/json', 'x-gogs-event': 'push', 'x-gogs-delivery': 'g-1', 'x-gogs-signature': hmacHex(gogs, secret) }, gogs),
      { status: 202, queued: ['gogs'] },
    );
    assert.equal((await post('gogs', { 'content-type': 'application/json', 'x-gogs-event': 'push', 'x-gogs-signature': hmacHex(gogs, 'x') }, gogs)).status, 401);

    const dc = fixture('bitbucket-server-refs-changed-no-links');
    assert.deepEqual(
      await post('bitbucket-server', { 'x-event-key': 'repo:refs_changed', 'x-request-id': 'dc-1', 'x-hub-signature': `sha256=${hmacHex(dc, secret)}` }, dc),
      { status: 202, queued: ['bitbucket-dc'] },
    );

    const azure = fixture('azure-devops-git-push');
    const basic = (password: string) => `Basic ${Buffer.from(`berth:${password}`).toString('base64')}`;
    assert.deepEqual(await post('azure-devops', { 'content-type': 'application/json', authorization: basic(secret) }, azure), { status: 202, queued: ['azure'] });
    assert.equal((await post('azure-devops', { 'content-type': 'application/json', authorization: basic('guess') }, azure)).status, 401);

    const cloud = await post('bitbucket-cloud', { 'content-type': 'application/json', 'x-event-key': 'repo:push' }, fixture('bitbucket-cloud-push'));
    assert.equal(cloud.status, 401);
    assert.match(cloud.detail ?? '', /the Bitbucket Cloud webhook has no secret: edit the webhook and set its Secret .* to the value of BERTH_WEBHOOK_SECRET_BITBUCKET_CLOUD or BERTH_WEBHOOK_SECRET/);

    // Only what the accepted deliveries named was queued, once each.
    assert.deepEqual(server.enqueued.map((job) => job.app.replace(`${hostileNamespace}/`, '')).sort(), ['azure', 'bitbucket-dc', 'gitea-scp', 'gitlab-ssh', 'gogs']);
  });
});

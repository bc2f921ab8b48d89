import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NotificationEventType, ProviderConfig } from './event.ts';
import { sendNotification } from './provider.ts';
import { badSha, goodSha, json, recorder, sampleEvent } from './testdata/fake-host.ts';
import { bitbucketOperations, giteaOperations, githubOperations, gitlabOperations } from './testdata/recorded-schemas.ts';
import { judgeRequest, type RecordedOperation } from './testdata/schema-judge.ts';

interface Host {
  readonly config: ProviderConfig;
  readonly repoURL: string;
  readonly apiBase: string;
  readonly operations: readonly RecordedOperation[];
  /** Where the state is in the recorded body. */
  readonly stateField: string;
  readonly expectedPath: string;
}

const token = 'tok-3f9a-secret-value';
const hosts: Record<string, Host> = {
  github: {
    config: { kind: 'github', name: 'shop/github', token },
    repoURL: 'https://github.com/acme/deploy.git',
    apiBase: 'https://api.github.com',
    operations: githubOperations,
    stateField: 'state',
    expectedPath: `/repos/acme/deploy/statuses/${badSha}`,
  },
  gitlab: {
    config: { kind: 'gitlab', name: 'shop/gitlab', token, address: 'https://gitlab.example.com' },
    repoURL: 'git@gitlab.example.com:platform/apps/deploy.git',
    apiBase: 'https://gitlab.example.com/api/v4',
    operations: gitlabOperations,
    stateField: 'state',
    expectedPath: `/projects/platform%2Fapps%2Fdeploy/statuses/${badSha}`,
  },
  gitea: {
    config: { kind: 'gitea', name: 'shop/gitea', token, address: 'https://gitea.example.com' },
    repoURL: 'ssh://git@gitea.example.com:2222/acme/deploy.git',
    apiBase: 'https://gitea.example.com/api/v1',
    operations: giteaOperations,
    stateField: 'state',
    expectedPath: `/repos/acme/deploy/statuses/${badSha}`,
  },
  forgejo: {
    config: { kind: 'forgejo', name: 'shop/forgejo', token, address: 'https://codeberg.org' },
    repoURL: 'https://codeberg.org/acme/deploy',
    apiBase: 'https://codeberg.org/api/v1',
    operations: giteaOperations,
    stateField: 'state',
    expectedPath: `/repos/acme/deploy/statuses/${badSha}`,
  },
  bitbucket: {
    config: { kind: 'bitbucket', name: 'shop/bitbucket', token, options: { tokenUsername: 'ci-bot' } },
    repoURL: 'git@bitbucket.org:acme/deploy.git',
    apiBase: 'https://api.bitbucket.org/2.0',
    operations: bitbucketOperations,
    stateField: 'state',
    expectedPath: `/repositories/acme/deploy/commit/${badSha}/statuses/build`,
  },
};

/** [event, GitHub, GitLab, Gitea/Forgejo, Bitbucket]; undefined: no request at all. */
const stateTable: [NotificationEventType, string | undefined, string | undefined, string | undefined, string | undefined][] = [
  ['SyncStarted', 'pending', 'pending', 'pending', 'INPROGRESS'],
  ['Synced', 'pending', 'running', 'pending', 'INPROGRESS'],
  ['Healthy', 'success', 'success', 'success', 'SUCCESSFUL'],
  ['SyncFailed', 'failure', 'failed', 'failure', 'FAILED'],
  ['Degraded', 'failure', 'failed', 'failure', 'FAILED'],
  ['RolledBack', 'failure', 'failed', 'failure', 'FAILED'],
  ['RollbackFailed', 'failure', 'failed', 'failure', 'FAILED'],
  ['HeldBack', 'failure', 'failed', 'failure', 'FAILED'],
  ['DriftDetected', undefined, undefined, undefined, undefined],
  ['DriftHealed', undefined, undefined, undefined, undefined],
  ['Stalled', undefined, undefined, undefined, undefined],
];

const column = { github: 1, gitlab: 2, gitea: 3, forgejo: 3, bitbucket: 4 } as const;

describe('commit status', () => {
  for (const [hostName, host] of Object.entries(hosts)) {
    describe(hostName, () => {
      for (const row of stateTable) {
        const [type] = row;
        const expected = row[column[hostName as keyof typeof column]];
        it(expected === undefined ? `sends nothing for ${type}` : `marks the event's revision ${expected} for ${type}, as the documented API takes it`, async () => {
          const { http, requests } = recorder(json(201, { id: 1 }));
          const event = sampleEvent({ type, application: { ...sampleEvent().application, repoURL: host.repoURL } });
          const outcome = await sendNotification(host.config, event, http);
          if (expected === undefined) {
            assert.equal(outcome.result, 'skipped');
            assert.equal(requests.length, 0);
            return;
          }
          assert.deepEqual(outcome, { result: 'delivered', status: 201 });
          assert.equal(requests.length, 1);
          const [request] = requests;
          assert.ok(request);
          const judged = judgeRequest(host.operations, host.apiBase, request);
          assert.deepEqual(judged.problems, [], `${judged.operation?.name ?? 'no operation'}: ${judged.problems.join('; ')}`);
          assert.equal(request.url, `${host.apiBase}${host.expectedPath}`);
          const body = JSON.parse(request.body ?? '{}') as Record<string, unknown>;
          assert.equal(body[host.stateField], expected);
          // One status per Application, so two Applications on one commit do not overwrite each other.
          assert.match(JSON.stringify(body), /berth\/shop\/web|berth-[0-9a-f]{24}/);
        });
      }

      it('never touches the rollback target: a RolledBack event posts on the bad commit only', async () => {
        const { http, requests } = recorder(json(201, {}));
        await sendNotification(host.config, sampleEvent({ application: { ...sampleEvent().application, repoURL: host.repoURL } }), http);
        assert.equal(requests.length, 1);
        assert.ok(requests.every((request) => request.url.includes(badSha) && !request.url.includes(goodSha)));
      });
    });
  }

  it('says why and links to the console', async () => {
    const { http, requests } = recorder(json(201, {}));
    await sendNotification(hosts['github']?.config ?? { kind: 'github', name: 'x' }, sampleEvent(), http);
    const body = JSON.parse(requests[0]?.body ?? '{}') as Record<string, string>;
    assert.equal(body['description'], 'Rolled back to aaaaaaa: Deployment/shop/web: progress deadline exceeded (0 of 3 updated replicas available)');
    assert.equal(body['target_url'], 'https://berth.example.com/applications/shop/web');
    assert.equal(body['context'], 'berth/shop/web');
  });

  it('leaves no dangling colon when there is no reason', async () => {
    const { http, requests } = recorder(json(201, {}));
    await sendNotification({ kind: 'github', name: 'shop/github', token }, sampleEvent({ type: 'Degraded', reason: '  ' }), http);
    assert.equal((JSON.parse(requests[0]?.body ?? '{}') as Record<string, string>)['description'], 'Degraded');
  });

  it('links a Bitbucket status to the commit page when no console is configured (Bitbucket requires a url)', async () => {
    const { http, requests } = recorder(json(201, {}));
    const event = sampleEvent({ type: 'Healthy', commit: { subject: 's', author: 'a' }, application: { ...sampleEvent().application, repoURL: 'https://bitbucket.org/acme/deploy' } });
    const { consoleUrl: _consoleUrl, ...withoutConsole } = event;
    await sendNotification(hosts['bitbucket']?.config ?? { kind: 'bitbucket', name: 'x' }, withoutConsole, http);
    const body = JSON.parse(requests[0]?.body ?? '{}') as Record<string, string>;
    assert.equal(body['url'], `https://bitbucket.org/acme/deploy/commits/${badSha}`);
    assert.equal(requests[0]?.headers['authorization'], `Basic ${Buffer.from(`ci-bot:${token}`).toString('base64')}`);
  });

  it('treats GitLab refusing a transition to the state it already has as delivered', async () => {
    const { http } = recorder(json(400, { message: 'Cannot transition status via :run from :running' }));
    const outcome = await sendNotification(hosts['gitlab']?.config ?? { kind: 'gitlab', name: 'x' }, sampleEvent({ type: 'Synced', application: { ...sampleEvent().application, repoURL: 'https://gitlab.example.com/platform/apps/deploy' } }), http);
    assert.equal(outcome.result, 'delivered');
  });

  it('skips a revision that is no Git commit (a chart version)', async () => {
    const { http, requests } = recorder();
    const outcome = await sendNotification({ kind: 'github', name: 'shop/github', token }, sampleEvent({ revision: '1.4.2' }), http);
    assert.equal(outcome.result, 'skipped');
    assert.equal(requests.length, 0);
  });

  it('drops without a token, naming the Secret key', async () => {
    const { http, requests } = recorder();
    const outcome = await sendNotification({ kind: 'github', name: 'shop/github' }, sampleEvent(), http);
    assert.deepEqual(outcome, { result: 'dropped', reason: 'github provider shop/github: no token is configured (Secret key "token")' });
    assert.equal(requests.length, 0);
  });
});

describe('the repository a commit status names (hostile repoURLs)', () => {
  const github: ProviderConfig = { kind: 'github', name: 'shop/github', token };

  /** [repoURL, the API path posted to, or the reason it is dropped] */
  const cases: [string, string][] = [
    ['https://github.com/acme/deploy', `/repos/acme/deploy/statuses/${badSha}`],
    ['https://github.com/acme/deploy.git/', `/repos/acme/deploy/statuses/${badSha}`],
    ['ssh://git@github.com/acme/deploy.git', `/repos/acme/deploy/statuses/${badSha}`],
    ['git@github.com:acme/deploy.git', `/repos/acme/deploy/statuses/${badSha}`],
    ['https://GitHub.com/Acme/Deploy', `/repos/Acme/Deploy/statuses/${badSha}`],
    ['https://github.com/acme/../../orgs/acme/hooks', 'github provider shop/github: repoURL has a "." or ".." path segment'],
    ['https://github.com/acme/%2e%2e', 'github provider shop/github: repoURL has a "." or ".." path segment'],
    ['https://github.com/acme%2F..%2Fx/deploy', 'github provider shop/github: repoURL has a path segment with characters no Git host allows in a name'],
    ['https://github.com/acme/deploy%3Fx=1', 'github provider shop/github: repoURL has a path segment with characters no Git host allows in a name'],
    ['https://github.com/acme/deploy/extra', 'github provider shop/github: the repository path has 3 segments, github needs exactly 2 (owner/repository)'],
    ['https://github.com/acme', 'github provider shop/github: the repository path has 1 segments, github needs exactly 2 (owner/repository)'],
    ['https://evil.example/acme/deploy', 'github provider shop/github: the repository is on evil.example, not on github.com, which this provider posts to'],
    ['https://github.com.evil.example/acme/deploy', 'github provider shop/github: the repository is on github.com.evil.example, not on github.com, which this provider posts to'],
    ['https://api.github.com@evil.example/acme/deploy', 'github provider shop/github: the repository is on evil.example, not on github.com, which this provider posts to'],
    ['file:///etc/passwd', 'github provider shop/github: repoURL is neither an https, ssh nor scp-like (git@host:owner/repo) URL'],
    ['', 'github provider shop/github: the Application has no repoURL'],
  ];
  for (const [repoURL, expected] of cases) {
    it(`${repoURL === '' ? '(empty)' : repoURL} -> ${expected}`, async () => {
      const { http, requests } = recorder(json(201, {}));
      const outcome = await sendNotification(github, sampleEvent({ application: { ...sampleEvent().application, repoURL } }), http);
      if (expected.startsWith('/')) {
        assert.equal(outcome.result, 'delivered');
        assert.equal(requests[0]?.url, `https://api.github.com${expected}`);
      } else {
        assert.deepEqual(outcome, { result: 'dropped', reason: expected });
        assert.equal(requests.length, 0, 'nothing is sent for a refused repoURL');
      }
    });
  }

  it('posts a GitHub Enterprise status to its /api/v3 and refuses github.com repositories there', async () => {
    const ghe: ProviderConfig = { kind: 'github', name: 'shop/ghe', token, address: 'https://ghe.example.com' };
    const ok = recorder(json(201, {}));
    await sendNotification(ghe, sampleEvent({ application: { ...sampleEvent().application, repoURL: 'https://ghe.example.com/acme/deploy' } }), ok.http);
    assert.equal(ok.requests[0]?.url, `https://ghe.example.com/api/v3/repos/acme/deploy/statuses/${badSha}`);
    const refused = recorder(json(201, {}));
    const outcome = await sendNotification(ghe, sampleEvent(), refused.http);
    assert.equal(outcome.result, 'dropped');
    assert.equal(refused.requests.length, 0);
  });

  it('strips a GitLab served under a path prefix from the project path', async () => {
    const { http, requests } = recorder(json(201, {}));
    await sendNotification({ kind: 'gitlab', name: 'shop/gitlab', token, address: 'https://git.example.com/gitlab' },
      sampleEvent({ application: { ...sampleEvent().application, repoURL: 'https://git.example.com/gitlab/team/deploy.git' } }), http);
    assert.equal(requests[0]?.url, `https://git.example.com/gitlab/api/v4/projects/team%2Fdeploy/statuses/${badSha}`);
  });

  it('refuses an http:// API address unless the policy allows it, and any address with credentials', async () => {
    const { http, requests } = recorder(json(201, {}));
    const event = sampleEvent({ application: { ...sampleEvent().application, repoURL: 'http://gitea.local/acme/deploy' } });
    const plain = await sendNotification({ kind: 'gitea', name: 'shop/gitea', token, address: 'http://gitea.local' }, event, http);
    assert.equal(plain.result, 'dropped');
    const withUser = await sendNotification({ kind: 'gitea', name: 'shop/gitea', token, address: 'https://user:pw@gitea.local' }, event, http);
    assert.equal(withUser.result, 'dropped');
    assert.equal(requests.length, 0);
    const allowed = await sendNotification({ kind: 'gitea', name: 'shop/gitea', token, address: 'http://gitea.local', options: { allowHttp: true } }, event, http);
    assert.equal(allowed.result, 'delivered');
  });

  it('refuses Bitbucket Server addresses (only Bitbucket Cloud has this API)', async () => {
    const { http, requests } = recorder();
    const outcome = await sendNotification({ kind: 'bitbucket', name: 'shop/bb', token, address: 'https://bitbucket.example.com' },
      sampleEvent({ application: { ...sampleEvent().application, repoURL: 'https://bitbucket.example.com/acme/deploy' } }), http);
    assert.deepEqual(outcome, { result: 'dropped', reason: 'bitbucket provider shop/bb: only Bitbucket Cloud (https://bitbucket.org) is supported, not bitbucket.example.com' });
    assert.equal(requests.length, 0);
  });
});

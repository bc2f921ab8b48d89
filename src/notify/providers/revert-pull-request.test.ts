import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpPost, HttpRequest, HttpResponse, NotificationEvent, ProviderConfig } from './event.ts';
import { isBranchName, openRevertPullRequest } from './revert-pull-request.ts';
import { badSha, goodSha, json, sampleEvent } from './testdata/fake-host.ts';
import { githubRevertOperations, gitlabRevertOperations } from './testdata/recorded-schemas.ts';
import { judgeRequest, type RecordedOperation } from './testdata/schema-judge.ts';

const token = 'tok-revert-secret';
const parentSha = 'c'.repeat(40);
const parentTree = 'd'.repeat(40);
const revertSha = 'e'.repeat(40);

/** GitHub's and GitLab's answers to the revert flow, with state: refs and pull requests created so far. */
function revertHost(kind: 'github' | 'gitlab', head: string): { http: HttpPost; requests: HttpRequest[]; refs: Set<string>; pulls: string[] } {
  const requests: HttpRequest[] = [];
  const refs = new Set<string>();
  const pulls: string[] = [];
  const http: HttpPost = (request) => {
    requests.push(request);
    const path = new URL(request.url).pathname.replace(/^\/api\/v4/, '');
    const body = JSON.parse(request.body ?? '{}') as Record<string, unknown>;
    let answer: HttpResponse = json(404, { message: 'Not Found' });
    if (kind === 'github') {
      if (/\/branches\/main$/.test(path)) answer = json(200, { name: 'main', commit: { sha: head } });
      else if (path.endsWith(`/git/commits/${badSha}`)) answer = json(200, { sha: badSha, parents: [{ sha: parentSha }], tree: { sha: 'f'.repeat(40) } });
      else if (path.endsWith(`/git/commits/${parentSha}`)) answer = json(200, { sha: parentSha, tree: { sha: parentTree } });
      else if (path.endsWith('/git/commits') && request.method === 'POST') answer = json(201, { sha: revertSha });
      else if (path.endsWith('/git/refs')) {
        const ref = String(body['ref']);
        answer = refs.has(ref) ? json(422, { message: 'Reference already exists' }) : (refs.add(ref), json(201, { ref }));
      } else if (path.endsWith('/pulls')) {
        const head = String(body['head']);
        answer = pulls.includes(head) ? json(422, { message: 'Validation Failed', errors: [{ message: `A pull request already exists for acme:${head}.` }] }) : (pulls.push(head), json(201, { number: 12 }));
      }
    } else {
      if (/\/repository\/branches\/main$/.test(path)) answer = json(200, { name: 'main', commit: { id: head } });
      else if (path.endsWith('/repository/branches')) {
        const ref = String(body['branch']);
        answer = refs.has(ref) ? json(400, { message: 'Branch already exists' }) : (refs.add(ref), json(201, { name: ref }));
      } else if (path.endsWith(`/commits/${badSha}/revert`)) answer = json(201, { id: revertSha });
      else if (path.endsWith('/merge_requests')) {
        const source = String(body['source_branch']);
        answer = pulls.includes(source) ? json(409, { message: [`Another open merge request already exists for this source branch: !3`] }) : (pulls.push(source), json(201, { iid: 3 }));
      }
    }
    return Promise.resolve(answer);
  };
  return { http, requests, refs, pulls };
}

const hosts: [string, ProviderConfig, 'github' | 'gitlab', string, string, readonly RecordedOperation[]][] = [
  ['GitHub', { kind: 'github', name: 'shop/gh', token }, 'github', 'https://github.com/acme/deploy.git', 'https://api.github.com', githubRevertOperations],
  ['GitLab', { kind: 'gitlab', name: 'shop/gl', token, address: 'https://gitlab.example.com' }, 'gitlab', 'git@gitlab.example.com:acme/deploy.git', 'https://gitlab.example.com/api/v4', gitlabRevertOperations],
];

function rolledBack(repoURL: string, overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return sampleEvent({ application: { ...sampleEvent().application, repoURL, targetRevision: 'main' }, ...overrides });
}

describe('a revert pull request after a rollback', () => {
  for (const [name, config, kind, repoURL, apiBase, operations] of hosts) {
    it(`${name}: opens one that reverts the bad commit onto its branch, each request as documented`, async () => {
      const host = revertHost(kind, badSha);
      const outcome = await openRevertPullRequest(config, rolledBack(repoURL), host.http);
      assert.equal(outcome.result, 'delivered', JSON.stringify(outcome));
      assert.deepEqual([...host.refs].map((ref) => ref.replace('refs/heads/', '')), ['berth/revert-bbbbbbb']);
      assert.deepEqual(host.pulls, ['berth/revert-bbbbbbb']);
      for (const request of host.requests) assert.deepEqual(judgeRequest(operations, apiBase, request).problems, [], `${request.method} ${request.url}`);
      const opened = JSON.parse(host.requests.at(-1)?.body ?? '{}') as Record<string, string>;
      assert.equal(opened['title'], 'Revert "web: bump image to 1.4.2"');
      assert.equal(opened[kind === 'github' ? 'base' : 'target_branch'], 'main');
      assert.match(opened[kind === 'github' ? 'body' : 'description'] ?? '', new RegExp(`This reverts commit ${badSha}`));
      if (kind === 'github') {
        const commit = JSON.parse(host.requests.find((request) => request.url.endsWith('/git/commits'))?.body ?? '{}') as { tree: string; parents: string[] };
        assert.deepEqual(commit, { ...commit, tree: parentTree, parents: [badSha] }, 'the revert is the parent\'s tree on top of the bad commit');
      }
    });

    it(`${name}: a second delivery of the same rollback opens nothing new`, async () => {
      const host = revertHost(kind, badSha);
      await openRevertPullRequest(config, rolledBack(repoURL), host.http);
      const again = await openRevertPullRequest(config, rolledBack(repoURL), host.http);
      assert.equal(again.result, 'delivered');
      assert.equal(host.pulls.length, 1);
    });

    it(`${name}: does nothing when the branch has moved on (the newer commit is deployed next)`, async () => {
      const host = revertHost(kind, 'f'.repeat(40));
      const outcome = await openRevertPullRequest(config, rolledBack(repoURL), host.http);
      assert.equal(outcome.result, 'skipped');
      assert.equal(host.requests.filter((request) => request.method === 'POST').length, 0);
    });
  }

  it('is only for RolledBack, a commit, and an Application that tracks a branch by name', async () => {
    const host = revertHost('github', badSha);
    const github = hosts[0]?.[1] ?? { kind: 'github', name: 'x' };
    for (const event of [
      rolledBack('https://github.com/acme/deploy', { type: 'Degraded' }),
      rolledBack('https://github.com/acme/deploy', { revision: '1.4.2' }),
      sampleEvent({ application: { ...sampleEvent().application, targetRevision: goodSha } }),
      sampleEvent({ application: { ...sampleEvent().application, targetRevision: '--upload-pack=evil' } }),
    ]) {
      assert.equal((await openRevertPullRequest(github, event, host.http)).result, 'skipped');
    }
    assert.equal(host.requests.length, 0);
  });

  /** [branch, accepted] */
  const branches: [string, boolean][] = [
    ['main', true], ['release/1.x', true], ['feature_a-b.c', true],
    ['-rf', false], ['a..b', false], ['a//b', false], ['a/', false], ['x.lock', false], ['a b', false], ['%2e%2e', false], ['', false], [badSha, false],
  ];
  for (const [branch, accepted] of branches) {
    it(`branch ${JSON.stringify(branch)} is ${accepted ? 'accepted' : 'refused'}`, () => {
      assert.equal(isBranchName(branch), accepted);
    });
  }
});

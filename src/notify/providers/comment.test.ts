import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commentMarker } from './comment.ts';
import type { NotificationEventType, ProviderConfig } from './event.ts';
import { sendNotification } from './provider.ts';
import { badSha, commentHost, sampleEvent } from './testdata/fake-host.ts';
import { githubOperations, gitlabOperations } from './testdata/recorded-schemas.ts';
import { judgeRequest } from './testdata/schema-judge.ts';

const token = 'tok-comment-secret';
const github: ProviderConfig = { kind: 'github-comment', name: 'shop/pr-comments', token };
const gitlab: ProviderConfig = { kind: 'gitlab-comment', name: 'shop/mr-comments', token, address: 'https://gitlab.example.com' };
const gitlabRepo = 'https://gitlab.example.com/platform/deploy.git';

const sequence: NotificationEventType[] = ['SyncStarted', 'Synced', 'Degraded', 'RolledBack'];

const cases = [
  { what: 'a GitHub pull request', config: github, kind: 'github', pulls: [42], repoURL: undefined, thread: 'pr:42', operations: githubOperations, apiBase: 'https://api.github.com' },
  { what: 'a GitHub commit (no pull request contains it)', config: github, kind: 'github', pulls: [], repoURL: undefined, thread: `commit:${badSha}`, operations: githubOperations, apiBase: 'https://api.github.com' },
  { what: 'a GitLab merge request', config: gitlab, kind: 'gitlab', pulls: [7], repoURL: gitlabRepo, thread: 'pr:7', operations: gitlabOperations, apiBase: 'https://gitlab.example.com/api/v4' },
  { what: 'a GitLab commit (a thread, whose note can be edited)', config: gitlab, kind: 'gitlab', pulls: [], repoURL: gitlabRepo, thread: `commit:${badSha}`, operations: gitlabOperations, apiBase: 'https://gitlab.example.com/api/v4' },
] as const;

describe('a comment updated in place', () => {
  for (const testCase of cases) {
    it(`keeps one comment on ${testCase.what} through four events, each request as documented`, async () => {
      const host = commentHost(testCase.kind, [...testCase.pulls]);
      for (const type of sequence) {
        const event = sampleEvent({ type, ...(testCase.repoURL === undefined ? {} : { application: { ...sampleEvent().application, repoURL: testCase.repoURL } }) });
        const outcome = await sendNotification(testCase.config, event, host.http);
        assert.equal(outcome.result, 'delivered', JSON.stringify(outcome));
      }
      const comments = host.threads.get(testCase.thread) ?? [];
      assert.equal(comments.length, 1, 'one comment, not one per event');
      assert.match(comments[0]?.body ?? '', /was rolled back/);
      assert.ok(comments[0]?.body.startsWith(commentMarker(sampleEvent())));
      const posts = host.requests.filter((request) => request.method === 'POST');
      const edits = host.requests.filter((request) => request.method === 'PATCH' || request.method === 'PUT');
      assert.equal(posts.length, 1);
      assert.equal(edits.length, sequence.length - 1);
      for (const request of host.requests) {
        const judged = judgeRequest(testCase.operations, testCase.apiBase, request);
        assert.deepEqual(judged.problems, [], `${request.method} ${request.url}`);
      }
    });
  }

  it('posts its own comment when the marked one is somebody else\'s (a copied marker)', async () => {
    const host = commentHost('github', [42]);
    host.threads.set('pr:42', [{ id: 1, body: `${commentMarker(sampleEvent())}\nspoofed`, mine: false }]);
    const outcome = await sendNotification(github, sampleEvent(), host.http);
    assert.equal(outcome.result, 'delivered');
    assert.equal(host.threads.get('pr:42')?.length, 2);
    assert.equal(host.threads.get('pr:42')?.[0]?.body.endsWith('spoofed'), true, 'the other comment is left alone');
  });

  it('gives two Applications on one pull request a comment each', async () => {
    const host = commentHost('github', [42]);
    await sendNotification(github, sampleEvent(), host.http);
    await sendNotification(github, sampleEvent({ application: { ...sampleEvent().application, name: 'api', uid: 'other-uid' } }), host.http);
    assert.equal(host.threads.get('pr:42')?.length, 2);
  });

  it('escapes hostile commit subjects: no raw HTML, no link, no mention, no marker break-out', async () => {
    const host = commentHost('github', [42]);
    const subject = '<!-- --> [click](https://evil.example) @here <img src=x onerror=alert(1)> | table | break';
    await sendNotification(github, sampleEvent({ commit: { subject, author: '@org/admins' } }), host.http);
    const body = host.threads.get('pr:42')?.[0]?.body ?? '';
    assert.equal(body.split('<!--').length, 2, 'only the marker opens an HTML comment');
    assert.doesNotMatch(body, /\[click\]\(/);
    assert.doesNotMatch(body, /(^|[^\\])<(?!!-- berth:notification |\/?sub>)/, 'every other < is escaped');
    assert.doesNotMatch(body, /@here|@org/);
    assert.doesNotMatch(body, /[^\\]\| table/);
  });

  it('retries when a listing fails with 502, and sends nothing after it', async () => {
    const host = commentHost('github', [42]);
    const failing = (request: Parameters<typeof host.http>[0]) =>
      request.url.includes('/comments') && request.method === 'GET'
        ? Promise.resolve({ status: 502, headers: {}, body: 'bad gateway' })
        : host.http(request);
    const outcome = await sendNotification(github, sampleEvent(), failing);
    assert.equal(outcome.result, 'retry');
    assert.equal(host.requests.filter((request) => request.method === 'POST').length, 0);
  });
});

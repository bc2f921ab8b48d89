/**
 * GitHub-shaped webhook deliveries for tests: a push body as GitHub sends it
 * (the fields Berth reads), signed with `X-Hub-Signature-256` like GitHub does.
 */
import { createHmac, randomUUID } from 'node:crypto';

export interface GitHubPush {
  repoURL: string;
  after: string;
  before?: string;
  ref?: string;
  /** Files the pushed commits touched; no commits listed when absent. */
  paths?: string[];
}

export function githubPushBody(push: GitHubPush): Buffer {
  return Buffer.from(JSON.stringify({
    ref: push.ref ?? 'refs/heads/main',
    before: push.before ?? '1'.repeat(40),
    after: push.after,
    created: false, deleted: false, forced: false,
    commits: push.paths ? [{ id: push.after, added: [], removed: [], modified: push.paths }] : [],
    repository: { full_name: 'team/deploy', clone_url: push.repoURL, html_url: push.repoURL, default_branch: 'main' },
  }));
}

export function githubHeaders(body: Uint8Array, secret: string, options: { event?: string; deliveryId?: string } = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': options.event ?? 'push',
    'x-github-delivery': options.deliveryId ?? randomUUID(),
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  };
}

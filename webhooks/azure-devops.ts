/**
 * Azure DevOps (Services and Server) service hooks, "Web Hooks" consumer:
 * authenticated by the basic auth set on the subscription (`Authorization:
 * Basic`, the secret is its password or `user:password`); the event is named in
 * the body (`eventType: git.push`), one event per `resource.refUpdates[]`. The
 * payload lists commits without files. Azure DevOps signs nothing: like
 * GitLab's token, the password is what authenticates and TLS protects the body.
 * The same repository has several URL forms (`dev.azure.com/org/project/_git/repo`,
 * `org.visualstudio.com/project/_git/repo`, and the ssh `v3/org/project/repo`
 * forms of both hosts): every form is reported, so any matches.
 * https://learn.microsoft.com/azure/devops/service-hooks/events#git.push
 */
import { z } from 'zod';
import { buildPushEvent } from './build-push-event.ts';
import { checkBodySize, distinctUrls, ignored, parsePayload, pushes, quote, rejected } from './delivery.ts';
import { commitSha, fullRef, urlString } from './payload-fields.ts';
import type { PushEvent, WebhookHeaders, WebhookOptions, WebhookResult } from './push-event.ts';
import { verifyBasicAuth } from './signature.ts';

const envelope = z.object({ eventType: z.string().max(200) });

const pushPayload = z.object({
  id: z.string().max(200).optional(),
  resource: z.object({
    refUpdates: z.array(z.object({ name: fullRef, oldObjectId: commitSha, newObjectId: commitSha })),
    repository: z.object({
      name: z.string().optional(),
      remoteUrl: urlString.optional(),
      sshUrl: urlString.optional(),
      webUrl: urlString.optional(),
      defaultBranch: z.string().optional(),
    }),
  }),
});

/** Collections of the old TFS layout: `_git/repo` straight under one is the project of that name's repository. */
const defaultCollection = /^defaultcollection$/i;

/** Every URL form of the repository behind an https remote URL of either Azure DevOps host; [] for other hosts. */
export function azureRepositoryUrls(remoteUrl: string): string[] {
  let url: URL;
  try {
    url = new URL(remoteUrl);
  } catch {
    return [];
  }
  const host = url.hostname.toLowerCase();
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  let org: string | undefined;
  if (host === 'dev.azure.com') org = segments.shift();
  else if (host.endsWith('.visualstudio.com')) org = host.slice(0, -'.visualstudio.com'.length);
  else return [];
  if (segments[0] !== undefined && defaultCollection.test(segments[0])) segments.shift();
  const git = segments.indexOf('_git');
  const repo = git >= 0 ? segments[git + 1] : undefined;
  if (org === undefined || org === '' || repo === undefined || git > 1) return [];
  const project = git === 1 ? segments[0] : repo;
  return [
    `https://dev.azure.com/${org}/${project}/_git/${repo}`,
    `git@ssh.dev.azure.com:v3/${org}/${project}/${repo}`,
    `https://${org}.visualstudio.com/${project}/_git/${repo}`,
    `${org}@vs-ssh.visualstudio.com:v3/${org}/${project}/${repo}`,
  ];
}

export function parseAzureDevOpsWebhook(headers: WebhookHeaders, rawBody: Uint8Array, secret: string, options?: WebhookOptions): WebhookResult {
  const refusal = checkBodySize(rawBody, options) ?? verifyBasicAuth(headers, secret);
  if (refusal) return refusal;
  const kind = parsePayload(envelope, rawBody, undefined);
  if (kind.kind === 'rejected') return kind;
  if (kind.value.eventType !== 'git.push') return ignored(`Azure DevOps event ${quote(kind.value.eventType)} does not move a ref`);

  const body = parsePayload(pushPayload, rawBody, undefined);
  if (body.kind === 'rejected') return body;
  const { id, resource } = body.value;
  const { repository } = resource;
  const urls = distinctUrls([
    repository.remoteUrl,
    repository.sshUrl,
    repository.webUrl,
    ...(repository.remoteUrl === undefined ? [] : azureRepositoryUrls(repository.remoteUrl)),
  ]);
  if (urls.length === 0) return rejected(400, 'resource.repository: no remoteUrl, sshUrl or webUrl');
  // The event id stays the same when Azure DevOps retries a notification.
  const deliveryId = id !== undefined && id.trim() !== '' ? id.trim() : undefined;
  const defaultBranch = repository.defaultBranch?.replace(/^refs\/heads\//, '');
  const events: PushEvent[] = resource.refUpdates.map((update) =>
    buildPushEvent({
      provider: 'azure-devops',
      deliveryId,
      urls,
      name: repository.name,
      defaultBranch,
      ref: update.name,
      before: update.oldObjectId,
      after: update.newObjectId,
      files: { from: 'none', reason: 'Azure DevOps payloads do not list changed files' },
    }),
  );
  return pushes(events, deliveryId, 'the push updates no ref');
}

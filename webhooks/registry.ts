/**
 * One entry point for the HTTP route `POST /api/v1/webhooks/{provider}`: the
 * provider name from the path picks the adapter; an unknown name is a 404.
 */
import { parseBitbucketCloudWebhook } from './bitbucket-cloud.ts';
import { parseBitbucketServerWebhook } from './bitbucket-server.ts';
import { quote, rejected } from './delivery.ts';
import { parseGenericWebhook } from './generic.ts';
import { parseAzureDevOpsWebhook } from './azure-devops.ts';
import { parseGiteaWebhook } from './gitea.ts';
import { parseGitHubWebhook } from './github.ts';
import { parseGitLabWebhook } from './gitlab.ts';
import type { ProviderName, WebhookAdapter, WebhookHeaders, WebhookOptions, WebhookResult } from './push-event.ts';

export const webhookAdapters: ReadonlyMap<ProviderName, WebhookAdapter> = new Map<ProviderName, WebhookAdapter>([
  ['github', parseGitHubWebhook],
  ['gitlab', parseGitLabWebhook],
  ['gitea', parseGiteaWebhook],
  ['bitbucket-server', parseBitbucketServerWebhook],
  ['bitbucket-cloud', parseBitbucketCloudWebhook],
  ['azure-devops', parseAzureDevOpsWebhook],
  ['generic', parseGenericWebhook],
]);

/** Other names a provider answers to in the URL path. */
const aliases: ReadonlyMap<string, ProviderName> = new Map<string, ProviderName>([['forgejo', 'gitea'], ['gogs', 'gitea']]);

/** The provider a path segment names (`github`, `forgejo` -> `gitea`, ...), or undefined. */
export function resolveProvider(name: string): ProviderName | undefined {
  const lower = name.toLowerCase();
  const alias = aliases.get(lower);
  if (alias) return alias;
  return [...webhookAdapters.keys()].find((provider) => provider === lower);
}

export interface ParseWebhookOptions extends WebhookOptions {
  /** The provider's webhook secret (GitLab: its token). An empty secret rejects every delivery. */
  readonly secret: string;
}

/** Verifies and parses one delivery for the provider named in the URL path. */
export function parseWebhook(provider: string, headers: WebhookHeaders, rawBody: Uint8Array, options: ParseWebhookOptions): WebhookResult {
  const resolved = resolveProvider(provider);
  const adapter = resolved === undefined ? undefined : webhookAdapters.get(resolved);
  if (adapter === undefined) {
    return rejected(404, `unknown webhook provider ${quote(provider)}; known: ${[...webhookAdapters.keys(), ...aliases.keys()].join(', ')}`);
  }
  return adapter(headers, rawBody, options.secret, options);
}

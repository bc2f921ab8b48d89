/**
 * Berth's webhook adapters, pure: (headers, raw body, secret) -> push events or a
 * rejection, and the helpers that decide which Applications a push concerns.
 * No I/O; nothing here imports `src/` or `sync/`. See README.md.
 */
export type {
  ChangedPaths,
  ProviderName,
  PushedRepository,
  PushEvent,
  Rejected,
  RejectionStatus,
  WebhookAdapter,
  WebhookHeaders,
  WebhookOptions,
  WebhookResult,
} from './push-event.ts';
export { defaultMaxBodyBytes, providerNames } from './push-event.ts';

export { parseWebhook, resolveProvider, webhookAdapters, type ParseWebhookOptions } from './registry.ts';
export { parseGitHubWebhook } from './github.ts';
export { parseGitLabWebhook } from './gitlab.ts';
export { parseGiteaWebhook } from './gitea.ts';
export { parseBitbucketServerWebhook } from './bitbucket-server.ts';
export { parseBitbucketCloudWebhook } from './bitbucket-cloud.ts';
export { parseAzureDevOpsWebhook } from './azure-devops.ts';
export { parseGenericWebhook, type GenericPushPayload } from './generic.ts';

export { normalizeRepositoryUrl, isSameRepository, repositoryProjectPath } from './repository-url.ts';
export { refMatchesRevision, describeRef, tagVersion, type RevisionMatchOptions } from './revision.ts';
export { pathsTouch, pushTouchesPaths, normalizeRepositoryPath } from './paths.ts';
export { matchPush, repositoryKeys, type PushMatch, type WatchedSource } from './match.ts';
export {
  artifactMatchesRevision, parseRegistryWebhook, registryProviderNames, resolveRegistryProvider,
  type ArtifactEvent, type RegistryProviderName, type RegistryWebhookOptions, type RegistryWebhookResult,
} from './registry-events.ts';
export {
  checkBeforeBody, providerAuthentication, type BeforeBody, type BeforeBodyOptions, type BodyVerifier, type ProviderAuthentication,
} from './streaming-verification.ts';

/**
 * How each provider authenticates a delivery, in one table: the adapters check
 * these headers on the whole body and `checkBeforeBody` checks them before the
 * body is read, so the two cannot drift apart.
 */
import type { ProviderName } from './push-event.ts';
import type { RegistryProviderName } from './registry-events.ts';
import type { HmacHeaderSpec } from './signature.ts';

export const githubSignature: HmacHeaderSpec = { headers: ['X-Hub-Signature-256'], prefix: 'sha256=' };

/**
 * Forgejo sends its own header and Gitea's, Gitea sends Gogs' too, Gogs only its
 * own: the first present is checked. All three sign the JSON, also when it is
 * wrapped in a form (`payload=<json>`).
 */
export const giteaSignature: HmacHeaderSpec = {
  headers: ['X-Forgejo-Signature', 'X-Gitea-Signature', 'X-Gogs-Signature'],
  prefix: '',
  formSigned: 'payload-field',
};

export const bitbucketServerSignature: HmacHeaderSpec = { headers: ['X-Hub-Signature'], prefix: 'sha256=' };

/** Bitbucket Cloud sends no signature header at all for a webhook saved without a secret. */
export const bitbucketCloudSignature: HmacHeaderSpec = {
  headers: ['X-Hub-Signature'],
  prefix: 'sha256=',
  missingHint: 'the Bitbucket Cloud webhook has no secret: edit the webhook and set its Secret (Repository settings > Webhooks)',
};

export const genericSignature: HmacHeaderSpec = { headers: ['X-Signature'], prefix: 'sha256=' };

/** How a provider authenticates a delivery: an HMAC, a shared token in a header, or HTTP basic auth. */
export type ProviderAuthentication =
  | { readonly kind: 'hmac'; readonly spec: HmacHeaderSpec }
  | { readonly kind: 'token'; readonly header: string }
  | { readonly kind: 'basic' }
  /** `Authorization: Bearer <secret>`: registries send a configured header and sign nothing. */
  | { readonly kind: 'bearer' };

export const providerAuthentication: Readonly<Record<ProviderName | RegistryProviderName, ProviderAuthentication>> = {
  github: { kind: 'hmac', spec: githubSignature },
  gitlab: { kind: 'token', header: 'X-Gitlab-Token' },
  gitea: { kind: 'hmac', spec: giteaSignature },
  'bitbucket-server': { kind: 'hmac', spec: bitbucketServerSignature },
  'bitbucket-cloud': { kind: 'hmac', spec: bitbucketCloudSignature },
  'azure-devops': { kind: 'basic' },
  generic: { kind: 'hmac', spec: genericSignature },
  'oci-distribution': { kind: 'bearer' },
  harbor: { kind: 'bearer' },
};

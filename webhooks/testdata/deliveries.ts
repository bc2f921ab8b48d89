/**
 * Test deliveries: the JSON fixtures of this folder (shaped like each provider's
 * documented examples), signed the way each provider signs them, with a test secret.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseAzureDevOpsWebhook } from '../azure-devops.ts';
import { parseBitbucketCloudWebhook } from '../bitbucket-cloud.ts';
import { parseBitbucketServerWebhook } from '../bitbucket-server.ts';
import { parseGenericWebhook } from '../generic.ts';
import { parseGiteaWebhook } from '../gitea.ts';
import { parseGitHubWebhook } from '../github.ts';
import { parseGitLabWebhook } from '../gitlab.ts';
import type { ProviderName, PushEvent, WebhookAdapter, WebhookResult } from '../push-event.ts';

export const testSecret = "It's a Secret to Everybody";

export function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(import.meta.dirname, `${name}.json`));
}

/** A fixture as an object, to change a field and serialize again. */
export function fixtureObject(name: string): Record<string, unknown> {
  return JSON.parse(fixture(name).toString('utf8')) as Record<string, unknown>;
}

export function body(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export function hmacHex(payload: Uint8Array, secret = testSecret): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

export interface ProviderCase {
  readonly provider: ProviderName;
  readonly adapter: WebhookAdapter;
  readonly pushFixture: string;
  /** The header that authenticates a delivery. */
  readonly authHeader: string;
  /** GitLab sends the secret itself, which signs nothing: its body can change unnoticed. */
  readonly signsBody: boolean;
  /** Headers that make a delivery a push, without authentication. */
  readonly pushHeaders: Readonly<Record<string, string>>;
  /** The authentication header value for this body. */
  readonly authValue: (payload: Uint8Array, secret?: string) => string;
}

export const providerCases: readonly ProviderCase[] = [
  {
    provider: 'github',
    adapter: parseGitHubWebhook,
    pushFixture: 'github-push',
    authHeader: 'x-hub-signature-256',
    signsBody: true,
    pushHeaders: { 'x-github-event': 'push', 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'content-type': 'application/json' },
    authValue: (payload, secret) => `sha256=${hmacHex(payload, secret)}`,
  },
  {
    provider: 'gitlab',
    adapter: parseGitLabWebhook,
    pushFixture: 'gitlab-push',
    authHeader: 'x-gitlab-token',
    signsBody: false,
    pushHeaders: {
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e',
      'idempotency-key': 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f',
      'content-type': 'application/json',
    },
    authValue: (_payload, secret = testSecret) => secret,
  },
  {
    provider: 'gitea',
    adapter: parseGiteaWebhook,
    pushFixture: 'gitea-push',
    authHeader: 'x-gitea-signature',
    signsBody: true,
    pushHeaders: { 'x-gitea-event': 'push', 'x-gitea-delivery': 'f6266f16-1bf3-46a5-9ea4-602e06ead473', 'content-type': 'application/json' },
    authValue: (payload, secret) => hmacHex(payload, secret),
  },
  {
    provider: 'bitbucket-server',
    adapter: parseBitbucketServerWebhook,
    pushFixture: 'bitbucket-server-refs-changed',
    authHeader: 'x-hub-signature',
    signsBody: true,
    pushHeaders: { 'x-event-key': 'repo:refs_changed', 'x-request-id': 'b6d3a2c4-5e1f-4a7b-9c8d-0e1f2a3b4c5d', 'content-type': 'application/json; charset=utf-8' },
    authValue: (payload, secret) => `sha256=${hmacHex(payload, secret)}`,
  },
  {
    provider: 'bitbucket-cloud',
    adapter: parseBitbucketCloudWebhook,
    pushFixture: 'bitbucket-cloud-push',
    authHeader: 'x-hub-signature',
    signsBody: true,
    pushHeaders: {
      'x-event-key': 'repo:push',
      'x-request-uuid': '0c3e4b1a-9f8e-4d7c-b6a5-4e3d2c1b0a99',
      'x-hook-uuid': '{cb4b6f2c-3f5d-4a8b-9c1d-2e3f4a5b6c7d}',
      'x-attempt-number': '1',
      'content-type': 'application/json',
    },
    authValue: (payload, secret) => `sha256=${hmacHex(payload, secret)}`,
  },
  {
    provider: 'azure-devops',
    adapter: parseAzureDevOpsWebhook,
    pushFixture: 'azure-devops-git-push',
    authHeader: 'authorization',
    // Basic auth, like GitLab's token, authenticates the sender and signs nothing.
    signsBody: false,
    pushHeaders: { 'content-type': 'application/json; charset=utf-8' },
    authValue: (_payload, secret = testSecret) => `Basic ${Buffer.from(`berth:${secret}`).toString('base64')}`,
  },
  {
    provider: 'generic',
    adapter: parseGenericWebhook,
    pushFixture: 'generic-push',
    authHeader: 'x-signature',
    signsBody: true,
    pushHeaders: { 'x-delivery-id': 'ci-run-4711', 'content-type': 'application/json' },
    authValue: (payload, secret) => `sha256=${hmacHex(payload, secret)}`,
  },
];

export function providerCase(provider: ProviderName): ProviderCase {
  const found = providerCases.find((c) => c.provider === provider);
  if (!found) throw new Error(`no test case for ${provider}`);
  return found;
}

/** Push headers plus a valid signature (or token) for `payload`, with `overrides` last. */
export function signedHeaders(c: ProviderCase, payload: Uint8Array, overrides: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...c.pushHeaders, [c.authHeader]: c.authValue(payload), ...overrides };
}

/** Delivers `payload` to the provider's adapter, signed, as a push unless `overrides` say otherwise. */
export function deliver(provider: ProviderName, payload: Uint8Array, overrides: Readonly<Record<string, string>> = {}): WebhookResult {
  const c = providerCase(provider);
  return c.adapter(signedHeaders(c, payload, overrides), payload, testSecret);
}

/** The events of a result that must be a push; fails the test otherwise. */
export function pushEvents(result: WebhookResult): readonly PushEvent[] {
  if (result.kind !== 'push') throw new Error(`expected a push, got ${JSON.stringify(result)}`);
  return result.events;
}

/** The one event of a push result that must carry exactly one. */
export function onlyEvent(result: WebhookResult): PushEvent {
  const events = pushEvents(result);
  const [event] = events;
  if (events.length !== 1 || event === undefined) throw new Error(`expected one event, got ${events.length}`);
  return event;
}

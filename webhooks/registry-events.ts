/**
 * Registry webhooks: a registry announces that an artifact (an image, a Helm
 * chart, an OCI artifact of manifests) was pushed, so the Applications whose
 * source is that OCI repository reconcile now rather than at their next poll.
 * Pure, like the Git adapters: (headers, raw body, secret) -> artifact events or
 * a rejection.
 *
 * - `oci-distribution`: the notification envelope of distribution/distribution
 *   (CNCF Distribution, "registry:2"; Content-Type
 *   `application/vnd.docker.distribution.events.v1+json`): `{events: [...]}`,
 *   one event per manifest push (`action: push` with a manifest media type or
 *   a tag); blob pushes and pulls are ignored. The registry sends whatever
 *   headers its `notifications.endpoints[].headers` lists: set
 *   `Authorization: [Bearer <secret>]`.
 * - `harbor`: Harbor's default webhook payload, `type: PUSH_ARTIFACT`, one event
 *   per `event_data.resources[]`; its "Auth Header" is sent as Authorization,
 *   as typed: `Bearer <secret>` or the secret alone.
 *
 * Neither signs its body: the bearer token authenticates the sender (compared
 * in constant time, before the body is read), TLS protects the body. Events
 * name the repository as `oci://host/path` (every host the payload gives), a
 * tag when there is one, and the digest.
 */
import { z } from 'zod';
import { checkBodySize, headerValue, ignored, parsePayload, quote, rejected } from './delivery.ts';
import type { Rejected, WebhookHeaders, WebhookOptions } from './push-event.ts';
import { verifyBearerToken } from './signature.ts';

export const registryProviderNames = ['oci-distribution', 'harbor'] as const;
export type RegistryProviderName = (typeof registryProviderNames)[number];

export interface ArtifactEvent {
  readonly provider: RegistryProviderName;
  /** `oci://host/path`, one per host the payload names (the request's Host, the URL's); never empty. */
  readonly repositories: readonly string[];
  readonly tag?: string;
  /** `sha256:...`, lower-case. */
  readonly digest: string;
}

export type RegistryWebhookResult =
  | { readonly kind: 'artifact'; readonly deliveryId?: string; readonly events: readonly [ArtifactEvent, ...ArtifactEvent[]] }
  | { readonly kind: 'ignored'; readonly reason: string }
  | Rejected;

const aliases: ReadonlyMap<string, RegistryProviderName> = new Map<string, RegistryProviderName>([
  ['oci-distribution', 'oci-distribution'], ['distribution', 'oci-distribution'], ['harbor', 'harbor'],
]);

/** The registry provider a path segment names, or undefined. */
export function resolveRegistryProvider(name: string): RegistryProviderName | undefined {
  return aliases.get(name.toLowerCase());
}

const digest = z.string().regex(/^sha(256:[0-9a-fA-F]{64}|512:[0-9a-fA-F]{128})$/, 'expected a sha256 or sha512 digest').transform((d) => d.toLowerCase());
const repositoryPath = z.string().min(1).max(255);
/** The distribution spec's tag grammar. */
const tagPattern = /^[\w][\w.-]{0,127}$/;
const tag = z.string().regex(tagPattern, 'expected a tag');
const hostText = z.string().min(1).max(255);

const distributionEnvelope = z.object({
  events: z.array(z.object({
    id: z.string().max(200).optional(),
    action: z.string().max(40),
    target: z.object({
      mediaType: z.string().max(255).optional(),
      // Checked per event below: one odd event (the docs' own example has a 65-digit blob digest) must not refuse the envelope,
      // and a registry whose deliveries are refused backs its queue up.
      digest: z.string().max(200).optional(),
      repository: repositoryPath,
      url: z.string().max(4096).optional(),
      tag: tag.optional(),
    }),
    request: z.object({ host: hostText.optional() }).optional(),
  })).max(1000),
});

const harborEnvelope = z.object({ type: z.string().max(64) });
const harborPayload = z.object({
  event_data: z.object({
    resources: z.array(z.object({ digest, tag: z.string().max(200).optional(), resource_url: z.string().max(4096).optional() })).max(1000),
    repository: z.object({ repo_full_name: repositoryPath }),
  }),
});

/** A host as a registry reference carries it: no scheme, no user info, no path; undefined when it is not one. */
function hostOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const host = text.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '').split('/')[0] ?? '';
  return /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/.test(host) ? host.replace(/:443$/, '') : undefined;
}

function ociRepositories(hosts: readonly (string | undefined)[], path: string): string[] {
  const clean = path.replace(/^\/+|\/+$/g, '');
  return [...new Set(hosts.map(hostOf).filter((host): host is string => host !== undefined).map((host) => `oci://${host}/${clean}`))];
}

/** Manifests (images, indexes, charts, artifacts) are what a source can name; a blob alone moves nothing. */
function isManifestPush(target: { mediaType?: string | undefined; tag?: string | undefined }): boolean {
  if (target.tag !== undefined) return true;
  const type = target.mediaType?.toLowerCase() ?? '';
  return type.includes('manifest') || type.includes('image.index');
}

function artifacts(events: ArtifactEvent[], deliveryId: string | undefined, none: string): RegistryWebhookResult {
  const [first, ...rest] = events;
  if (first === undefined) return ignored(none) as RegistryWebhookResult;
  return { kind: 'artifact', ...(deliveryId === undefined ? {} : { deliveryId }), events: [first, ...rest] };
}

function parseDistribution(rawBody: Uint8Array): RegistryWebhookResult {
  const body = parsePayload(distributionEnvelope, rawBody, undefined);
  if (body.kind === 'rejected') return body;
  const events: ArtifactEvent[] = [];
  for (const event of body.value.events) {
    const { target } = event;
    const pushed = digest.safeParse(target.digest);
    if (event.action !== 'push' || !isManifestPush(target) || !pushed.success) continue;
    const repositories = ociRepositories([event.request?.host, target.url], target.repository);
    if (repositories.length === 0) continue;
    events.push({ provider: 'oci-distribution', repositories, ...(target.tag ? { tag: target.tag } : {}), digest: pushed.data });
  }
  const id = body.value.events.find((event) => event.id)?.id;
  return artifacts(events, id, 'no manifest was pushed (pulls, deletes and blob uploads move nothing)');
}

function parseHarbor(rawBody: Uint8Array): RegistryWebhookResult {
  const envelope = parsePayload(harborEnvelope, rawBody, undefined);
  if (envelope.kind === 'rejected') return envelope;
  if (envelope.value.type !== 'PUSH_ARTIFACT') return ignored(`Harbor event ${quote(envelope.value.type)} does not push an artifact`) as RegistryWebhookResult;
  const body = parsePayload(harborPayload, rawBody, undefined);
  if (body.kind === 'rejected') return body;
  const payload = body.value;
  const { resources, repository } = payload.event_data;
  const events: ArtifactEvent[] = [];
  for (const resource of resources) {
    // resource_url is host/project/repo:tag or host/project/repo@digest: its first segment is the registry host.
    const repositories = ociRepositories([resource.resource_url?.split('/')[0]], repository.repo_full_name);
    if (repositories.length === 0) continue;
    // Harbor puts the digest in `tag` for an untagged push.
    const named = resource.tag !== undefined && tagPattern.test(resource.tag) && !/^sha(256|512)/.test(resource.tag) ? { tag: resource.tag } : {};
    events.push({ provider: 'harbor', repositories, ...named, digest: resource.digest });
  }
  return artifacts(events, undefined, 'the delivery names no artifact with a registry host');
}

export interface RegistryWebhookOptions extends WebhookOptions {
  readonly secret: string;
}

/** Verifies and parses one registry delivery. Never throws on any body or header (a non-byte body is a wiring mistake: TypeError). */
export function parseRegistryWebhook(provider: RegistryProviderName, headers: WebhookHeaders, rawBody: Uint8Array, options: RegistryWebhookOptions): RegistryWebhookResult {
  const refusal = checkBodySize(rawBody, options) ?? verifyBearerToken(headers, options.secret);
  if (refusal) return refusal;
  if (provider === 'harbor') return parseHarbor(rawBody);
  const type = headerValue(headers, 'Content-Type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== undefined && !/^application\/(vnd\.docker\.distribution\.events\.v[12]\+json|json)$/.test(type)) {
    return rejected(400, `Content-Type ${quote(type)} is not a distribution notification (application/vnd.docker.distribution.events.v1+json)`);
  }
  return parseDistribution(rawBody);
}

/**
 * Whether an artifact push concerns a source following `targetRevision` in
 * that repository: a digest only its own digest, a plain tag only that tag;
 * anything else (a semver range, `latest`, HEAD) is left to the reconcile,
 * which lists the tags and decides (a spare reconcile costs one tag listing).
 */
export function artifactMatchesRevision(event: ArtifactEvent, targetRevision: string | undefined): boolean {
  const revision = targetRevision?.trim() ?? '';
  if (/^sha(256|512):/i.test(revision)) return revision.toLowerCase() === event.digest;
  if (event.tag === undefined || revision === '' || revision === 'HEAD' || !tagPattern.test(revision)) return true;
  // An exact version, with or without its v; `1`, `1.2`, `1.x` are ranges (node-semver), left to the reconcile.
  if (/^v?\d+\.\d+\.\d+([-+][\w.-]+)?$/.test(revision)) return revision.replace(/^v/, '') === event.tag.replace(/^v/, '');
  if (/^v?[\dx*]+(\.[\dx*]+)?$/i.test(revision)) return true;
  return revision === event.tag;
}

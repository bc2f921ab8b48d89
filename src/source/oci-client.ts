/**
 * A client of the OCI distribution API, as much as Berth needs to pull: tags,
 * manifests and blobs of one repository. Authentication is the registry's own:
 * a 401 with a `Bearer realm=...` challenge is answered by asking the realm for a
 * token with the repository's credentials (Basic) or none (anonymous pull); a
 * `Basic` challenge by sending the credentials. Tokens are kept per (registry,
 * repository, credentials) until shortly before they expire.
 *
 * Every blob and manifest is checked against its digest before it is used, so
 * a registry (or a cache) cannot hand Berth other bytes than the digest recorded
 * as the revision. Caps: manifests 4 MiB, tag lists 8 MiB, blobs `maxBlobBytes`.
 */
import { createHash } from 'node:crypto';
import { InvalidSourceError } from '../errors.ts';
import { httpGet, statusError, type HttpAnswer } from './helm-http.ts';
import type { HttpLimits } from './http-client.ts';
import { parseBearerChallenge } from './oci-auth.ts';
import { digestPattern, formatOciReference, type OciReference } from './oci-reference.ts';
import { authorizationHeader, type GitCredentials } from './repository.ts';

export const ociMediaTypes = {
  imageManifest: 'application/vnd.oci.image.manifest.v1+json',
  imageIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  helmConfig: 'application/vnd.cncf.helm.config.v1+json',
  helmChart: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
  fluxContent: 'application/vnd.cncf.flux.content.v1.tar+gzip',
} as const;

const manifestAccept = [ociMediaTypes.imageManifest, ociMediaTypes.dockerManifest, ociMediaTypes.imageIndex].join(', ');

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface OciManifest {
  mediaType?: string;
  artifactType?: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
}

export interface OciClientOptions {
  limits: HttpLimits;
  /** Inflated bytes one blob may have; default 64 MiB. */
  maxBlobBytes?: number;
  /** Whether to speak plain HTTP to this host (the controller's --allow-http-repos). */
  plainHttp?: (host: string) => boolean;
}

interface Token {
  value: string;
  expiresAt: number;
}

function checkDigest(body: Buffer, digest: string, where: string): void {
  const [algorithm = '', hex = ''] = digest.split(':');
  const actual = createHash(algorithm === 'sha512' ? 'sha512' : 'sha256').update(body).digest('hex');
  if (actual !== hex) throw new InvalidSourceError('InvalidManifest', `${where}: content does not match its digest ${digest}`);
}

function isDescriptor(value: unknown): value is OciDescriptor {
  const d = value as OciDescriptor | null;
  return typeof d === 'object' && d !== null && typeof d.mediaType === 'string' && typeof d.digest === 'string'
    && digestPattern.test(d.digest) && typeof d.size === 'number' && Number.isSafeInteger(d.size) && d.size >= 0;
}

export class OciClient {
  readonly #options: OciClientOptions;
  readonly #tokens = new Map<string, Token>();

  constructor(options: OciClientOptions) {
    this.#options = options;
  }

  #base(reference: OciReference): string {
    const scheme = this.#options.plainHttp?.(reference.host) ? 'http' : 'https';
    return `${scheme}://${reference.host}/v2/${reference.repository}`;
  }

  #tokenKey(reference: OciReference, credentials: GitCredentials | undefined): string {
    return createHash('sha256').update(JSON.stringify([reference.host, reference.repository, credentials ?? null])).digest('hex');
  }

  /** A GET under /v2/<repository>, authenticated as the registry asks. */
  async #get(reference: OciReference, suffix: string, credentials: GitCredentials | undefined, accept: string | undefined, maxBytes: number): Promise<HttpAnswer> {
    const url = `${this.#base(reference)}${suffix}`;
    const where = `${formatOciReference({ host: reference.host, repository: reference.repository })}${suffix.startsWith('/manifests/') ? `@${suffix.slice('/manifests/'.length)}` : ''}`;
    const limits = { ...this.#options.limits, maxBytes };
    const headers: Record<string, string> = accept ? { accept } : {};
    const key = this.#tokenKey(reference, credentials);
    const cached = this.#tokens.get(key);
    const first = await httpGet(url, {
      where, limits, accept: [401],
      headers: { ...headers, ...(cached && cached.expiresAt > Date.now() ? { Authorization: `Bearer ${cached.value}` } : {}) },
    });
    if (first.status !== 401) return first;
    const challenge = first.headers['www-authenticate'];
    const bearer = parseBearerChallenge(challenge);
    if (bearer === undefined) {
      if (!credentials || !/^\s*Basic/i.test(challenge ?? '')) throw statusError(401, where, Boolean(credentials));
      return httpGet(url, { where, limits, headers: { ...headers, ...authorizationHeader(credentials) } });
    }
    const token = await this.#token(bearer, reference, credentials, where);
    this.#tokens.set(key, token);
    return httpGet(url, { where, limits, headers: { ...headers, Authorization: `Bearer ${token.value}` } });
  }

  async #token(challenge: { realm: string; service?: string; scope?: string }, reference: OciReference, credentials: GitCredentials | undefined, where: string): Promise<Token> {
    let realm: URL;
    try {
      realm = new URL(challenge.realm);
    } catch (error) {
      throw new InvalidSourceError('AuthenticationFailed', `${where}: the registry's token realm ${JSON.stringify(challenge.realm)} is not a URL`, { cause: error });
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.#options.plainHttp?.(realm.host))) {
      throw new InvalidSourceError('NotAllowed', `${where}: the registry's token realm ${realm.origin} is not https`);
    }
    if (challenge.service) realm.searchParams.set('service', challenge.service);
    // Only pull is asked, whatever the challenge names.
    realm.searchParams.set('scope', `repository:${reference.repository}:pull`);
    const answer = await httpGet(realm.toString(), {
      where: `${where} (token from ${realm.origin})`, limits: { ...this.#options.limits, maxBytes: 1024 * 1024 },
      headers: credentials ? authorizationHeader(credentials.kind === 'token' && !credentials.username ? { kind: 'basic', username: '<token>', password: credentials.token } : credentials) : {},
    });
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(answer.body.toString('utf8')) as typeof body;
    } catch (error) {
      throw new InvalidSourceError('AuthenticationFailed', `${where}: the token service answered no JSON`, { cause: error });
    }
    const value = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (!value) throw new InvalidSourceError('AuthenticationFailed', `${where}: the token service answered no token`);
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    return { value, expiresAt: Date.now() + Math.max(0, seconds - 15) * 1000 };
  }

  /** Every tag of the repository (following `Link` pages, at most 20). */
  async listTags(reference: OciReference, credentials: GitCredentials | undefined): Promise<string[]> {
    const tags: string[] = [];
    let suffix: string | undefined = '/tags/list?n=1000';
    for (let page = 0; suffix !== undefined && page < 20; page++) {
      const answer = await this.#get(reference, suffix, credentials, 'application/json', 8 * 1024 * 1024);
      const body = JSON.parse(answer.body.toString('utf8')) as { tags?: unknown };
      if (Array.isArray(body.tags)) for (const tag of body.tags) if (typeof tag === 'string') tags.push(tag);
      const next = /<([^>]+)>;\s*rel="?next"?/.exec(answer.headers.link ?? '')?.[1];
      // Only a page of the same repository: the Link header is the registry's to set, not a way elsewhere.
      suffix = next?.startsWith(`/v2/${reference.repository}/tags/list?`) ? next.slice(`/v2/${reference.repository}`.length) : undefined;
    }
    return tags;
  }

  /** The digest and manifest a tag or digest names; an index is refused (Berth pulls single-artifact manifests). */
  async manifest(reference: OciReference, tagOrDigest: string, credentials: GitCredentials | undefined): Promise<{ digest: string; manifest: OciManifest }> {
    const where = `${formatOciReference({ host: reference.host, repository: reference.repository })}@${tagOrDigest}`;
    const answer = await this.#get(reference, `/manifests/${tagOrDigest}`, credentials, manifestAccept, 4 * 1024 * 1024);
    const isDigest = digestPattern.test(tagOrDigest);
    const digest = isDigest ? tagOrDigest : `sha256:${createHash('sha256').update(answer.body).digest('hex')}`;
    if (isDigest) checkDigest(answer.body, digest, where);
    const announced = answer.headers['docker-content-digest'];
    if (!isDigest && announced !== undefined && announced.startsWith('sha256:') && announced !== digest) {
      throw new InvalidSourceError('InvalidManifest', `${where}: the manifest does not match the digest the registry announced (${announced})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body.toString('utf8'));
    } catch (error) {
      throw new InvalidSourceError('InvalidManifest', `${where}: the manifest is not JSON`, { cause: error });
    }
    const manifest = parsed as Partial<OciManifest> & { manifests?: unknown };
    if (manifest.mediaType === ociMediaTypes.imageIndex || Array.isArray(manifest.manifests)) {
      throw new InvalidSourceError('InvalidManifest', `${where}: is an image index (several platforms), not a chart or manifests artifact`);
    }
    if (!isDescriptor(manifest.config) || !Array.isArray(manifest.layers) || !manifest.layers.every(isDescriptor)) {
      throw new InvalidSourceError('InvalidManifest', `${where}: not an OCI image manifest (config and layers)`);
    }
    return { digest, manifest: manifest as OciManifest };
  }

  /** One blob, checked against its digest and the size cap before it is returned. */
  async blob(reference: OciReference, descriptor: OciDescriptor, credentials: GitCredentials | undefined): Promise<Buffer> {
    const max = this.#options.maxBlobBytes ?? 64 * 1024 * 1024;
    const where = `${formatOciReference({ host: reference.host, repository: reference.repository })}@${descriptor.digest}`;
    if (descriptor.size > max) throw new InvalidSourceError('FetchTooLarge', `${where}: the layer is ${descriptor.size} bytes, more than the limit of ${max}`);
    const answer = await this.#get(reference, `/blobs/${descriptor.digest}`, credentials, undefined, Math.max(descriptor.size, 1));
    checkDigest(answer.body, descriptor.digest, where);
    return answer.body;
  }
}

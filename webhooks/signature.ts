/**
 * Verifying a delivery came from the Git host: an HMAC-SHA256 of the raw body
 * (GitHub, Bitbucket, generic) or of the JSON inside a form body (Gitea, Forgejo
 * and Gogs sign the JSON they wrap in `payload=`), a shared token (GitLab), or
 * HTTP basic auth (Azure DevOps service hooks). All compare in constant time. The HMAC can also be fed chunk by chunk (`createIncrementalHmac`)
 * after its header was checked on its own (`parseHmacSignature`), so a body is
 * verified while it streams and a delivery without a usable header costs no read. A reason names the header and what is wrong with it, never the
 * secret, the expected value, or the value received.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { firstHeader, formFieldBytes, headerValue, isFormContentType, rejected } from './delivery.ts';
import type { Rejected, WebhookHeaders } from './push-event.ts';

const sha256HexLength = 64;
const hexDigits = /^[0-9a-fA-F]+$/;

function missingSecret(): Rejected {
  // An empty HMAC key is one anybody can use: refuse rather than "verify".
  return rejected(401, 'no webhook secret is configured for this provider, so no delivery can be verified');
}

export interface HmacHeaderSpec {
  /** Header names to look for, first found wins (Forgejo sends its own and Gitea's). */
  readonly headers: readonly string[];
  /** `sha256=` for GitHub-style headers, '' for Gitea's bare hex. */
  readonly prefix: 'sha256=' | '';
  /**
   * What the HMAC covers in a form-encoded (`payload=<json>`) body: the form bytes
   * (GitHub) or the JSON of its `payload` field (Gitea: deliver.go signs
   * `PayloadContent` whatever the content type). Default `form`.
   */
  readonly formSigned?: 'form' | 'payload-field';
  /** Said when the header is missing, when the host omits it for a hook without a secret: what to set there. */
  readonly missingHint?: string;
}

/** A signature header that passed every check that needs no body: present, the right algorithm, the right length, hexadecimal. */
export interface HmacSignature {
  readonly header: string;
  readonly received: Buffer;
}

/** Parses the signature header of `spec`; everything that can be refused before the body is read is refused here. */
export function parseHmacSignature(headers: WebhookHeaders, secret: string, spec: HmacHeaderSpec, secretName?: string): Rejected | HmacSignature {
  if (secret === '') return missingSecret();
  const header = firstHeader(headers, spec.headers);
  if (header === undefined) {
    const missing = `missing ${spec.headers.join(' or ')} header`;
    if (spec.missingHint === undefined) return rejected(401, missing);
    return rejected(401, `${missing}: ${spec.missingHint} to the value of ${secretName ?? "Berth's webhook secret for this provider"}`);
  }
  const value = header.value.trim();
  if (spec.prefix !== '' && !value.startsWith(spec.prefix)) {
    const algorithm = /^([a-z0-9-]{1,16})=/i.exec(value)?.[1];
    return rejected(
      401,
      algorithm === undefined
        ? `${header.name} is not of the form ${spec.prefix}<hex>`
        : `${header.name} uses ${algorithm}; only HMAC-SHA256 (${spec.prefix}) is accepted`,
    );
  }
  const hex = value.slice(spec.prefix.length);
  if (hex.length !== sha256HexLength) return rejected(401, `${header.name} has the wrong length for an HMAC-SHA256 signature`);
  if (!hexDigits.test(hex)) return rejected(401, `${header.name} is not hexadecimal`);
  return { header: header.name, received: Buffer.from(hex, 'hex') };
}

/**
 * An HMAC-SHA256 fed one chunk at a time, so a body can be checked as it
 * arrives; `finish` compares in constant time and may be called once.
 */
export interface IncrementalHmac {
  update(chunk: Uint8Array): void;
  finish(): Rejected | undefined;
}

export function createIncrementalHmac(signature: HmacSignature, secret: string): IncrementalHmac {
  const hmac = createHmac('sha256', secret);
  return {
    update(chunk) { hmac.update(chunk); },
    finish: () => compareHmac(signature, hmac.digest(), 'the body'),
  };
}

function compareHmac(signature: HmacSignature, expected: Buffer, what: string): Rejected | undefined {
  // timingSafeEqual throws on unequal lengths, hence the length check first.
  if (signature.received.length !== expected.length || !timingSafeEqual(signature.received, expected)) {
    return rejected(401, `${signature.header} does not match ${what}`);
  }
  return undefined;
}

/**
 * An HMAC over the JSON of a form's `payload` field: the form has to be whole
 * before it can be decoded, so the chunks are kept (the caller keeps them anyway
 * to parse the delivery; these are the same buffers, not copies).
 */
export function createPayloadFieldHmac(signature: HmacSignature, secret: string, field = 'payload'): IncrementalHmac {
  const chunks: Uint8Array[] = [];
  return {
    update(chunk) { chunks.push(chunk); },
    finish() {
      const payload = formFieldBytes(Buffer.concat(chunks), field);
      chunks.length = 0;
      if (payload === undefined) return rejected(401, `${signature.header} does not match the ${field} field: the form has none`);
      return compareHmac(signature, createHmac('sha256', secret).update(payload).digest(), `the ${field} field`);
    },
  };
}

/** The verifier `spec` calls for, given the delivery's Content-Type. */
export function createBodyHmac(signature: HmacSignature, secret: string, spec: HmacHeaderSpec, contentType: string | undefined): IncrementalHmac {
  return spec.formSigned === 'payload-field' && isFormContentType(contentType)
    ? createPayloadFieldHmac(signature, secret)
    : createIncrementalHmac(signature, secret);
}

/**
 * Checks an HMAC-SHA256 hex signature of `rawBody` keyed with `secret`, as
 * octokit's verify does: parse the header, check the length, then compare the
 * bytes with `crypto.timingSafeEqual`.
 */
export function verifyHmacSha256(
  headers: WebhookHeaders,
  rawBody: Uint8Array,
  secret: string,
  spec: HmacHeaderSpec,
  secretName?: string,
): Rejected | undefined {
  const signature = parseHmacSignature(headers, secret, spec, secretName);
  if ('kind' in signature) return signature;
  const hmac = createBodyHmac(signature, secret, spec, headerValue(headers, 'Content-Type'));
  hmac.update(rawBody);
  return hmac.finish();
}

/**
 * Checks a shared-secret header (GitLab's X-Gitlab-Token). Both sides are hashed
 * first so the comparison takes the same time whatever the token's length, and
 * `timingSafeEqual` always sees two 32-byte buffers.
 */
export function verifySharedToken(headers: WebhookHeaders, headerName: string, secret: string): Rejected | undefined {
  if (secret === '') return missingSecret();
  const token = headerValue(headers, headerName);
  if (token === undefined) return rejected(401, `missing ${headerName} header`);
  const received = createHash('sha256').update(token, 'utf8').digest();
  const expected = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(received, expected) ? undefined : rejected(401, `${headerName} does not match the configured secret`);
}

/**
 * Checks HTTP basic auth (`Authorization: Basic base64(user:password)`), as an
 * Azure DevOps service hook sends it. A secret without a colon is the password
 * and any user name passes; `user:password` pins both. Hashed first, like the
 * token, so the comparison does not depend on lengths.
 */
export function verifyBasicAuth(headers: WebhookHeaders, secret: string): Rejected | undefined {
  if (secret === '') return missingSecret();
  const value = headerValue(headers, 'Authorization')?.trim();
  if (value === undefined) return rejected(401, 'missing Authorization header: set basic authentication on the service hook');
  const match = /^basic\s+([A-Za-z0-9+/]+={0,2})$/i.exec(value);
  if (!match) return rejected(401, 'Authorization is not HTTP basic authentication');
  const credentials = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  if (colon < 0) return rejected(401, 'Authorization is not of the form user:password');
  const received = secret.includes(':') ? credentials : credentials.slice(colon + 1);
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(received), digest(secret)) ? undefined : rejected(401, 'Authorization does not match the configured secret');
}

/**
 * Checks that `Authorization` carries the secret, as a registry sends the header
 * its webhook configuration names (distribution's endpoint headers, Harbor's
 * Auth Header): `Bearer <secret>`, or the secret alone (Harbor sends the Auth
 * Header exactly as typed, and people type the token alone). Hashed first, like
 * the token, so the comparison does not depend on lengths.
 */
export function verifyBearerToken(headers: WebhookHeaders, secret: string): Rejected | undefined {
  if (secret === '') return missingSecret();
  const value = headerValue(headers, 'Authorization')?.trim();
  if (value === undefined) return rejected(401, 'missing Authorization header: configure the registry to send Authorization: Bearer <secret>');
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  const received = digest(value);
  // Both compared, always: which form matched must not show in the time taken.
  const asBearer = timingSafeEqual(received, digest(`Bearer ${secret}`));
  const asIs = timingSafeEqual(received, digest(secret));
  return asBearer || asIs ? undefined : rejected(401, 'Authorization does not match the configured secret (expected Bearer <secret>)');
}

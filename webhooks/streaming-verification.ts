/**
 * Verifying a delivery while its body streams in. Everything that can be
 * decided from the headers is decided before a byte of the body is read: the
 * declared length (413), a Content-Encoding Berth does not inflate (400), a
 * missing, malformed or wrong-algorithm signature header (401), and GitLab's
 * token or Azure DevOps' basic auth, which sign nothing and are compared at
 * once (401). What remains is a
 * `BodyVerifier` fed chunk by chunk: an incremental HMAC for the providers that
 * sign the body, nothing for a token. The adapters verify again on the whole
 * body; this module only lets the route refuse early and cheaply.
 */
import { headerValue, rejected } from './delivery.ts';
import { providerAuthentication } from './provider-authentication.ts';
import type { ProviderName, Rejected, WebhookHeaders } from './push-event.ts';
import type { RegistryProviderName } from './registry-events.ts';
import { createBodyHmac, parseHmacSignature, verifyBasicAuth, verifyBearerToken, verifySharedToken } from './signature.ts';

export { providerAuthentication, type ProviderAuthentication } from './provider-authentication.ts';

/** Fed every chunk of the body in order; `finish` says whether the whole body is authentic, once. */
export interface BodyVerifier {
  update(chunk: Uint8Array): void;
  finish(): Rejected | undefined;
}

export interface BeforeBodyOptions {
  readonly secret: string;
  readonly maxBodyBytes: number;
  /** Where Berth's secret for this provider is set, for hints in reasons. */
  readonly secretName?: string;
}

/** What the headers say about the body: its declared length, when there is one. */
export interface BeforeBody {
  readonly kind: 'read-body';
  /** Content-Length, when the request declares one (not chunked). */
  readonly declaredBytes: number | undefined;
  readonly verifier: BodyVerifier;
}

const acceptedEncodings = new Set(['', 'identity']);
const decimal = /^\d{1,16}$/;

/**
 * Checks a delivery's headers before its body is read: 413, 400 or 401 when
 * the headers alone are enough to refuse it, else a verifier for the body.
 * Checks run in the adapters' order: size, then authentication.
 */
export function checkBeforeBody(provider: ProviderName | RegistryProviderName, headers: WebhookHeaders, options: BeforeBodyOptions): Rejected | BeforeBody {
  const length = headerValue(headers, 'Content-Length')?.trim();
  let declaredBytes: number | undefined;
  if (length !== undefined) {
    if (!decimal.test(length)) return rejected(400, 'Content-Length is not a byte count');
    declaredBytes = Number(length);
    if (declaredBytes > options.maxBodyBytes) return rejected(413, `body is ${declaredBytes} bytes, over the limit of ${options.maxBodyBytes}`);
  }
  const encoding = headerValue(headers, 'Content-Encoding')?.trim().toLowerCase() ?? '';
  // No Git host compresses deliveries, and inflating before verifying would hand an unsigned zip bomb the budget.
  if (!acceptedEncodings.has(encoding)) return rejected(400, 'Content-Encoding is not accepted: send the delivery uncompressed');

  const authentication = providerAuthentication[provider];
  if (authentication.kind !== 'hmac') {
    const refusal = authentication.kind === 'token'
      ? verifySharedToken(headers, authentication.header, options.secret)
      : authentication.kind === 'basic' ? verifyBasicAuth(headers, options.secret) : verifyBearerToken(headers, options.secret);
    if (refusal) return refusal;
    return { kind: 'read-body', declaredBytes, verifier: { update() { /* a token or password signs nothing */ }, finish: () => undefined } };
  }
  const signature = parseHmacSignature(headers, options.secret, authentication.spec, options.secretName);
  if ('kind' in signature) return signature;
  return {
    kind: 'read-body',
    declaredBytes,
    verifier: createBodyHmac(signature, options.secret, authentication.spec, headerValue(headers, 'Content-Type')),
  };
}

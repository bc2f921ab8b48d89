/**
 * What every adapter returns: the provider-neutral `PushEvent` and the closed set
 * of outcomes of one delivery. Types and constants only.
 */

export const providerNames = ['github', 'gitlab', 'gitea', 'bitbucket-server', 'bitbucket-cloud', 'azure-devops', 'generic'] as const;
export type ProviderName = (typeof providerNames)[number];

/**
 * The files a push changed, as far as the payload says.
 * - `complete`: every path changed between `before` and `after` (as far as the
 *   payload can tell: GitLab and Gitea do not flag force pushes, see the README).
 * - `partial`: a subset. A listed path that touches an Application is a real
 *   touch; a miss proves nothing, so compare `before..after` yourself.
 * - `unavailable`: the payload lists no files (Bitbucket, a created or deleted
 *   ref, a push that only moved the ref back); compare commits yourself.
 */
export type ChangedPaths =
  | { readonly status: 'complete'; readonly paths: readonly string[] }
  | { readonly status: 'partial'; readonly paths: readonly string[]; readonly reason: string }
  | { readonly status: 'unavailable'; readonly reason: string };

export interface PushedRepository {
  /** Every clone and web URL the payload gives (https, ssh, scp-like), as given. Empty only when `projectPath` is given. */
  readonly urls: readonly string[];
  /**
   * `project/slug`, lower-case, for a payload that names its repository without
   * any URL (Bitbucket Data Center's refs_changed without `links`): matched
   * against the last two path segments of an Application's URL, on any host.
   */
  readonly projectPath?: string;
  /** `owner/repo`, `group/sub/repo`, `PROJECT/repo`, when the payload says. For logs. */
  readonly name?: string;
  /** The repository's default branch, when the payload says; see `refMatchesRevision`. */
  readonly defaultBranch?: string;
}

interface PushEventFields {
  readonly provider: ProviderName;
  /**
   * The provider's id of the delivery, stable across its redeliveries where the
   * provider makes it so. Every event of one delivery carries the same id:
   * deduplicate deliveries, not events.
   */
  readonly deliveryId?: string;
  readonly repository: PushedRepository;
  /** The full ref: `refs/heads/main`, `refs/tags/v1.2.0`. */
  readonly ref: string;
  /** What the ref pointed at before the push; absent when the push created it or the payload does not say. Lower-case hex. */
  readonly before?: string;
  /** The push created the ref (a new branch or tag). */
  readonly created: boolean;
  /** The push was a force push; absent when the provider does not say (GitLab, Gitea, Bitbucket Server). */
  readonly forced?: boolean;
  readonly changedPaths: ChangedPaths;
}

/** One ref moved by one push. `after` is what the ref points at now (lower-case hex), absent exactly when `deleted`. */
export type PushEvent = PushEventFields & ({ readonly deleted: false; readonly after: string } | { readonly deleted: true; readonly after?: undefined });

export type RejectionStatus = 400 | 401 | 404 | 413;

export interface Rejected {
  readonly kind: 'rejected';
  /** 401 bad or missing signature or token, 400 malformed, 413 too large, 404 unknown provider. */
  readonly status: RejectionStatus;
  /** Safe to log and to answer with: never contains the secret or an expected signature. */
  readonly reason: string;
}

/**
 * The outcome of one delivery. `push` carries one event per moved ref: a
 * Bitbucket delivery can move several refs at once.
 */
export type WebhookResult =
  | { readonly kind: 'push'; readonly deliveryId?: string; readonly events: readonly [PushEvent, ...PushEvent[]] }
  | { readonly kind: 'ping'; readonly reason: string }
  | { readonly kind: 'ignored'; readonly reason: string }
  | Rejected;

/** How a caller hands in request headers: Node's `req.headers` (lower-case keys) or a fetch `Headers`. */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface WebhookOptions {
  /** Larger bodies are rejected with 413 before anything else is looked at. Default 25 MiB, GitHub's own cap. */
  readonly maxBodyBytes?: number;
  /** Where Berth's secret for this provider is set (`BERTH_WEBHOOK_SECRET_...`), for hints in reasons. */
  readonly secretName?: string;
}

export const defaultMaxBodyBytes = 25 * 1024 * 1024;

/**
 * One adapter: verify the delivery with `secret`, then parse it. Never throws on
 * any body or header; only a `rawBody` that is not bytes (a wiring mistake) throws a TypeError.
 */
export type WebhookAdapter = (
  headers: WebhookHeaders,
  rawBody: Uint8Array,
  secret: string,
  options?: WebhookOptions,
) => WebhookResult;

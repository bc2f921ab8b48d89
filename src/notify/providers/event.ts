/**
 * The vocabulary shared by the notification core and the providers: what one
 * event says, how a provider is configured, the one HTTP function a provider may
 * use, and what a delivery attempt came to. Types only, so every provider and
 * the core import it without importing each other.
 */

/** Events from Berth's own state-machine transitions, never inferred from polled status. */
export const NotificationEventType = {
  SyncStarted: 'SyncStarted',
  Synced: 'Synced',
  SyncFailed: 'SyncFailed',
  Healthy: 'Healthy',
  Degraded: 'Degraded',
  RolledBack: 'RolledBack',
  RollbackFailed: 'RollbackFailed',
  HeldBack: 'HeldBack',
  DriftDetected: 'DriftDetected',
  DriftHealed: 'DriftHealed',
  Stalled: 'Stalled',
} as const;
export type NotificationEventType = (typeof NotificationEventType)[keyof typeof NotificationEventType];

export const NotificationSeverity = { info: 'info', warning: 'warning', error: 'error' } as const;
export type NotificationSeverity = (typeof NotificationSeverity)[keyof typeof NotificationSeverity];

export interface NotificationApplication {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /**
   * The Application's `spec.source.repoURL` (https, ssh or scp form). Git-host
   * providers take owner and repository from it, and nothing else: the host the
   * token goes to comes from the provider's configuration.
   */
  readonly repoURL?: string;
  /** `spec.source.targetRevision`: the branch a revert pull request targets (revert-pull-request.ts). */
  readonly targetRevision?: string;
}

export interface NotificationCommit {
  readonly subject: string;
  readonly author: string;
  /** A link to the commit on its host, when known. */
  readonly url?: string;
}

export interface NotificationObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface NotificationEvent {
  /** Stable per (Application, type, revision); the CloudEvents `id` and the receiver's dedupe key. */
  readonly id: string;
  readonly type: NotificationEventType;
  readonly severity: NotificationSeverity;
  readonly application: NotificationApplication;
  /**
   * The revision the event is about. For RolledBack, RollbackFailed and HeldBack
   * that is the BAD revision (rolled back from, not re-applied): commit status
   * `failure` goes on it, and the rollback target's status is left as it was
   * (`success`, from when it was Healthy).
   */
  readonly revision: string;
  /** The revision the cluster ran before; for RolledBack, the target it runs again. */
  readonly previousRevision?: string;
  /** The commit of `revision`. */
  readonly commit?: NotificationCommit;
  /** Why, in one line (the condition message or the rollback reason). Already free of secrets. */
  readonly reason: string;
  /** The object that decided it (the Deployment that did not become available, ...). */
  readonly object?: NotificationObject;
  /** The console page of the Application, when a console URL is configured. */
  readonly consoleUrl?: string;
  /** When the transition happened, RFC 3339. */
  readonly time: string;
}

export const ProviderKind = {
  slack: 'slack',
  mattermost: 'mattermost',
  rocketchat: 'rocketchat',
  msteams: 'msteams',
  webhook: 'webhook',
  github: 'github',
  gitlab: 'gitlab',
  gitea: 'gitea',
  forgejo: 'forgejo',
  bitbucket: 'bitbucket',
  githubComment: 'github-comment',
  gitlabComment: 'gitlab-comment',
} as const;
export type ProviderKind = (typeof ProviderKind)[keyof typeof ProviderKind];

export interface ProviderOptions {
  /** Chat providers: post to this channel instead of the webhook's default (Slack legacy webhooks, Mattermost, Rocket.Chat). */
  readonly channel?: string;
  /** Chat providers: the name to post as, where the receiver allows it. */
  readonly username?: string;
  /** Bitbucket app passwords: the account name; without it the token goes as a Bearer access token. */
  readonly tokenUsername?: string;
  /** Per request; a request that takes longer is retried. Default 10 s. */
  readonly timeoutMs?: number;
  /**
   * Allow an `http://` address. Off by default: a token or a signed body over
   * plain HTTP can be read on the way. The core sets it only where the
   * controller's policy allows plain HTTP (tests on loopback, a mesh with mTLS).
   */
  readonly allowHttp?: boolean;
}

/**
 * One provider as the core resolved it from a NotificationProvider and its Secret.
 * `address`, `token` and `secret` are secret values: no outcome, error or log
 * line ever contains them (a Slack webhook URL is itself a credential).
 */
export interface ProviderConfig {
  readonly kind: ProviderKind;
  /** `namespace/name` of the NotificationProvider, for messages. */
  readonly name: string;
  /**
   * Chat and webhook kinds: the URL to post to (required).
   * Git-host kinds: the host's web base URL, e.g. `https://gitlab.example.com`
   * (defaults: github.com, gitlab.com, bitbucket.org; required for Gitea/Forgejo).
   * The API base is derived from it and the Application's repository must be on
   * the same host, so a hostile repoURL never sends the token elsewhere.
   */
  readonly address?: string;
  /** Git-host kinds: the API token. */
  readonly token?: string;
  /** Webhook kind: the HMAC-SHA256 key of `X-Berth-Signature`. */
  readonly secret?: string;
  readonly options?: ProviderOptions;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The one way a provider reaches the network. It resolves with any HTTP status
 * (a 500 is a response, not an error) and rejects only when there is no
 * response: refused, reset, timed out, or refused by the network policy. It
 * never follows redirects (a redirect could carry the token to another host).
 */
export type HttpPost = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * What one attempt came to. `retry` is for the queue to try again (after
 * `retryAfterMs` when the receiver said so); `dropped` will not get better by
 * retrying (bad token, unknown repository, bad configuration); `skipped` means
 * this provider has nothing to say about this event (a commit status for
 * DriftDetected). No reason ever holds a token, a secret or a webhook address.
 */
export type DeliveryOutcome =
  | { readonly result: 'delivered'; readonly status: number; readonly detail?: string }
  | { readonly result: 'retry'; readonly reason: string; readonly retryAfterMs?: number; readonly status?: number }
  | { readonly result: 'dropped'; readonly reason: string; readonly status?: number }
  | { readonly result: 'skipped'; readonly reason: string };

export interface SendOptions {
  /** Milliseconds since the epoch; for an HTTP-date Retry-After. */
  readonly now?: () => number;
}

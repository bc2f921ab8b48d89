/**
 * The two kinds that say where notifications go (`berth.dev/v1alpha1`,
 * namespaced), as zod schemas: Berth validates with them, and the CRDs in
 * charts/berth/crds/ are generated from them (`npm run generate`).
 *
 * - A NotificationProvider is one receiver: its kind (Slack-compatible, Teams,
 *   a signed CloudEvents webhook, a Git host's commit status or comment) and a
 *   Secret of its own namespace holding what is secret (the webhook address, a
 *   token, an HMAC key). The Secret is named, never its namespace: a tenant
 *   cannot point Berth at another namespace's Secret.
 * - A NotificationRule picks Applications of its namespace (by name or label)
 *   and events (by type or severity) and names providers of its namespace.
 *   Rules in the controller's namespace pick Applications of every namespace
 *   (cluster-wide), still with providers of the controller's namespace only.
 */
import { z } from 'zod';
import { NotificationEventType, NotificationSeverity, ProviderKind } from '../providers/event.ts';

export const notificationProviderKind = 'NotificationProvider';
export const notificationProviderPlural = 'notificationproviders';
export const notificationRuleKind = 'NotificationRule';
export const notificationRulePlural = 'notificationrules';

/** The collection path of a kind, in one namespace or all. */
export function notificationPath(plural: string, namespace?: string): string {
  return namespace ? `/apis/berth.dev/v1alpha1/namespaces/${encodeURIComponent(namespace)}/${plural}` : `/apis/berth.dev/v1alpha1/${plural}`;
}

const objectName = z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'must be a Kubernetes object name (lower-case letters, digits, - and .)' });
const secretKey = z.string().min(1).max(253).regex(/^[-._a-zA-Z0-9]+$/, { message: 'must be a Secret key (letters, digits, -, _ and .)' });

export const notificationProviderExample = {
  type: 'slack',
  secretRef: { name: 'team-a-slack' },
  channel: '#deploys',
};

export const notificationProviderSpecSchema = z.strictObject({
  type: z.enum(Object.values(ProviderKind) as [ProviderKind, ...ProviderKind[]])
    .describe('slack, mattermost, rocketchat, msteams, webhook (CloudEvents 1.0, HMAC-signed), github, gitlab, gitea, forgejo, bitbucket (commit status), github-comment, gitlab-comment (one comment, updated in place).'),
  address: z.string().min(1).max(2048).optional()
    .describe('Git-host kinds: the host\'s web base URL (default github.com, gitlab.com, bitbucket.org; required for Gitea/Forgejo). Chat and webhook addresses are credentials: they go in the Secret\'s `address` key.'),
  secretRef: z.strictObject({
    name: objectName.describe('A Secret in this namespace.'),
    addressKey: secretKey.optional().describe('Key of the webhook address (default `address`).'),
    tokenKey: secretKey.optional().describe('Key of the API token (default `token`).'),
    secretKey: secretKey.optional().describe('Key of the HMAC key of the webhook kind (default `secret`).'),
  }).optional().describe('The Secret of this namespace holding the address, token or HMAC key.'),
  channel: z.string().min(1).max(200).optional().describe('Chat kinds: post to this channel instead of the webhook\'s default.'),
  username: z.string().min(1).max(200).optional().describe('Chat kinds: the name to post as.'),
  tokenUsername: z.string().min(1).max(200).optional().describe('Bitbucket app passwords: the account name.'),
  timeoutSeconds: z.number().int().min(1).max(60).optional().describe('Per request (default 10); a receiver slower than this is retried.'),
  suspend: z.boolean().optional().describe('true: send nothing to this provider.'),
}).meta({ example: notificationProviderExample });

export type NotificationProviderSpec = z.output<typeof notificationProviderSpecSchema>;

export const notificationRuleExample = {
  providerRefs: [{ name: 'team-a-slack' }],
  applications: { matchLabels: { team: 'a' } },
  events: ['RolledBack', 'RollbackFailed', 'Degraded'],
};

export const notificationRuleSpecSchema = z.strictObject({
  providerRefs: z.array(z.strictObject({ name: objectName.describe('A NotificationProvider in this namespace.') })).min(1, { message: 'must name at least one provider' })
    .describe('Providers of this namespace to send to.'),
  applications: z.strictObject({
    names: z.array(objectName).optional().describe('Application names; absent: any.'),
    matchLabels: z.record(z.string(), z.string()).optional().describe('Labels every selected Application carries; absent: any.'),
  }).optional().describe('Which Applications: of this namespace, or of every namespace for a rule in the controller\'s namespace. Absent: all.'),
  events: z.array(z.enum(Object.values(NotificationEventType) as [NotificationEventType, ...NotificationEventType[]])).optional()
    .describe('Event types to send; absent: every type at or above `severity`.'),
  severity: z.enum(Object.values(NotificationSeverity) as [NotificationSeverity, ...NotificationSeverity[]]).optional()
    .describe('The least severity sent (info, warning, error); default info.'),
  suspend: z.boolean().optional().describe('true: this rule sends nothing.'),
}).meta({ example: notificationRuleExample });

export type NotificationRuleSpec = z.output<typeof notificationRuleSpecSchema>;

/**
 * The notification providers' one entry point for the notification core:
 * `sendNotification(config, event, http)` makes one delivery attempt and says
 * what it came to. Message formatting is pure (chat.ts, teams.ts,
 * cloudevents.ts, commit-status.ts, comment.ts build payloads from the event);
 * the network is reached only through the `HttpPost` handed in, so the core
 * decides timeouts, the network policy and where a request may go, and the
 * queue decides when to retry (see DeliveryOutcome).
 *
 * Promises: never throws for a receiver's behaviour (every HTTP status, a
 * refused connection and a timeout are outcomes); no outcome carries a token,
 * a signing secret or a webhook address.
 */
import { sendChat } from './chat.ts';
import { sendCloudEvent } from './cloudevents.ts';
import { sendComment } from './comment.ts';
import { sendCommitStatus } from './commit-status.ts';
import type { DeliveryOutcome, HttpPost, NotificationEvent, ProviderConfig, SendOptions } from './event.ts';
import { sendTeams } from './teams.ts';

export type {
  DeliveryOutcome, HttpPost, HttpRequest, HttpResponse, NotificationApplication, NotificationCommit, NotificationEvent,
  NotificationObject, ProviderConfig, ProviderOptions, SendOptions,
} from './event.ts';
export { NotificationEventType, NotificationSeverity, ProviderKind } from './event.ts';
export { signatureHeader } from './cloudevents.ts';
export { openRevertPullRequest } from './revert-pull-request.ts';

export async function sendNotification(config: ProviderConfig, event: NotificationEvent, http: HttpPost, options: SendOptions = {}): Promise<DeliveryOutcome> {
  const now = (options.now ?? Date.now)();
  switch (config.kind) {
    case 'slack':
    case 'mattermost':
    case 'rocketchat':
      return sendChat(config, event, http, now);
    case 'msteams':
      return sendTeams(config, event, http, now);
    case 'webhook':
      return sendCloudEvent(config, event, http, now);
    case 'github':
    case 'gitlab':
    case 'gitea':
    case 'forgejo':
    case 'bitbucket':
      return sendCommitStatus(config, event, http, now);
    case 'github-comment':
    case 'gitlab-comment':
      return sendComment(config, event, http, now);
  }
}

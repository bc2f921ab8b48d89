/**
 * Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook
 * request is received"): a `message` whose one attachment is an Adaptive Card,
 * the payload that workflow template expects since Office 365 connectors were
 * retired. The card carries the severity as a container style and a FactSet;
 * TextBlocks render a Markdown subset, so hostile text is escaped.
 */
import type { DeliveryOutcome, HttpPost, NotificationEvent, NotificationSeverity, ProviderConfig } from './event.ts';
import { exchange, isOutcome, outcomeOfResponse, parseAddress, redactorFor } from './http-outcome.ts';
import { facts, primaryLink, revisionLine, title } from './message.ts';

/**
 * Teams renders a Markdown subset in TextBlocks and FactSets and Adaptive
 * Cards document no escape character, so only what could mislead is broken: a link
 * (`[text](url)`) gets a zero-width space between `]` and `(`. Mentions need
 * `msteams.entities`, which Berth never sends, so `@channel` pings nobody.
 */
export function escapeTeams(text: string): string {
  return text.replace(/\]\(/g, ']\u200b(');
}

const containerStyle: Record<NotificationSeverity, string> = { info: 'good', warning: 'warning', error: 'attention' };
const textColour: Record<NotificationSeverity, string> = { info: 'Good', warning: 'Warning', error: 'Attention' };

export function teamsPayload(event: NotificationEvent): Record<string, unknown> {
  const link = primaryLink(event);
  const card: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      {
        type: 'Container',
        style: containerStyle[event.severity],
        bleed: true,
        items: [
          { type: 'TextBlock', text: escapeTeams(title(event)), weight: 'Bolder', size: 'Medium', color: textColour[event.severity], wrap: true },
          { type: 'TextBlock', text: escapeTeams(revisionLine(event)), wrap: true, spacing: 'None' },
        ],
      },
      {
        type: 'FactSet',
        facts: facts(event).filter((fact) => fact.label !== 'Revision').map((fact) => ({ title: fact.label, value: escapeTeams(fact.value) })),
      },
      { type: 'TextBlock', text: `Berth · ${event.time}`, isSubtle: true, size: 'Small', wrap: true },
    ],
  };
  if (link !== undefined) card['actions'] = [{ type: 'Action.OpenUrl', title: event.consoleUrl === link ? 'Open in Berth' : 'Open commit', url: link }];
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}

export async function sendTeams(config: ProviderConfig, event: NotificationEvent, http: HttpPost, now: number): Promise<DeliveryOutcome> {
  const url = parseAddress(config, config.address);
  if (typeof url === 'string') return { result: 'dropped', reason: url };
  const what = `msteams workflow of ${config.name} (${url.host})`;
  const response = await exchange(http, {
    method: 'POST',
    url: url.toString(),
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(teamsPayload(event)),
  }, config, what);
  return isOutcome(response) ? response : outcomeOfResponse(response, what, redactorFor(config), now);
}

/**
 * Slack-compatible incoming webhooks. Slack gets Block Kit blocks inside a
 * coloured attachment (the colour bar is only available on attachments);
 * Mattermost and Rocket.Chat get the classic attachment (title, title_link,
 * text, fields, color) that both document. Hostile text is escaped for each:
 * Slack's mrkdwn treats `<`, `>` and `&` as control characters (`<!channel>`
 * pings everybody), Mattermost and Rocket.Chat render Markdown and `@channel`.
 */
import type { DeliveryOutcome, HttpPost, NotificationEvent, ProviderConfig } from './event.ts';
import { exchange, isOutcome, outcomeOfResponse, parseAddress, redactorFor } from './http-outcome.ts';
import { facts, primaryLink, revisionLine, severityColour, title } from './message.ts';

/** Slack's three control characters, as https://api.slack.com/reference/surfaces/formatting#escaping says. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Markdown made literal (CommonMark backslash-escapes any ASCII punctuation, `<`
 * included, so a commit subject cannot open raw HTML or a link), and mentions
 * broken with a zero-width space so `@channel` in a commit subject pings nobody.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-!|~<>]/g, '\\$&').replace(/@/g, '@\u200b');
}

export function slackPayload(event: NotificationEvent, config: ProviderConfig): Record<string, unknown> {
  const link = primaryLink(event);
  const heading = escapeSlack(title(event));
  const fields = facts(event).filter((fact) => fact.label !== 'Application');
  const payload: Record<string, unknown> = {
    text: `${heading}: ${escapeSlack(revisionLine(event))}`,
    attachments: [
      {
        color: severityColour[event.severity],
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `*${link === undefined ? heading : `<${link}|${heading}>`}*` } },
          { type: 'section', fields: fields.slice(0, 10).map((fact) => ({ type: 'mrkdwn', text: `*${fact.label}*\n${escapeSlack(fact.value)}` })) },
          { type: 'context', elements: [{ type: 'mrkdwn', text: `Berth · ${escapeSlack(event.time)}` }] },
        ],
      },
    ],
  };
  return withChannel(payload, config);
}

export function markdownAttachmentPayload(event: NotificationEvent, config: ProviderConfig): Record<string, unknown> {
  const link = primaryLink(event);
  const heading = escapeMarkdown(title(event));
  const attachment: Record<string, unknown> = {
    fallback: `${title(event)}: ${revisionLine(event)}`,
    color: severityColour[event.severity],
    title: heading,
    text: escapeMarkdown(revisionLine(event)),
    fields: facts(event)
      .filter((fact) => fact.label !== 'Application' && fact.label !== 'Revision')
      .map((fact) => ({ title: fact.label, value: escapeMarkdown(fact.value), short: fact.label !== 'Commit' && fact.label !== 'Reason' })),
  };
  if (link !== undefined) attachment['title_link'] = link;
  return withChannel({ text: heading, attachments: [attachment] }, config);
}

function withChannel(payload: Record<string, unknown>, config: ProviderConfig): Record<string, unknown> {
  const result = { ...payload };
  if (config.options?.channel !== undefined) result['channel'] = config.options.channel;
  if (config.options?.username !== undefined) result['username'] = config.options.username;
  return result;
}

export async function sendChat(config: ProviderConfig, event: NotificationEvent, http: HttpPost, now: number): Promise<DeliveryOutcome> {
  const url = parseAddress(config, config.address);
  if (typeof url === 'string') return { result: 'dropped', reason: url };
  const payload = config.kind === 'slack' ? slackPayload(event, config) : markdownAttachmentPayload(event, config);
  const what = `${config.kind} webhook of ${config.name} (${url.host})`;
  const response = await exchange(http, {
    method: 'POST',
    url: url.toString(),
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(payload),
  }, config, what);
  return isOutcome(response) ? response : outcomeOfResponse(response, what, redactorFor(config), now);
}

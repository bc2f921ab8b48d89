/**
 * The words of a notification, the same for every provider: a title, a one-line
 * summary and labelled facts. Pure. Commit subjects, authors and reasons come
 * from a repository or a cluster and are hostile: each chat format escapes them
 * (see chat.ts, teams.ts); here they are only shortened.
 */
import type { NotificationEvent, NotificationEventType, NotificationSeverity } from './event.ts';

const verbs: Record<NotificationEventType, string> = {
  SyncStarted: 'is syncing',
  Synced: 'synced',
  SyncFailed: 'failed to sync',
  Healthy: 'is healthy',
  Degraded: 'is degraded',
  RolledBack: 'was rolled back',
  RollbackFailed: 'could not be rolled back',
  HeldBack: 'held back a bad revision',
  DriftDetected: 'drifted from Git',
  DriftHealed: 'drift was healed',
  Stalled: 'is stalled',
};

/** Hex colours by severity (Slack-style attachments, Teams' container styles follow the same three). */
export const severityColour: Record<NotificationSeverity, string> = { info: '#2eb886', warning: '#daa038', error: '#a30200' };

export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40,64}$/i.test(revision) ? revision.slice(0, 7) : revision;
}

/** One line, at most `max` characters: hostile text must not fill a channel. */
export function oneLine(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is being removed
  const flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function applicationName(event: NotificationEvent): string {
  return `${event.application.namespace}/${event.application.name}`;
}

export function title(event: NotificationEvent): string {
  return oneLine(`${applicationName(event)} ${verbs[event.type]}`, 200);
}

function objectName(event: NotificationEvent): string | undefined {
  const object = event.object;
  if (!object) return undefined;
  return oneLine([object.kind, object.namespace, object.name].filter((part) => part !== undefined && part !== '').join('/'), 200);
}

/** What happened to which revision, e.g. `rolled back from 3f2c1a2 to 9ab12cd`. */
export function revisionLine(event: NotificationEvent): string {
  const revision = shortRevision(event.revision);
  const previous = event.previousRevision === undefined ? undefined : shortRevision(event.previousRevision);
  switch (event.type) {
    case 'RolledBack':
      return previous === undefined ? `rolled back from ${revision}` : `rolled back from ${revision} to ${previous}`;
    case 'RollbackFailed':
      return previous === undefined ? `${revision} could not be rolled back` : `${revision} could not be rolled back to ${previous}`;
    case 'HeldBack':
      return `${revision} is not applied again until a new commit arrives`;
    case 'Synced':
      return previous === undefined ? `applied ${revision}` : `applied ${revision} (was ${previous})`;
    default:
      return `revision ${revision}`;
  }
}

export interface Fact {
  readonly label: string;
  readonly value: string;
}

/** The labelled facts of an event, in display order; every value already one line. */
export function facts(event: NotificationEvent): Fact[] {
  const list: Fact[] = [
    { label: 'Application', value: applicationName(event) },
    { label: 'Event', value: event.type },
    { label: 'Revision', value: revisionLine(event) },
  ];
  if (event.commit) {
    list.push({ label: 'Commit', value: oneLine(event.commit.subject, 200) });
    list.push({ label: 'Author', value: oneLine(event.commit.author, 100) });
  }
  const object = objectName(event);
  if (object !== undefined) list.push({ label: 'Object', value: object });
  if (event.reason.trim() !== '') list.push({ label: 'Reason', value: oneLine(event.reason) });
  return list;
}

/**
 * A link worth following: the console page, else the commit. Only http(s)
 * links are offered, in their URL form with the characters that end a link in
 * Slack's `<url|text>` or Markdown's `[text](url)` percent-encoded, so a
 * hostile link cannot close the syntax around it.
 */
export function primaryLink(event: NotificationEvent): string | undefined {
  for (const link of [event.consoleUrl, event.commit?.url]) {
    if (link !== undefined && isWebLink(link)) {
      return new URL(link).toString().replace(/[|()<>"'`[\]\s]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
    }
  }
  return undefined;
}

export function isWebLink(link: string): boolean {
  try {
    const url = new URL(link);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

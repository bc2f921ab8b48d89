/**
 * What the console says in words: conditions, who started an operation, a
 * rollback as one sentence, change counts, times. Pure; unit-tested beside.
 */
import type { Condition, HistoryItem, Initiator } from '../api/types.ts';

const short = (sha: string): string => (/^[0-9a-f]{40,64}$/i.test(sha) ? sha.slice(0, 7) : sha);

/** A kstatus condition as a sentence a person reads. */
export function conditionInWords(condition: Condition): string {
  const message = condition.message.trim();
  const reason = condition.reason.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  const why = message || reason;
  switch (condition.type) {
    case 'Ready':
      if (condition.status === 'True') return `Ready: ${why}`;
      // The reason says what is missing ("out of sync"); the message alone may only describe the health.
      if (condition.status === 'False') return message && reason ? `Not ready (${reason}): ${message}` : `Not ready: ${why}`;
      return `Readiness unknown: ${why}`;
    case 'Reconciling':
      return condition.status === 'True' ? `Working on it: ${why}` : `Not reconciling: ${why}`;
    case 'Stalled':
      return condition.status === 'True' ? `Stuck, needs a person: ${why}` : `Not stalled: ${why}`;
    default:
      return `${condition.type} is ${condition.status}: ${why}`;
  }
}

/** Which conditions are worth a person's attention (shown first, marked). */
export function isTroubling(condition: Condition): boolean {
  if (condition.type === 'Ready') return condition.status !== 'True';
  if (condition.type === 'Stalled') return condition.status === 'True';
  return false;
}

const initiatorWords: Record<Initiator, string> = {
  poll: 'poll',
  webhook: 'webhook',
  manual: 'manual',
  rollback: 'automatic rollback',
};

export function initiatorInWords(initiator: Initiator): string {
  return initiatorWords[initiator];
}

/** "a1b2c3d failed on Deployment/api: ...; rolled back to 9f8e7d6; a1b2c3d held back until the branch moves" */
export function rollbackInWords(entry: HistoryItem): string | undefined {
  const rollback = entry.rollback;
  if (!rollback) return undefined;
  const from = short(rollback.from);
  const why = rollback.why.trim();
  const failed = why ? (why.startsWith(from) ? why : `${from} failed: ${why}`) : `${from} failed`;
  const parts = [failed.replace(/[.;\s]+$/, ''), `rolled back to ${short(rollback.to)}`];
  if (rollback.heldBack) parts.push(`${from} held back until the branch moves`);
  return parts.join('; ');
}

/** "1 created, 2 configured" from a change summary; unchanged and zero counts left out. */
export function changesInWords(changes: Record<string, number> | null | undefined): string {
  if (!changes) return '';
  return Object.entries(changes).filter(([action, count]) => count > 0 && action !== 'unchanged').map(([action, count]) => `${String(count)} ${action}`).join(', ');
}

/** "3 min ago", "2 h ago", or the date; `now` injected for tests. */
export function ago(time: string | null | undefined, now = Date.now()): string {
  if (!time) return '';
  const then = Date.parse(time);
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((now - then) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${String(seconds)} s ago`;
  if (seconds < 3600) return `${String(Math.floor(seconds / 60))} min ago`;
  if (seconds < 86_400) return `${String(Math.floor(seconds / 3600))} h ago`;
  return new Date(then).toISOString().slice(0, 10);
}

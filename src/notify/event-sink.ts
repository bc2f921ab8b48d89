/**
 * The narrow interface the reconcile tells its transitions through, and the
 * notifier behind it: each transition becomes a NotificationEvent (the
 * Application, revision, commit subject and author, previous revision, reason,
 * console link), is matched against the NotificationRules known now, and
 * becomes one queued job per provider (queue.ts). Nothing is sent here.
 *
 * Promises:
 * - a reconcile is never slowed by more than `timeoutMs` and never fails
 *   because of notifications: what could not be queued is logged;
 * - the reason, commit subject and author pass the credential redactor that
 *   Kubernetes Events pass (application/events.ts), so a token an error text
 *   echoed is masked in a message too;
 * - drift moves are remembered per Application in Redis (drift.ts), so the
 *   first check of a freshly applied revision is a baseline, not "drift".
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { redactCredentials } from '../application/events.ts';
import { driftMove, type DriftMemory, type DriftObservation } from './drift.ts';
import type { NotificationCommit, NotificationEvent } from './providers/provider.ts';
import type { NotificationQueue } from './queue.ts';
import { providersFor, type KnownRule } from './resources/match.ts';
import { severityOf, type TransitionEvent } from './transitions.ts';

export interface NotifiedApp {
  /** `namespace/name`. */
  key: string;
  namespace: string;
  name: string;
  /** The Application's uid; its key for an Application from a file, which has none. */
  uid: string;
  labels: Readonly<Record<string, string>>;
  repoURL: string;
  /** Subject and author of a commit of its repository, when the local cache has it. */
  commit(revision: string): Promise<NotificationCommit | undefined>;
}

export interface EventSink {
  /** One reconcile step's transitions; called before its release record is saved, so a step run again re-tells them and the queue sends once. */
  tell(app: NotifiedApp, events: readonly TransitionEvent[]): Promise<void>;
  /** The drift status of the running revision, as this reconcile's drift check found it. */
  drift(app: NotifiedApp, seen: DriftObservation): Promise<void>;
}

export const silentEventSink: EventSink = { tell: () => Promise.resolve(), drift: () => Promise.resolve() };

export interface NotifierOptions {
  queue: Pick<NotificationQueue, 'add'>;
  rules(): readonly KnownRule[];
  redis: Redis;
  prefix: string;
  controllerNamespace: string;
  /** --console-url: the base the console link of each event is made from. */
  consoleUrl?: string | undefined;
  log: { warn(fields: object, message: string): void; debug(fields: object, message: string): void };
  /** How long telling may take before the reconcile goes on without it. Default 3 s. */
  timeoutMs?: number;
  now?: () => Date;
}

const driftMemorySchema = z.object({ revision: z.string(), status: z.enum(['Synced', 'OutOfSync']), epoch: z.number().int() });

function consoleLink(base: string | undefined, app: NotifiedApp): string | undefined {
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/applications/${encodeURIComponent(app.namespace)}/${encodeURIComponent(app.name)}`;
}

/** The event as providers get it. */
export async function notificationEventOf(app: NotifiedApp, event: TransitionEvent, at: Date, consoleUrl: string | undefined): Promise<NotificationEvent> {
  const commit = await app.commit(event.revision).catch(() => undefined);
  const link = consoleLink(consoleUrl, app);
  return {
    id: `${app.uid}:${event.type}:${event.revision}:${event.occurrence}`,
    type: event.type,
    severity: severityOf[event.type],
    application: { namespace: app.namespace, name: app.name, uid: app.uid, repoURL: app.repoURL },
    revision: event.revision,
    ...(event.previousRevision ? { previousRevision: event.previousRevision } : {}),
    ...(commit ? { commit: { subject: redactCredentials(commit.subject).slice(0, 300), author: redactCredentials(commit.author).slice(0, 200), ...(commit.url ? { url: commit.url } : {}) } } : {}),
    reason: redactCredentials(event.reason).slice(0, 2_000),
    ...(event.object ? { object: event.object } : {}),
    ...(link ? { consoleUrl: link } : {}),
    time: at.toISOString(),
  };
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => { timer = setTimeout(() => { reject(new Error(`not queued within ${ms} ms`)); }, ms); });
  return Promise.race([work, timeout]).finally(() => { clearTimeout(timer); });
}

export function createNotifier(options: NotifierOptions): EventSink {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const now = options.now ?? (() => new Date());
  const driftKey = (app: NotifiedApp): string => `${options.prefix}:notify:drift:${app.uid}`;

  const enqueue = async (app: NotifiedApp, events: readonly TransitionEvent[]): Promise<void> => {
    const at = now();
    const rules = options.rules();
    // One commit read per revision, and every job added at once: a step's three events reach the queue together.
    const commits = new Map<string, Promise<NotificationCommit | undefined>>();
    const commitOf = (revision: string): Promise<NotificationCommit | undefined> => {
      let found = commits.get(revision);
      if (!found) commits.set(revision, found = app.commit(revision).catch(() => undefined));
      return found;
    };
    const described: NotifiedApp = { ...app, commit: commitOf };
    await Promise.all(events.map(async (transition) => {
      const targets = providersFor(rules, { namespace: app.namespace, name: app.name, labels: app.labels }, { type: transition.type, severity: severityOf[transition.type] }, options.controllerNamespace);
      if (targets.length === 0) return;
      const event = await notificationEventOf(described, transition, at, options.consoleUrl);
      await Promise.all(targets.map(async (provider) => {
        const added = await options.queue.add({ app: app.key, provider, event, transitionAt: at.getTime() });
        options.log.debug({ app: app.key, event: event.type, revision: event.revision, provider: `${provider.namespace}/${provider.name}`, added }, 'notification queued');
      }));
    }));
  };
  const guarded = async (app: NotifiedApp, what: string, work: () => Promise<void>): Promise<void> => {
    await withTimeout(work(), timeoutMs).catch((error: unknown) => {
      options.log.warn({ app: app.key, err: error instanceof Error ? error.message : String(error) }, `${what}: notifications not queued`);
    });
  };

  return {
    async tell(app, events) {
      if (events.length === 0) return;
      await guarded(app, 'release transition', () => enqueue(app, events));
    },
    async drift(app, seen) {
      await guarded(app, 'drift check', async () => {
        const raw = await options.redis.get(driftKey(app));
        let previous: DriftMemory | undefined;
        try {
          const parsed = raw === null ? undefined : driftMemorySchema.safeParse(JSON.parse(raw));
          previous = parsed?.success ? parsed.data : undefined;
        } catch {
          previous = undefined;
        }
        const move = driftMove(previous, seen);
        // Queued before the memory moves: a reconcile cut off in between tells it again, and the queue sends once.
        if (move.event) await enqueue(app, [move.event]);
        if (move.memory && JSON.stringify(move.memory) !== JSON.stringify(previous)) {
          await options.redis.set(driftKey(app), JSON.stringify(move.memory), 'EX', 30 * 24 * 3_600);
        }
      });
    },
  };
}

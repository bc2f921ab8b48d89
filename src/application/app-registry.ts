/**
 * The Applications this controller knows, from the `--apps` file and from the
 * cluster watch, each either valid (parsed, with its spec) or invalid (with the
 * problems that name its fields). The registry answers the questions the queue
 * asks: which Application a job names, which Applications track a (repository,
 * ref) a poll job is about, and which poll schedulers should exist.
 */
import { normalizeRepositoryUrl } from '../../webhooks/index.ts';
import {
  formatApplicationKey, parseApplication, resolveApplicationSpec,
  type Application, type ApplicationKey, type ApplicationProblem, type ResolvedApplicationSpec,
} from './index.ts';
import type { PollTarget } from '../queue/poll-schedulers.ts';

export type AppOrigin = 'file' | 'cluster';

export type RegisteredApp =
  | { key: string; origin: AppOrigin; valid: true; application: Application; spec: ResolvedApplicationSpec }
  | { key: string; origin: AppOrigin; valid: false; raw: unknown; problems: ApplicationProblem[]; message: string };

export interface AppRegistry {
  get(key: string): RegisteredApp | undefined;
  list(): RegisteredApp[];
  /** Adds or replaces an Application; returns what was registered. */
  upsert(raw: unknown, origin: AppOrigin, where: string): RegisteredApp;
  remove(key: string): boolean;
  /** The key of the (repository, ref) an Application polls: normalized URL and target revision. */
  pollKeyOf(app: RegisteredApp): string | undefined;
  /** Valid Applications tracking a poll key. */
  tracking(pollKey: string): string[];
  /** One poll target per (repository, ref), at the shortest interval any Application asks for. */
  pollTargets(): PollTarget[];
}

export function keyOf(app: ApplicationKey): string {
  return formatApplicationKey(app);
}

export interface AppRegistryOptions {
  /**
   * The poll key of a chart or OCI source (src/source/helm-poll-key.ts), handed in by the
   * controller so this folder does not import src/source (which reaches it through src/policy).
   */
  chartPollKey?(source: { repoURL: string; chart?: string | undefined }): string | undefined;
}

export function createAppRegistry(options: AppRegistryOptions = {}): AppRegistry {
  const apps = new Map<string, RegisteredApp>();

  const pollKeyOf = (app: RegisteredApp): string | undefined => {
    if (!app.valid) return undefined;
    const source = app.spec.source;
    // A chart or OCI artifact polls per (repository, chart, revision): one index or tag read serves all that share it.
    const chartKey = options.chartPollKey?.(source);
    if (chartKey !== undefined) return `${chartKey}@${source.targetRevision}`;
    return `${normalizeRepositoryUrl(source.repoURL)}@${source.targetRevision}`;
  };

  return {
    get: (key) => apps.get(key),
    list: () => [...apps.values()],
    upsert(raw, origin, where) {
      const parsed = parseApplication(raw, where);
      const key = keyOf(parsed.ok ? parsed.application.metadata : parsed.key);
      const registered: RegisteredApp = parsed.ok
        ? { key, origin, valid: true, application: parsed.application, spec: resolveApplicationSpec(parsed.application.spec) }
        : { key, origin, valid: false, raw, problems: parsed.problems, message: parsed.message };
      apps.set(key, registered);
      return registered;
    },
    remove: (key) => apps.delete(key),
    pollKeyOf,
    tracking(pollKey) {
      return [...apps.values()].filter((app) => pollKeyOf(app) === pollKey).map((app) => app.key);
    },
    pollTargets() {
      const targets: PollTarget[] = [];
      for (const app of apps.values()) {
        // Manual-sync Applications are still polled: their status must show when Git moved on.
        const key = pollKeyOf(app);
        if (key === undefined || !app.valid) continue;
        targets.push({ key, repoURL: app.spec.source.repoURL, ref: app.spec.source.targetRevision, everyMs: app.spec.pollIntervalMs });
      }
      return targets;
    },
  };
}

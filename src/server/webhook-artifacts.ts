/**
 * Which Applications a registry push concerns: those whose source is that OCI
 * repository (an `oci://` repoURL, with `chart` appended when set), compared as
 * src/source/oci-reference.ts normalises them for polls and credentials (one
 * key, one place), and whose targetRevision the pushed tag or digest may move
 * (webhooks/registry-events.ts). No revision is handed on: the reconcile
 * resolves its own targetRevision, so a push can never pick what it deploys.
 */
import { artifactMatchesRevision, type ArtifactEvent } from '../../webhooks/index.ts';
import type { RegisteredApp } from '../application/app-registry.ts';
import { chartPollKey } from '../source/helm-poll-key.ts';
import { normalizeOciRepository } from '../source/oci-reference.ts';

export interface QueuedArtifactApplication {
  app: string;
  reason: string;
}

export function applicationsOfArtifacts(events: readonly ArtifactEvent[], apps: readonly RegisteredApp[]): { queued: QueuedArtifactApplication[]; skipped: number } {
  const queued = new Map<string, QueuedArtifactApplication>();
  let valid = 0;
  const pushed = events.map((event) => ({
    event,
    keys: new Set(event.repositories.map(normalizeOciRepository).filter((key): key is string => key !== undefined)),
  }));
  for (const app of apps) {
    if (!app.valid) continue;
    valid += 1;
    const { source } = app.spec;
    const key = /^oci:\/\//i.test(source.repoURL.trim()) ? chartPollKey(source) : undefined;
    if (key === undefined) continue;
    for (const { event, keys } of pushed) {
      if (!keys.has(key) || !artifactMatchesRevision(event, source.targetRevision)) continue;
      queued.set(app.key, { app: app.key, reason: `${key}${event.tag ? `:${event.tag}` : ''}@${event.digest} was pushed` });
    }
  }
  return { queued: [...queued.values()], skipped: valid - queued.size };
}

/**
 * What every action that moves the release hands sync/release.ts: the render
 * of a revision, the Application's own cluster client, the shared reads, and
 * the options its spec asks for (rollback, health timeout, self-heal, the retry
 * policy, sync options), resolved here once for all of them.
 */
import { advanceRelease, renderedRevision, type ReleaseDeps, type ReleaseStep, type ReleaseTrigger, type SyncOptions } from '../../../../sync/index.ts';
import type { RenderedRevision } from '../../../../sync/desired.ts';
import { completedWithSpec } from '../../../../sync/completed-jobs.ts';
import { refOf } from '../../../../objects.ts';
import type { ResolvedApplicationSpec } from '../../../application/index.ts';
import { mayDelete, type ApplicationPolicy } from '../../../policy/object-policy.ts';
import { revisionRenderer } from '../../render-revision.ts';
import type { Observed } from '../observe.ts';

/**
 * The sync options an Application's spec asks for, with what a person's
 * operation overrides (prune): the same for a release step, a heal and a dry
 * run, so a dry run predicts the sync. Prune asks the policy before each delete.
 */
export function syncOptionsOf(spec: ResolvedApplicationSpec, appName: string, prune: boolean | undefined, policy: ApplicationPolicy | undefined): Partial<SyncOptions> {
  return {
    prune: prune ?? spec.automated?.prune ?? false,
    ignoreDifferences: spec.ignoreDifferences,
    ...(policy ? { mayDelete: (ref) => mayDelete(ref, policy) } : {}),
    allowEmpty: spec.automated?.allowEmpty ?? false,
    createNamespace: spec.syncOptions.createNamespace,
    destinationNamespace: spec.destinationNamespace,
    appName,
    force: spec.syncOptions.force,
    ...(spec.syncOptions.forceConflicts !== undefined ? { forceConflicts: spec.syncOptions.forceConflicts } : {}),
    ...(spec.syncOptions.prunePropagationPolicy ? { propagation: spec.syncOptions.prunePropagationPolicy } : {}),
  };
}

/**
 * The render a release applies: a Job that completed with its rendered spec and
 * is gone since (its TTL) is left out, so it does not run again until its spec
 * changes (completed-jobs.ts). One that still exists is applied as any object.
 */
function withoutCompletedJobs(render: (revision: string) => Promise<RenderedRevision>, observed: Observed): (revision: string) => Promise<RenderedRevision> {
  const { record, reads, app: { spec } } = observed;
  if (!record.completedJobs?.length) return render;
  return async (revision) => {
    const rendered = await render(revision);
    const gone = await Promise.all(rendered.objects.map(async (object) => {
      const namespace = object.metadata.namespace ?? spec.destinationNamespace;
      if (!completedWithSpec(object, namespace, record.completedJobs)) return false;
      return await reads.get({ ...refOf(object), namespace }) === undefined;
    }));
    return gone.includes(true) ? renderedRevision(rendered.revision, rendered.objects.filter((_, index) => gone[index] !== true)) : rendered;
  };
}

export function releaseDeps(observed: Observed, refusal?: string): ReleaseDeps {
  const { app: { spec, key }, deps, context, target, reads, trigger } = observed;
  return {
    render: withoutCompletedJobs(revisionRenderer(context, target, refusal), observed),
    client: deps.cluster,
    observer: reads,
    healthRules: observed.healthRules,
    ...(deps.destinationUnavailable ? { destinationUnavailable: () => deps.destinationUnavailable?.() ?? false } : {}),
    options: {
      rollback: spec.rollback.enabled,
      healthTimeoutMs: spec.rollback.healthTimeoutMs,
      selfHeal: spec.automated?.selfHeal ?? false,
      retry: spec.retry,
      sync: syncOptionsOf(spec, key, trigger.prune, observed.context.policy),
    },
  };
}

/** One step of the release, started by `trigger`. */
export async function stepRelease(observed: Observed, trigger: ReleaseTrigger, now: Date, refusal?: string): Promise<ReleaseStep> {
  return advanceRelease(observed.record, trigger, releaseDeps(observed, refusal), now);
}

/**
 * Reads the objects of a rollout back through the cluster client and turns
 * them into `checkRollout` observations. Never throws: an object that cannot be
 * read is observed as Unknown (waited on until the health timeout, like any
 * object that is not Healthy yet), because the caller may already have written
 * to the cluster in this step and must get to record it.
 *
 * Objects health/ has no opinion on (a custom resource that reports no status)
 * and objects annotated `berth.dev/health-ignore` are left out, as in the
 * aggregate health: a rollout must not fail for want of an opinion.
 *
 * A Job that is gone is judged by the job controller's finish Event when the
 * client can list Events (issue 21: with `ttlSecondsAfterFinished: 0` the Job is
 * deleted before it is ever read Complete): Healthy when it completed, Degraded
 * when it failed, Missing when no Event tells.
 */
import type { ObjectRef } from '../objects.ts';
import { assessHealth, isHealthIgnored, missingHealth, type Health, type HealthRuleSet } from '../health/index.ts';
import type { ClusterClient } from './cluster.ts';
import { jobOutcomeOfEvents } from './completed-jobs.ts';
import type { RolloutObservation } from './rollout.ts';
import { mapBounded } from './wait.ts';

async function goneHealth(client: ClusterClient, ref: ObjectRef): Promise<Health> {
  if (ref.kind !== 'Job' || ref.group !== 'batch' || client.listEvents === undefined) return missingHealth();
  return jobOutcomeOfEvents(await client.listEvents(ref)) ?? missingHealth();
}

/** `rules`: the Application's CEL health rules (built-in < cluster < its own); default the built-in library. */
export async function observeRollout(client: ClusterClient, refs: readonly ObjectRef[], concurrency: number, rules?: HealthRuleSet): Promise<RolloutObservation[]> {
  const observed = await mapBounded(refs, concurrency, async (ref): Promise<RolloutObservation | undefined> => {
    try {
      const live = await client.get(ref);
      if (live === undefined) return { ref, health: await goneHealth(client, ref) };
      if (isHealthIgnored(live)) return undefined;
      const health = assessHealth(live, rules);
      return health === undefined ? undefined : { ref, health };
    } catch (error) {
      return { ref, health: { status: 'Unknown', message: `could not be read: ${error instanceof Error ? error.message : String(error)}` } };
    }
  });
  return observed.filter((item) => item !== undefined);
}

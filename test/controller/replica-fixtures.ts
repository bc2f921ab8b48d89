/**
 * What the multi-replica controller tests share: tiny ConfigMap-only
 * Applications in one Git repository and an Applications file for them, the
 * release record and ConfigMaps as the cluster holds them, two records of
 * reconciles kept outside the test (the jobs BullMQ keeps, with start and end
 * times written by whichever process ran them, and the controllers'
 * `reconciled` log lines), and a private redis-server for tests that stop Redis.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dump } from 'js-yaml';
import { parseReleaseRecord, type ReleaseRecord } from '../../sync/index.ts';
import { releaseRecordPath } from '../../src/controller/release-store.ts';
import { KubeApiError, type RestClient } from '../../src/kube/rest.ts';
import { reconcileJobNames, type ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { eventually } from '../harness/eventually.ts';
import type { ControllerProcess } from './controller-process.ts';

export function configMapYaml(namespace: string, name: string, value: string): string {
  return dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { value } });
}

export interface FileApplication {
  name: string;
  namespace: string;
  repoURL: string;
  path: string;
  pollInterval: string;
  /** `spec.source.changedPathFilter`; the schema's default (true) when absent. */
  changedPathFilter?: boolean;
  /** `spec.destination.name`: a cluster Secret's name; absent: the cluster Berth runs in. */
  cluster?: string;
  /** `spec.destination.namespace`; the Application's namespace when absent. */
  destinationNamespace?: string;
  selfHeal?: boolean;
}

/** Writes `<dir>/apps.yaml` with the Applications (automated, pruning) as one List; returns its path. */
export function writeApplicationsFile(dir: string, apps: readonly FileApplication[]): string {
  const file = path.join(dir, 'apps.yaml');
  fs.writeFileSync(file, dump({
    apiVersion: 'v1', kind: 'List',
    items: apps.map((app) => ({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: app.name, namespace: app.namespace },
      spec: {
        source: {
          repoURL: app.repoURL, targetRevision: 'main', path: app.path,
          ...(app.changedPathFilter === undefined ? {} : { changedPathFilter: app.changedPathFilter }),
        },
        destination: { namespace: app.destinationNamespace ?? app.namespace, ...(app.cluster === undefined ? {} : { name: app.cluster }) },
        syncPolicy: { automated: { prune: true, ...(app.selfHeal === undefined ? {} : { selfHeal: app.selfHeal }) }, pollInterval: app.pollInterval },
      },
    })),
  }));
  return file;
}

async function getOrUndefined(rest: RestClient, apiPath: string): Promise<unknown> {
  try {
    return (await rest.request('GET', apiPath)).body;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** The controller namespace of the controllers tests start (--controller-namespace's default). */
export const testControllerNamespace = 'berth';

/**
 * The release record the controller keeps for Application `name` (see
 * src/controller/release-store.ts): in the controller's namespace, named by the
 * Application's uid, or for one from a file (no `uid`) by its namespace and name.
 */
export async function readRelease(rest: RestClient, namespace: string, name: string, uid?: string): Promise<ReleaseRecord | undefined> {
  const owner = { namespace, name, uid };
  const body = await getOrUndefined(rest, releaseRecordPath(testControllerNamespace, owner)) as { data?: Record<string, string> } | undefined;
  const text = body?.data?.['release.json'];
  if (text === undefined) return undefined;
  const parsed = parseReleaseRecord(text, owner);
  if (!parsed.ok) throw new Error(`release record of ${namespace}/${name}: ${parsed.problem}`);
  return parsed.record;
}

/** `data.value` of a ConfigMap, or undefined when it does not exist. */
export async function readConfigMapValue(rest: RestClient, namespace: string, name: string): Promise<string | undefined> {
  const body = await getOrUndefined(rest, `/api/v1/namespaces/${namespace}/configmaps/${name}`) as { data?: Record<string, string> } | undefined;
  return body?.data?.value;
}

/** One reconcile job as BullMQ kept it: times are the running worker's clock (this machine's). */
export interface JobRun {
  id: string;
  app: string;
  /** The trigger the job ran with (a job takes the newest registered trigger when it starts). */
  revision: string | undefined;
  scheduled: boolean;
  startedAt: number;
  finishedAt: number;
  /** The trigger had been covered by an earlier reconcile: the reconcile function never ran. */
  skipped: boolean;
  attemptsStarted: number;
  stalledCounter: number;
  failedReason: string | undefined;
}

/** Every finished reconcile job still kept under the queue's prefix (completed and failed). */
export async function finishedJobRuns(queue: ReconcileQueue): Promise<JobRun[]> {
  const jobs = await queue.queue.getJobs(['completed', 'failed'], 0, -1, true);
  return jobs.map((job) => ({
    id: job.id ?? '',
    app: job.data.app,
    revision: job.data.revision,
    scheduled: job.name === reconcileJobNames.scheduled,
    startedAt: job.processedOn ?? Number.NaN,
    finishedAt: job.finishedOn ?? Number.NaN,
    skipped: (job.returnvalue as { skipped?: boolean } | null | undefined)?.skipped === true,
    attemptsStarted: job.attemptsStarted,
    stalledCounter: job.stalledCounter,
    failedReason: job.failedReason || undefined,
  }));
}

/** One `reconciled` line of a controller's log: the end of one run of the reconcile function. */
export interface ReconciledLine {
  app: string;
  revision: string;
  state: string;
  at: number;
}

export function reconciledLines(controller: ControllerProcess): ReconciledLine[] {
  return controller.logLines().filter((line) => line.msg === 'reconciled').map((line) => ({
    app: String(line.app), revision: String(line.revision), state: String(line.state), at: Date.parse(String(line.time)),
  }));
}

/** Resolves once the controller logged `controller started` (its workers are connected by then). */
export async function controllerStarted(controller: ControllerProcess, timeoutMs = 30_000): Promise<void> {
  await controller.explain(eventually('the controller to start', () =>
    Promise.resolve(controller.logLines().some((line) => line.msg === 'controller started') ? true : undefined), { timeoutMs }));
}

export { startPrivateRedis } from '../harness/private-redis.ts';

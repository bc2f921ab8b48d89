/**
 * The queue layer of the controller, in one import: reconcile jobs (one per
 * Application at a time, last trigger wins, rechecks without holding a worker),
 * polling scheduled in Redis per (repository, ref), retries with jittered
 * backoff, stalled-job recovery, graceful drain, and queue depth for metrics.
 */
export { reconcileReasons, parseReconcileJob, isApplicationKey } from './reconcile-job.ts';
export type { ReconcileReason, ReconcileJob, ReconcileOutcome, ReconcileContext, ReconcileFunction, ReconcileResult } from './reconcile-job.ts';
export { resolveQueueOptions, redisConnectionOptions } from './options.ts';
export type { QueueLayerOptions, ResolvedQueueOptions, QueueLog, InfrastructureRetryOptions } from './options.ts';
export { ReconcileQueue, reconcileJobNames, type EnqueueOptions } from './reconcile-queue.ts';
export { ReconcileWorker, startReconcileWorker } from './reconcile-worker.ts';
export { PollSchedulers, pollOffsetMs, pollSchedulerId, mergePollTargets, type PollTarget, type PollJob, type SchedulerChanges } from './poll-schedulers.ts';
export { PollWorker, startPollWorker, type AppsTracking } from './poll-worker.ts';
export { drainOnSignals, drainWorker, type Drainable } from './shutdown.ts';
export { isUnrecoverable, toQueueError } from './errors.ts';
export { jobStates, type JobCounts, type JobStateName } from './job-counts.ts';

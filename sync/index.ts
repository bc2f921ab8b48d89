/**
 * The public API of sync/: plan, apply, prune, rollout check, rollback state
 * machine, history, and the narrow cluster interface src/ implements.
 */
export {
  classifyKubeStatus, clusterErrorReasonOf, propagationPolicies, resourceScopes,
  type ApplyRequestOptions, type ClusterClient, type PropagationPolicy, type ResourceScope,
} from './cluster.ts';
export {
  ClusterError, clusterErrorReasons, isRetryable, TransientSyncError, UnrecoverableSyncError, unrecoverableReasons,
  type ClusterErrorReason, type UnrecoverableReason,
} from './errors.ts';
export {
  defaultSyncOptions, objectSyncOptions, resolveSyncOptions, systemClock,
  type Clock, type HasDrifted, type MayDelete, type ObjectSyncOptions, type SyncOptions,
} from './options.ts';
export { diffHasDrifted, isOwnedByBerth, type DriftRuleOptions } from './drift.ts';
export { generatedName, hookDeletePolicies, hookOutcome, hookPlacementOf, syncPhaseOrder, syncPhases, type HookDeletePolicy, type HookOutcome, type HookPlacement, type HookSpec, type SyncPhase } from './hooks.ts';
export { kindOrder, kindRank, stageOf, stages, type Stage } from './kind-order.ts';
export { compareSteps, planSteps, planSync, waveOf, type PlanGroup, type PlanStep, type SyncPlan } from './plan.ts';
export {
  changeActions, formatSummary, isRetryableFailure, operationPhases, summarizeChanges,
  type ChangeAction, type ChangeEntry, type ChangeSummary, type OperationPhase,
} from './change-set.ts';
export { renderedRevision, type RenderedRevision } from './desired.ts';
export { assignNamespaces, withScopedNamespace } from './namespaces.ts';
export {
  emptyInventory, inventoryDifference, inventoryOf, inventoryUnion, inventoryWithout,
  type Inventory,
} from './inventory.ts';
export { planPrune, prune, type PrunePlan, type PruneResult } from './prune.ts';
export { runSync, syncReasons, type SyncReason, type SyncRequest, type SyncResult } from './engine.ts';
export {
  checkRollout, defaultRolloutCheckOptions, rolloutFailureReasons,
  type RolloutCheck, type RolloutCheckOptions, type RolloutFailureReason, type RolloutObservation, type RolloutState,
} from './rollout.ts';
export {
  initialReleaseState, initiators, releaseReasons, releaseStatuses, transition,
  type Initiator, type ReleaseAction, type ReleaseEvent, type ReleasePolicy, type ReleaseReason, type ReleaseState, type ReleaseStatus, type Transition,
} from './rollback-state.ts';
export { appendHistory, defaultHistoryLimit, finishHistoryEntry, type HistoryEntry } from './history.ts';
export {
  advanceRelease, defaultReleaseOptions, initialReleaseRecord, recheckOf, releaseSyncConcurrency,
  type PendingRetry, type PendingRollout, type ReleaseDeps, type ReleaseOptions, type ReleaseRecord, type ReleaseStep, type ReleaseStepResult, type ReleaseTrigger,
} from './release.ts';
export { observeRollout } from './release-observe.ts';
export {
  isSameOwner, parseLegacyReleaseRecord, parseReleaseRecord, releaseRecordVersion, serializeReleaseRecord,
  type LegacyReleaseRecord, type ParsedReleaseRecord, type ReleaseOwner,
} from './release-record.ts';

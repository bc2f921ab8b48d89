/**
 * The Application resource of Berth: its schema (one source of truth with the
 * CRD in charts/berth/crds/), parsing with field-naming problems, defaults and
 * their resolution, loading from a file or watching the cluster, and writing
 * status, conditions and Events back.
 */
export { durationPattern, formatDuration, isDuration, parseDuration } from './duration.ts';
export {
  apiGroup, apiVersion, applicationDefaults, applicationKind, applicationPlural, applicationSpecSchema,
  type ApplicationSpec, type ApplicationSpecInput, type AutomatedSync, type Destination, type IgnoreDifference,
  type RetryPolicy, type RollbackPolicy, type SyncPolicy,
} from './schema.ts';
export {
  applicationStatusSchema, conditionStatuses, conditionTypes, readApplicationStatus, resourceSyncStatuses, statusHistoryLimit, syncStatuses,
  type ApplicationStatus, type Condition, type ConditionStatus, type ConditionType, type HistoryRecord, type ReleaseRecord,
  type ResourceStatus, type ResourceSyncStatus, type SyncStatus,
} from './status-schema.ts';
export {
  formatApplicationKey, formatProblem, parseApplication, parseApplicationKey,
  type Application, type ApplicationKey, type ApplicationProblem, type ParseApplicationOptions, type ParseApplicationResult,
} from './parse.ts';
export {
  parseSyncOptions, resolveApplicationSpec,
  type ApplicationSyncOptions, type ResolvedApplicationSpec, type ResolvedRetryPolicy,
} from './resolve.ts';
export { conditionReasons, findCondition, invalidSpecConditions, removeCondition, setCondition, type ConditionUpdate } from './conditions.ts';
export { applicationsPath, statusFieldManager, writeApplicationStatus, type WriteStatusOptions } from './status-writer.ts';
export {
  eventReasons, eventTypes, recordApplicationEvent, redactCredentials,
  type ApplicationEvent, type EventSubject, type EventType, type RecordEventOptions,
} from './events.ts';
export { watchApplications, watchEventTypes, type ApplicationWatch, type ApplicationWatchEvent, type ApplicationWatchOptions, type WatchEventType } from './watch.ts';

/**
 * diff/: desired against live. Pure: whatever needs the cluster (the live objects, the
 * server-side apply dry run) is handed in. See diff-object.ts for what counts as drift.
 */
export { diffObject, objectSyncStatuses, comparisonModes } from './diff-object.ts';
export type { ObjectDiff, ObjectDiffInput, ObjectSyncStatus, ComparisonMode } from './diff-object.ts';
export { diffApplication, syncStatusOf, applicationSyncStatuses } from './diff-application.ts';
export type { ApplicationDiff, ApplicationDiffInput, ApplicationSyncStatus } from './diff-application.ts';
export { defaultDiffOptions, resolveDiffOptions } from './options.ts';
export type { DiffOptions, IgnoreDifferenceRule, ListKeyRule } from './options.ts';
export { normalize, lastAppliedAnnotation } from './normalize.ts';
export { maskSecret, isSecret, isMaskedPlaceholder, foldStringData } from './secret-mask.ts';
export { createPatch } from './json-patch.ts';
export type { PatchOperation } from './json-patch.ts';
export { parseFieldsV1, fieldsOwnedBy, removeFields } from './managed-fields.ts';
export type { FieldSet } from './managed-fields.ts';
export { listKeyResolver } from './list-keys.ts';
export type { ListKeyResolver } from './list-keys.ts';
export { quantitiesEqual, parseQuantity } from './quantity.ts';

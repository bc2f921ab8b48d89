/**
 * The closed set of health statuses and their severity order. Everything else in
 * health/ speaks in these terms; sync/ compares them with `isWorse` to decide
 * whether a rollout failed.
 */

/**
 * Listed from least to most severe; the declaration order is the severity order.
 * `Missing` is never returned by `assessHealth` (it is given a live object); the
 * caller uses it for a desired object that the cluster does not have.
 */
export const HealthStatus = {
  Healthy: 'Healthy',
  Progressing: 'Progressing',
  Suspended: 'Suspended',
  Degraded: 'Degraded',
  Missing: 'Missing',
  Unknown: 'Unknown',
} as const;
export type HealthStatus = (typeof HealthStatus)[keyof typeof HealthStatus];

/** The health of one object (or of many, aggregated): a status and, in plain words, what is happening. */
export interface Health {
  status: HealthStatus;
  message: string;
}

/** All statuses, least severe first. */
export const healthStatusesBySeverity: readonly HealthStatus[] = Object.values(HealthStatus);

function severity(status: HealthStatus): number {
  return healthStatusesBySeverity.indexOf(status);
}

/** Negative when `a` is less severe than `b`, 0 when equal, positive when worse; usable with `Array.sort`. */
export function compareSeverity(a: HealthStatus, b: HealthStatus): number {
  return severity(a) - severity(b);
}

/** Whether `a` is strictly more severe than `b`. */
export function isWorse(a: HealthStatus, b: HealthStatus): boolean {
  return compareSeverity(a, b) > 0;
}

/** The health of a desired object that does not exist in the cluster. */
export function missingHealth(): Health {
  return { status: HealthStatus.Missing, message: 'the object does not exist in the cluster' };
}

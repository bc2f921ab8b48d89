/**
 * Reading status fields of live objects without trusting their shape. Objects
 * reach health/ as plain JSON (from the API server, a watch, or a test fixture),
 * so every field may be missing or of an unexpected type; a rule reads through
 * these helpers and never throws on a malformed object.
 */
import type { KubeObject } from '../objects.ts';

/** A status condition, in the shape shared by core types and `metav1.Condition`. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export function valueAt(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function numberAt(value: unknown, ...keys: string[]): number | undefined {
  const found = valueAt(value, ...keys);
  return typeof found === 'number' && Number.isFinite(found) ? found : undefined;
}

export function stringAt(value: unknown, ...keys: string[]): string | undefined {
  const found = valueAt(value, ...keys);
  return typeof found === 'string' ? found : undefined;
}

export function booleanAt(value: unknown, ...keys: string[]): boolean {
  return valueAt(value, ...keys) === true;
}

export function arrayAt(value: unknown, ...keys: string[]): unknown[] {
  const found = valueAt(value, ...keys);
  return Array.isArray(found) ? (found as unknown[]) : [];
}

/**
 * A timestamp as milliseconds since the epoch. Raw JSON carries RFC 3339 strings;
 * @kubernetes/client-node's deserializer turns them into `Date`s, so accept both.
 */
export function timeAt(value: unknown, ...keys: string[]): number | undefined {
  const found = valueAt(value, ...keys);
  const ms = found instanceof Date ? found.getTime() : typeof found === 'string' ? Date.parse(found) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

export function toCondition(value: unknown): Condition | undefined {
  const type = stringAt(value, 'type');
  const status = stringAt(value, 'status');
  if (type === undefined || status === undefined) return undefined;
  return {
    type,
    status,
    reason: stringAt(value, 'reason'),
    message: stringAt(value, 'message'),
    observedGeneration: numberAt(value, 'observedGeneration'),
  };
}

export function conditionsOf(object: KubeObject): Condition[] {
  return arrayAt(object, 'status', 'conditions').map(toCondition).filter((c) => c !== undefined);
}

export function findCondition(conditions: readonly Condition[], type: string): Condition | undefined {
  return conditions.find((c) => c.type === type);
}

export function isTrue(condition: Condition | undefined): boolean {
  return condition?.status === 'True';
}

/** What a condition says, in its controller's words: the message, else the reason. */
export function describeCondition(condition: Condition): string {
  return condition.message || condition.reason || `${condition.type} is ${condition.status}`;
}

/**
 * Whether the controller has not yet acted on the latest spec. An object without
 * `metadata.generation` (as rendered, never stored) is not behind; a stored object
 * whose status has no `observedGeneration` yet is.
 */
export function isGenerationBehind(object: KubeObject): boolean {
  const generation = object.metadata.generation;
  if (typeof generation !== 'number') return false;
  const observed = numberAt(object, 'status', 'observedGeneration');
  return observed === undefined || observed < generation;
}

/** `1 replica`, `3 replicas`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

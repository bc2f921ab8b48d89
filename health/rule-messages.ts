/**
 * The messages of a CEL health rule that need no CEL: what a status condition
 * says, that the controller is behind the spec, or that a condition is stale.
 * The built-in library names them as data (cel-text.ts) because they are its
 * most common messages and read the object directly here in a fraction of what
 * the same filter/map costs in CEL (bench/health-cel.ts). Pure.
 */
import type { KubeObject } from '../objects.ts';
import { conditionsOf, numberAt } from './fields.ts';

/** A message as a rule names it: a CEL expression, or one of the ready-made ones. */
export type MessageSource =
  | string
  /** The first condition of these types (and status): `<type> <status>: <message or reason>`. */
  | { readonly conditions: readonly string[]; readonly status?: string }
  /** status.observedGeneration is behind metadata.generation. */
  | { readonly behind: true }
  /** A condition of these types was written for an older generation. */
  | { readonly stale: readonly string[] };

function asObject(self: unknown): KubeObject | undefined {
  return typeof self === 'object' && self !== null && typeof (self as { metadata?: unknown }).metadata === 'object' ? self as KubeObject : undefined;
}

/** What a ready-made message says of `self`; '' when it says nothing. */
export function sayReadyMade(source: Exclude<MessageSource, string>, self: unknown): string {
  const object = asObject(self);
  if (!object) return '';
  const generation = object.metadata.generation;
  if ('behind' in source) {
    const observed = numberAt(object, 'status', 'observedGeneration');
    return generation !== undefined && observed !== undefined && observed < generation ? `waiting for the controller to observe generation ${generation}` : '';
  }
  if ('stale' in source) {
    if (generation === undefined) return '';
    const stale = conditionsOf(object).some((c) => source.stale.includes(c.type) && c.observedGeneration !== undefined && c.observedGeneration < generation);
    return stale ? `waiting for the controller to report on generation ${generation}` : '';
  }
  const found = conditionsOf(object).find((c) => source.conditions.includes(c.type) && (source.status === undefined || c.status === source.status));
  if (!found) return '';
  const text = found.message || found.reason;
  return `${found.type} ${found.status}${text ? `: ${text}` : ''}`;
}

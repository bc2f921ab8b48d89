/**
 * Which lists are associative (items identified by a key, like a container by its name)
 * and by which key. Paired by key, an inserted or moved item is a change about that item
 * only, not a change of every item after it.
 *
 * The built-in table follows the Kubernetes API's list-map keys (`+listMapKey`, or the
 * strategic-merge `patchMergeKey`); any other list whose items all carry a unique `name`
 * is treated the same; callers add CRD keys through `ListKeyRule`s. A list only counts as
 * keyed when every item on both sides has the key and no key repeats: otherwise it is
 * compared by position, which is always correct, merely less readable.
 */
import type { ObjectRef } from '../objects.ts';
import type { ListKeyRule } from './options.ts';
import { parsePointer, type PathSegment } from './json-pointer.ts';
import { isPlainObject } from './json-value.ts';

/** Returns the key fields of the list at `path` holding `before` and `after`, or undefined when it is not keyed. */
export type ListKeyResolver = (path: readonly PathSegment[], before: readonly unknown[], after: readonly unknown[]) => readonly string[] | undefined;

const byName = ['name'];
const builtInKeys: ReadonlyMap<string, readonly string[]> = new Map([
  ['containers', byName],
  ['initContainers', byName],
  ['ephemeralContainers', byName],
  ['env', byName],
  ['volumes', byName],
  ['imagePullSecrets', byName],
  ['resourceClaims', byName],
  ['volumeMounts', ['mountPath']],
  ['volumeDevices', ['devicePath']],
  ['conditions', ['type']],
  ['hostAliases', ['ip']],
  ['topologySpreadConstraints', ['topologyKey', 'whenUnsatisfiable']],
]);

/** Key fields the API server fills in when absent, so a key written without them still pairs. */
const keyDefaults: ReadonlyMap<string, unknown> = new Map([['protocol', 'TCP']]);

function portKeys(items: readonly unknown[]): readonly string[] | undefined {
  if (items.length > 0 && items.every((item) => isPlainObject(item) && 'containerPort' in item)) return ['containerPort', 'protocol'];
  if (items.length > 0 && items.every((item) => isPlainObject(item) && 'port' in item)) return ['port', 'protocol'];
  return undefined;
}

/** The identity of one list item under `keys`, or undefined when the item lacks one. */
export function itemKey(item: unknown, keys: readonly string[]): string | undefined {
  if (!isPlainObject(item)) return undefined;
  const values: unknown[] = [];
  for (const key of keys) {
    const value = item[key] ?? keyDefaults.get(key);
    if (value === undefined || isPlainObject(value) || Array.isArray(value)) return undefined;
    values.push(value);
  }
  return JSON.stringify(values);
}

function hasUniqueKeys(items: readonly unknown[], keys: readonly string[]): boolean {
  const seen = new Set<string>();
  for (const item of items) {
    const key = itemKey(item, keys);
    if (key === undefined || seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}

function matchesPath(pattern: readonly string[], path: readonly PathSegment[]): boolean {
  return pattern.length === path.length && pattern.every((segment, i) => segment === '*' || segment === String(path[i]));
}

function ruleApplies(rule: ListKeyRule, ref: ObjectRef): boolean {
  return (rule.group === undefined || rule.group === '*' || rule.group === ref.group)
    && (rule.kind === undefined || rule.kind === '*' || rule.kind === ref.kind);
}

/** The resolver for one object: its caller-given rules first, then the built-in table, then unique names. */
export function listKeyResolver(ref: ObjectRef, rules: readonly ListKeyRule[]): ListKeyResolver {
  const own = rules.filter((rule) => ruleApplies(rule, ref)).map((rule) => ({ pattern: parsePointer(rule.path), keys: rule.keys }));
  return (path, before, after) => {
    const items = [...before, ...after];
    const fits = (keys: readonly string[] | undefined): keys is readonly string[] =>
      keys !== undefined && hasUniqueKeys(before, keys) && hasUniqueKeys(after, keys);
    const declared = own.find((rule) => matchesPath(rule.pattern, path))?.keys;
    if (fits(declared)) return declared;
    const field = path.at(-1);
    const known = typeof field === 'string' ? (field === 'ports' ? portKeys(items) : builtInKeys.get(field)) : undefined;
    if (fits(known)) return known;
    if (items.length > 0 && fits(byName)) return byName;
    return undefined;
  };
}

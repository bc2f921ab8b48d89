/**
 * The `FieldsV1` set format of `metadata.managedFields` (structured-merge-diff): which
 * fields a manager owns, and removing them from an object.
 *
 * A set is a JSON tree whose keys are `f:<field>` (a struct or map member), `k:<json>`
 * (the item of an associative list whose key fields have those values, such as
 * `k:{"containerPort":80,"protocol":"TCP"}`), `v:<json>` (the item of a set list with that
 * value), `i:<n>` (a list item by position) and `.` (the member itself, beside its children).
 * An empty object marks an owned leaf.
 */
import type { KubeObject } from '../objects.ts';
import { deepEqual, isEmptyContainer, isPlainObject } from './json-value.ts';

export interface FieldSet {
  /** `.`: the member itself is owned, not only members below it. */
  self: boolean;
  fields: Map<string, FieldSet>;
  keyed: { key: Record<string, unknown>; set: FieldSet }[];
  values: { value: unknown; set: FieldSet }[];
  indices: Map<number, FieldSet>;
}

function emptySet(): FieldSet {
  return { self: false, fields: new Map(), keyed: [], values: [], indices: new Map() };
}

function isLeaf(set: FieldSet): boolean {
  return set.fields.size === 0 && set.keyed.length === 0 && set.values.length === 0 && set.indices.size === 0;
}

function parseJsonMember(member: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new Error(`managedFields: fieldsV1 member ${JSON.stringify(member)} is not valid JSON`, { cause });
  }
}

export function parseFieldsV1(fieldsV1: unknown): FieldSet {
  const set = emptySet();
  if (!isPlainObject(fieldsV1)) return set;
  for (const [member, child] of Object.entries(fieldsV1)) {
    const prefix = member.slice(0, 2);
    const rest = member.slice(2);
    if (member === '.') set.self = true;
    else if (prefix === 'f:') set.fields.set(rest, parseFieldsV1(child));
    else if (prefix === 'k:') {
      const key = parseJsonMember(member, rest);
      if (!isPlainObject(key)) throw new Error(`managedFields: fieldsV1 member ${JSON.stringify(member)} is not a key object`);
      set.keyed.push({ key, set: parseFieldsV1(child) });
    } else if (prefix === 'v:') set.values.push({ value: parseJsonMember(member, rest), set: parseFieldsV1(child) });
    else if (prefix === 'i:' && /^\d+$/.test(rest)) set.indices.set(Number(rest), parseFieldsV1(child));
    else throw new Error(`managedFields: fieldsV1 member ${JSON.stringify(member)} is not of the f:/k:/v:/i: forms`);
  }
  return set;
}

function mergeInto(target: FieldSet, source: FieldSet): void {
  target.self ||= source.self;
  for (const [name, child] of source.fields) {
    const existing = target.fields.get(name);
    if (existing) mergeInto(existing, child);
    else target.fields.set(name, child);
  }
  target.keyed.push(...source.keyed);
  target.values.push(...source.values);
  for (const [index, child] of source.indices) {
    const existing = target.indices.get(index);
    if (existing) mergeInto(existing, child);
    else target.indices.set(index, child);
  }
}

/** The union of the fields that any of `managers` owns in `object` (every operation and subresource). */
export function fieldsOwnedBy(object: KubeObject | undefined, managers: readonly string[]): FieldSet {
  const union = emptySet();
  for (const entry of object?.metadata.managedFields ?? []) {
    if (entry.manager !== undefined && managers.includes(entry.manager)) mergeInto(union, parseFieldsV1(entry.fieldsV1));
  }
  return union;
}

/**
 * Removes, in place, the members of `value` that `set` names. An owned leaf goes whole; an
 * owned list item (`k:`, `v:` or `i:` with `.`) goes whole, even if another manager owns
 * something inside it; an owned map or struct keeps the members others own, and goes only
 * when removal leaves it empty (an empty `annotations: {}` is no one's field).
 */
export function removeFields(value: unknown, set: FieldSet): void {
  if (isPlainObject(value)) {
    for (const [name, child] of set.fields) {
      if (!Object.hasOwn(value, name)) continue;
      if (isLeaf(child)) {
        Reflect.deleteProperty(value, name);
      } else {
        const member = value[name];
        const wasEmpty = isEmptyContainer(member);
        removeFields(member, child);
        if (!wasEmpty && isEmptyContainer(member)) Reflect.deleteProperty(value, name);
      }
    }
  } else if (Array.isArray(value)) {
    const doomed = new Set<number>();
    const visit = (index: number, child: FieldSet): void => {
      if (child.self || isLeaf(child)) doomed.add(index);
      else removeFields(value[index], child);
    };
    for (const { key, set: child } of set.keyed) {
      const index = value.findIndex((item) => isPlainObject(item) && Object.entries(key).every(([k, v]) => deepEqual(item[k], v)));
      if (index >= 0) visit(index, child);
    }
    for (const { value: wanted, set: child } of set.values) {
      const index = value.findIndex((item) => deepEqual(item, wanted));
      if (index >= 0) visit(index, child);
    }
    for (const [index, child] of set.indices) {
      if (index < value.length) visit(index, child);
    }
    for (const index of [...doomed].sort((a, b) => b - a)) value.splice(index, 1);
  }
}

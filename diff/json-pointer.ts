/**
 * RFC 6901 JSON pointers: parse, format, and remove what one points at.
 * A pointer to something that does not exist is not an error: an ignore rule
 * naming a field an object lacks simply has nothing to do.
 */
import { isPlainObject } from './json-value.ts';

export type PathSegment = string | number;

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer ${JSON.stringify(pointer)}: must be empty or start with "/" (RFC 6901)`);
  // RFC 6901 section 4: decode ~1 before ~0, so "~01" becomes "~1" and not "/".
  return pointer.slice(1).split('/').map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

export function formatPointer(path: readonly PathSegment[]): string {
  return path.map((segment) => '/' + String(segment).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

function arrayIndex(token: string, length: number): number | undefined {
  if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
  const index = Number(token);
  return index < length ? index : undefined;
}

/** Removes, in place, the member `pointer` names inside `document`; returns whether anything was there. */
export function removeAtPointer(document: unknown, pointer: string): boolean {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  if (last === undefined) return false;
  let parent: unknown = document;
  for (const token of tokens) {
    if (Array.isArray(parent)) {
      const index = arrayIndex(token, parent.length);
      if (index === undefined) return false;
      parent = parent[index];
    } else if (isPlainObject(parent) && Object.hasOwn(parent, token)) {
      parent = parent[token];
    } else {
      return false;
    }
  }
  if (Array.isArray(parent)) {
    const index = arrayIndex(last, parent.length);
    if (index === undefined) return false;
    parent.splice(index, 1);
    return true;
  }
  if (isPlainObject(parent) && Object.hasOwn(parent, last)) {
    Reflect.deleteProperty(parent, last);
    return true;
  }
  return false;
}

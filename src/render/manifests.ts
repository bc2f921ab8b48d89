/**
 * Turns the text of one manifest file into Kubernetes objects, and checks a set
 * of objects as a whole. A file is YAML (any number of documents) or JSON (one
 * or more concatenated values, as kubectl's decoder reads them); a `List` (any
 * kind ending in `List` with an `items` array) is flattened into its items, as
 * kubectl does. Every object must have apiVersion, kind and metadata.name, and
 * two objects with the same group, kind, namespace and name are an error naming
 * both places.
 *
 * Hostile input is refused with a message naming the file: nesting deeper than
 * YAML's limit (kube-yaml.ts) also in JSON, an object larger than the API server
 * accepts, and names that are not Kubernetes names. A name like `..` matters
 * beyond validation: it would turn `/configmaps/..` into its parent path in
 * Berth's own requests before the API server ever saw it.
 */
import type { KubeObject } from '../../objects.ts';
import { formatRef, refKey, refOf } from '../../objects.ts';
import { InvalidSourceError } from '../errors.ts';
import { parseYamlDocuments, type YamlDocument } from './kube-yaml.ts';

/** One rendered object and where it came from. */
export interface Manifest {
  object: KubeObject;
  /** Path of the file, relative to the repository root (or the renderer's name and template). */
  file: string;
  /** 1-based line where the object's document starts. */
  line: number;
}

/** Nesting a document may reach, as parseYamlDocuments allows. */
const maxDepth = 100;
/** The API server refuses request bodies over 3 MiB; an object larger than that can never be applied. */
export const maxObjectBytes = 3 * 1024 * 1024;

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * What makes `name` unusable as an object name, if anything. Only what every
 * kind rejects (path-segment names, apimachinery's ValidatePathSegmentName, and
 * at most 253 characters) plus whitespace and control characters: RBAC names like
 * `system:aggregate-to-edit` stay valid, each kind's stricter rules are the API server's.
 */
function nameProblem(name: string): string | undefined {
  if (name.length > 253) return `is ${name.length} characters long, more than 253`;
  if (name === '.' || name === '..') return 'may not be "." or ".."';
  if (/[/%]/.test(name)) return 'may not contain "/" or "%"';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\s\u0000-\u001f\u007f]/.test(name)) return 'may not contain whitespace or control characters';
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Splits a text of concatenated JSON values (`{...}{...}`) as Go's json.Decoder reads it. */
function parseJsonStream(text: string, file: string): YamlDocument[] {
  const documents: YamlDocument[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  let line = 1;
  let startLine = 1;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\n') line++;
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      depth++;
      if (depth === 1) {
        start = i;
        startLine = line;
      } else if (depth > maxDepth) {
        throw new InvalidSourceError('InvalidManifest', `${file}:${line}: nesting exceeded maxDepth (${maxDepth})`);
      }
    } else if (char === '}' || char === ']') {
      if (--depth === 0) {
        const chunk = text.slice(start, i + 1);
        try {
          // Go's decoder reads -0 as the integer 0.
          documents.push({ value: JSON.parse(chunk, (_key, value: unknown) => (Object.is(value, -0) ? 0 : value)), line: startLine });
        } catch (error) {
          throw new InvalidSourceError('InvalidManifest', `${file}:${startLine}: ${(error as Error).message}`, { cause: error });
        }
      }
    } else if (depth === 0 && !/\s/.test(char ?? '')) {
      throw new InvalidSourceError('InvalidManifest', `${file}:${line}: unexpected ${JSON.stringify(char)} between JSON values`);
    }
  }
  if (depth !== 0 || inString) throw new InvalidSourceError('InvalidManifest', `${file}:${startLine}: unexpected end of JSON`);
  return documents;
}

function toObject(value: unknown, file: string, line: number): KubeObject {
  const at = `${file}:${line}`;
  if (!isRecord(value)) throw new InvalidSourceError('InvalidManifest', `${at}: a manifest must be a mapping, not ${Array.isArray(value) ? 'a list' : typeof value}`);
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string' || !apiVersion) throw new InvalidSourceError('InvalidManifest', `${at}: the object has no apiVersion`);
  if (typeof kind !== 'string' || !kind) throw new InvalidSourceError('InvalidManifest', `${at}: the object has no kind`);
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || !metadata.name) {
    throw new InvalidSourceError('InvalidManifest', `${at}: ${kind} has no metadata.name`);
  }
  if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string') {
    throw new InvalidSourceError('InvalidManifest', `${at}: ${kind}/${metadata.name} has a metadata.namespace that is not a string`);
  }
  const problem = nameProblem(metadata.name);
  if (problem) throw new InvalidSourceError('InvalidManifest', `${at}: ${kind} name ${JSON.stringify(metadata.name.slice(0, 80))} is not a valid Kubernetes name: it ${problem}`);
  if (metadata.namespace && (metadata.namespace.length > 63 || !dnsLabel.test(metadata.namespace))) {
    throw new InvalidSourceError('InvalidManifest',
      `${at}: ${kind}/${metadata.name} has namespace ${JSON.stringify(metadata.namespace.slice(0, 80))}, which is not a valid namespace name (lower-case letters, digits and "-", at most 63)`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > maxObjectBytes) {
    throw new InvalidSourceError('InvalidManifest', `${at}: ${kind}/${metadata.name} is ${bytes} bytes as JSON, more than the ${maxObjectBytes} the API server accepts`);
  }
  return value as KubeObject;
}

function isList(value: unknown): value is { kind: string; items: unknown[] } {
  return isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items);
}

/** Reads the objects of one file. `file` is the path errors name. */
export function parseManifestFile(text: string, file: string): Manifest[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const documents = file.endsWith('.json') && /^\s*[{[]/.test(body)
    ? parseJsonStream(body, file)
    : parseYamlDocuments(body, file);
  const manifests: Manifest[] = [];
  for (const { value, line } of documents) {
    if (!isList(value)) {
      manifests.push({ object: toObject(value, file, line), file, line });
      continue;
    }
    for (const item of value.items) {
      if (isList(item)) throw new InvalidSourceError('InvalidManifest', `${file}:${line}: a ${value.kind} holds another list (${item.kind}), which kubectl rejects`);
      manifests.push({ object: toObject(item, file, line), file, line });
    }
  }
  return manifests;
}

/** Throws on two objects with the same identity (group, kind, namespace, name), naming both places. */
export function checkUnique(manifests: readonly Manifest[]): void {
  const seen = new Map<string, Manifest>();
  for (const manifest of manifests) {
    const key = refKey(refOf(manifest.object));
    const first = seen.get(key);
    if (first) {
      throw new InvalidSourceError('InvalidManifest',
        `${manifest.file}:${manifest.line}: ${formatRef(refOf(manifest.object))} is also defined at ${first.file}:${first.line}`);
    }
    seen.set(key, manifest);
  }
}

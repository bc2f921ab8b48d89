/**
 * Reads YAML the way kubectl does. kubectl converts YAML to JSON with
 * sigs.k8s.io/yaml, which uses go-yaml v2: YAML 1.1 scalars (yes/on/y are
 * booleans, 0644 is octal 420, 1_000 is 1000, 08 is the float 8), merge keys,
 * timestamps kept as the string written, non-string keys turned into strings,
 * duplicate keys resolved last-wins, and a null key or a non-finite number
 * rejected (JSON cannot hold them). js-yaml 5's parser does the syntax; this
 * schema does the resolution, so the values Berth renders equal kubectl's.
 *
 * Promises: every document comes back as plain JSON data (no shared alias
 * references, no Dates, no Infinity), with the line it starts on; an error names
 * the file and line.
 */
import {
  constructFromEvents, defineMappingTag, defineScalarTag, EVENT_ID, getScalarValue, mapTag, mergeTag, NOT_RESOLVED,
  parseEvents, Schema, SCALAR_STYLE, seqTag, strTag, YAMLException, type Event,
} from 'js-yaml';
import { InvalidSourceError } from '../errors.ts';

/** Expanded size one document may reach through aliases (an alias bomb stops here). */
const maxNodesPerDocument = 1_000_000;
const maxAliasesPerDocument = 10_000;

const nullForms = new Set(['', '~', 'null', 'Null', 'NULL']);
const trueForms = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']);
const falseForms = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']);
/** Written infinities and NaNs: go-yaml reads them, then JSON conversion fails. */
const nonFiniteForms = new Set([
  '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '.nan', '.NaN', '.NAN',
]);

const numberFirstChars = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '-', '.'];
/** go-yaml's `yamlStyleFloat`. */
const goFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** What Go's strconv.ParseInt(s, 0, 64) accepts once underscores are gone. */
const goInt = /^([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/;
const int64Min = -(2n ** 63n);
const uint64Max = 2n ** 64n - 1n;

/** go-yaml v2 `resolve()` for a plain scalar that starts like a number. */
function resolveGoNumber(source: string): number | typeof NOT_RESOLVED {
  const first = source.charAt(0);
  if (first === '.') {
    // go-yaml: not in its table, so "maybe a normal float" via strconv.ParseFloat.
    return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(source) ? Number(source) : NOT_RESOLVED;
  }
  const plain = source.replaceAll('_', '');
  const int = goInt.exec(plain);
  if (int) {
    const [, sign = '', body = ''] = int;
    const octal = /^0[0-7]+$/.test(body) ? `0o${body.slice(1)}` : body;
    const magnitude = BigInt(octal);
    const value = sign === '-' ? -magnitude : magnitude;
    if (value >= int64Min && value <= uint64Max) return Number(value);
  }
  if (goFloat.test(plain)) {
    const value = Number(plain);
    // strconv.ParseFloat fails on overflow, and go-yaml then keeps the string.
    return Number.isFinite(value) ? value + 0 : NOT_RESOLVED; // + 0: Go prints -0 as 0
  }
  return NOT_RESOLVED;
}

const nullTag = defineScalarTag('tag:yaml.org,2002:null', {
  implicit: true,
  implicitFirstChars: ['', '~', 'n', 'N'],
  resolve: (source) => (nullForms.has(source) ? null : NOT_RESOLVED),
  identify: (data) => data === null,
  represent: () => 'null',
});

const boolTag = defineScalarTag('tag:yaml.org,2002:bool', {
  implicit: true,
  implicitFirstChars: ['y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O'],
  resolve: (source) => (trueForms.has(source) ? true : falseForms.has(source) ? false : NOT_RESOLVED),
  identify: (data) => typeof data === 'boolean',
});

const numberTag = (name: 'int' | 'float') => defineScalarTag(`tag:yaml.org,2002:${name}`, {
  implicit: true,
  implicitFirstChars: numberFirstChars,
  resolve: (source) => (nonFiniteForms.has(source) ? Number.NaN : resolveGoNumber(source)),
  identify: (data) => typeof data === 'number',
});

/** go-yaml decodes a timestamp into `interface{}` as the string that was written. */
const timestampAsStringTag = defineScalarTag('tag:yaml.org,2002:timestamp', {
  resolve: (source) => source,
  identify: () => false,
});

/** Keys become strings as sigs.k8s.io/yaml makes them; a null key is an error there. */
const keyedMapTag = defineMappingTag('tag:yaml.org,2002:map', {
  create: mapTag.create,
  addPair: (carrier, key, value) =>
    key === null ? 'a mapping key is null, which kubectl cannot convert to JSON' : mapTag.addPair(carrier, key, value),
  has: mapTag.has,
  keys: mapTag.keys,
  get: mapTag.get,
  finalize: mapTag.finalize,
  identify: mapTag.identify,
});

/** The schema kubectl's YAML reading amounts to. */
export const kubectlSchema = new Schema([
  strTag, seqTag, keyedMapTag, nullTag, boolTag, numberTag('int'), numberTag('float'), mergeTag, timestampAsStringTag,
]);

export interface YamlDocument {
  /** The document's data; never null (empty and comment-only documents are skipped, as kubectl does). */
  value: unknown;
  /** 1-based line where the document's content starts. */
  line: number;
}

function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}

function nodeStart(event: Event): number {
  switch (event.type) {
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE:
      return event.start;
    case EVENT_ID.SCALAR:
      return event.valueStart;
    case EVENT_ID.ALIAS:
      return event.anchorStart;
    default:
      return -1;
  }
}

/** A deep copy as plain JSON data, counting nodes so that aliases cannot expand without bound. */
function expand(value: unknown, budget: { left: number }): unknown {
  if (--budget.left < 0) throw new Error(`aliases expand this document beyond ${maxNodesPerDocument} nodes`);
  if (Array.isArray(value)) return value.map((item) => expand(item, budget));
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = expand(item, budget);
    return copy;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${value} is not a number JSON can hold`);
  return value;
}

/**
 * Parses every document of a YAML file. `file` names the file in errors
 * (`apps/web/deploy.yaml:12: ...`).
 */
export function parseYamlDocuments(input: string, file: string): YamlDocument[] {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const lineOf = lineIndex(text);
  let events: Event[];
  let values: unknown[];
  try {
    events = parseEvents(text, { filename: file, maxDepth: 100 });
    values = constructFromEvents(events, {
      source: text, filename: file, schema: kubectlSchema, json: true, maxAliases: maxAliasesPerDocument,
    });
  } catch (error) {
    if (error instanceof YAMLException) {
      const line = error.mark ? `${error.mark.line + 1}` : '';
      throw new InvalidSourceError('InvalidManifest', `${file}:${line}: ${error.reason}`, { cause: error });
    }
    throw error;
  }

  const lines: number[] = [];
  let expectRoot = false;
  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) {
      expectRoot = true;
      continue;
    }
    if (expectRoot) {
      lines.push(lineOf(Math.max(0, nodeStart(event))));
      expectRoot = false;
    }
    if (event.type === EVENT_ID.SCALAR && event.style === SCALAR_STYLE.PLAIN && event.valueStart >= 0) {
      const first = text.charAt(event.valueStart);
      if ((first === '.' || first === '+' || first === '-') && nonFiniteForms.has(getScalarValue(text, event))) {
        throw new InvalidSourceError('InvalidManifest',
          `${file}:${lineOf(event.valueStart)}: ${getScalarValue(text, event)} is not a number JSON can hold`);
      }
    }
  }

  const documents: YamlDocument[] = [];
  values.forEach((value, index) => {
    if (value === null || value === undefined) return;
    const line = lines[index] ?? 1;
    try {
      documents.push({ value: expand(value, { left: maxNodesPerDocument }), line });
    } catch (error) {
      throw new InvalidSourceError('InvalidManifest', `${file}:${line}: ${(error as Error).message}`, { cause: error });
    }
  });
  return documents;
}

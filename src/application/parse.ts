/**
 * Reads one Application from untrusted data (a cluster object or a YAML
 * document): either a valid Application with every default filled in, or the
 * list of problems, each naming its field (`spec.syncPolicy.retry.limit:
 * expected an integer, got a string`), so the controller can put them in a
 * condition on that Application and go on with the others. Never throws on
 * bad input.
 */
import { z } from 'zod';
import type { ObjectMeta } from '../../objects.ts';
import { apiVersion, applicationKind, applicationMetadataSchema, applicationSpecSchema, type ApplicationSpec } from './schema.ts';
import { readApplicationStatus, type ApplicationStatus } from './status-schema.ts';

export interface Application {
  apiVersion: typeof apiVersion;
  kind: typeof applicationKind;
  metadata: ObjectMeta & { name: string; namespace: string };
  spec: ApplicationSpec;
  /** As last written; undefined when absent or unreadable by this version. */
  status: ApplicationStatus | undefined;
}

export interface ApplicationProblem {
  /** Dotted path of the field, with list indexes: `spec.ignoreDifferences[0].kind`. */
  path: string;
  message: string;
}

/** How an Application is named in messages and maps: `namespace/name` (parts may be empty for an invalid one). */
export interface ApplicationKey {
  namespace: string;
  name: string;
}

export type ParseApplicationResult =
  | { ok: true; application: Application }
  | { ok: false; key: ApplicationKey; problems: ApplicationProblem[]; message: string };

export interface ParseApplicationOptions {
  /** Namespace of an Application that names none (a file read outside the cluster). */
  defaultNamespace?: string;
}

const envelopeSchema = z.looseObject({
  apiVersion: z.literal(apiVersion, { message: `must be ${apiVersion}` }),
  kind: z.literal(applicationKind, { message: `must be ${applicationKind}` }),
  metadata: applicationMetadataSchema,
  spec: applicationSpecSchema,
});

export function formatProblem(problem: ApplicationProblem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message;
}

export function formatApplicationKey(key: ApplicationKey): string {
  return `${key.namespace || '?'}/${key.name || '?'}`;
}

/** The two parts of a `namespace/name` key (split at the first slash); undefined for text with none. */
export function parseApplicationKey(key: string): ApplicationKey | undefined {
  const slash = key.indexOf('/');
  return slash < 0 ? undefined : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text ? `.${String(segment)}` : String(segment);
  }
  return text;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'string') return `the string "${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  if (typeof value === 'boolean') return `${value}`;
  return typeof value;
}

const expectedNames: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'an integer', boolean: 'true or false',
  object: 'an object', array: 'a list', literal: 'a fixed value',
};

function problemsOf(issue: z.core.$ZodIssue): ApplicationProblem[] {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return [{ path, message: 'is required' }];
      const expected = expectedNames[issue.expected] ?? issue.expected;
      return [{ path, message: `expected ${expected}, got ${describeValue(issue.input)}` }];
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1) return [{ path, message: 'must not be empty' }];
      return [{ path, message: issue.message.startsWith('must') ? issue.message : `must be at least ${String(issue.minimum)}` }];
    case 'too_big':
      return [{ path, message: issue.message.startsWith('must') ? issue.message : `must be at most ${String(issue.maximum)}` }];
    case 'invalid_value':
      return [{ path, message: issue.message.startsWith('must') ? issue.message : `must be one of ${issue.values.map(String).join(', ')}` }];
    case 'invalid_union':
    case 'invalid_format':
    case 'invalid_key':
    case 'invalid_element':
    case 'not_multiple_of':
    case 'custom':
      return [{ path, message: issue.message }];
  }
}

/** Object fields under these paths keep their nulls (the CRD preserves unknown fields there; Helm reads null as "delete"). */
const opaquePaths = new Set(['spec.source.helm.valuesObject']);

/**
 * The spec without fields set to null, as the API server stores it: it prunes a
 * null field whose schema is not nullable before validating, so `directory: null`
 * is "no directory" to both validators.
 */
function withoutNullFields(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutNullFields(item, `${path}[]`));
  if (typeof value !== 'object' || value === null || opaquePaths.has(path)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== null) copy[key] = withoutNullFields(item, `${path}.${key}`);
  }
  return copy;
}

/**
 * Validates `object` as an Application. `where` says where it came from
 * (`apps.yaml document 3`, `cluster`) and starts the summary message.
 */
export function parseApplication(object: unknown, where: string, options: ParseApplicationOptions = {}): ParseApplicationResult {
  const record = typeof object === 'object' && object !== null && !Array.isArray(object) ? object as Record<string, unknown> : undefined;
  const rawMeta = record?.metadata;
  const meta = typeof rawMeta === 'object' && rawMeta !== null ? rawMeta as Record<string, unknown> : undefined;
  const input = record
    ? {
      ...record,
      ...(record.spec === undefined ? {} : { spec: withoutNullFields(record.spec, 'spec') }),
      ...(meta && meta.namespace === undefined && options.defaultNamespace !== undefined
        ? { metadata: { ...meta, namespace: options.defaultNamespace } } : {}),
    }
    : object;
  const key: ApplicationKey = {
    namespace: typeof meta?.namespace === 'string' ? meta.namespace : options.defaultNamespace ?? '',
    name: typeof meta?.name === 'string' ? meta.name : '',
  };

  const parsed = envelopeSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap(problemsOf);
    const message = `${where}: Application ${formatApplicationKey(key)}: ${problems.map(formatProblem).join('; ')}`;
    return { ok: false, key, problems, message };
  }
  const { metadata, spec } = parsed.data;
  return {
    ok: true,
    application: {
      apiVersion,
      kind: applicationKind,
      metadata,
      spec,
      status: readApplicationStatus(record?.status),
    },
  };
}

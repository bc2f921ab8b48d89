/**
 * What a conversion of Argo CD or Flux objects into Berth's yields: the Berth
 * objects, and one finding per field that was not carried over (or per object
 * that could not be converted), each with the reason. Pure data, no I/O; the
 * `berth import` command prints the objects to stdout and the findings to stderr.
 */
import type { z } from 'zod';
import { apiVersion, applicationMetadataSchema, applicationSpecSchema, type ApplicationSpecInput } from '../application/schema.ts';
import { berthPolicyKind, berthPolicySpecSchema } from '../policy/berth-policy-schema.ts';

export const findingKinds = {
  /** The object was not converted at all: what it would do in Berth differs too much. */
  refused: 'refused',
  /** The object was converted without this field. */
  dropped: 'dropped',
  /** Carried over, but it behaves differently or needs a step by hand. */
  note: 'note',
} as const;
export type FindingKind = typeof findingKinds[keyof typeof findingKinds];

export interface Finding {
  /** The source object: `argoproj.io/Application/argocd/guestbook`. */
  object: string;
  /** The field, as a path: `spec.source.plugin`; `` for the whole object. */
  field: string;
  kind: FindingKind;
  reason: string;
}

export interface BerthObject {
  apiVersion: typeof apiVersion;
  kind: 'Application' | typeof berthPolicyKind;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface Conversion {
  objects: BerthObject[];
  findings: Finding[];
}

/** True when something was not carried over: an object refused or a field dropped (notes do not count). */
export function hasLosses(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.kind !== findingKinds.note);
}

const kindWords: Record<FindingKind, string> = { refused: 'not converted', dropped: 'not carried over', note: 'note' };

/** `argoproj.io/Application/argocd/guestbook: spec.source.plugin: not carried over: config management plugins are not supported` */
export function formatFinding(finding: Finding): string {
  return `${finding.object}: ${finding.field ? `${finding.field}: ` : ''}${kindWords[finding.kind]}: ${finding.reason}`;
}

/** Findings about one source object; `refused` tells whether any finding forbids its output. */
export class FindingList {
  readonly object: string;
  readonly items: Finding[] = [];
  constructor(object: string) {
    this.object = object;
  }
  add(kind: FindingKind, field: string, reason: string): void {
    this.items.push({ object: this.object, field, kind, reason });
  }
  refuse(field: string, reason: string): void { this.add(findingKinds.refused, field, reason); }
  drop(field: string, reason: string): void { this.add(findingKinds.dropped, field, reason); }
  note(field: string, reason: string): void { this.add(findingKinds.note, field, reason); }
  get refused(): boolean {
    return this.items.some((item) => item.kind === findingKinds.refused);
  }
  /**
   * Every key of `value` that is neither in `handled` nor silently ignorable is
   * dropped with the reason of `reasons` (or a generic one), so no field of the
   * source is ever lost without a word.
   */
  dropOthers(value: Record<string, unknown>, prefix: string, handled: readonly string[], reasons: Readonly<Record<string, string>> = {}): void {
    for (const key of Object.keys(value)) {
      if (handled.includes(key) || value[key] === undefined || value[key] === null) continue;
      this.drop(`${prefix}.${key}`, reasons[key] ?? 'Berth has no equivalent');
    }
  }
}

/** `group/Kind/namespace/name` of a source object, for findings. */
export function describeSource(object: Record<string, unknown>): string {
  const group = typeof object.apiVersion === 'string' ? object.apiVersion.split('/')[0] ?? '' : '';
  const meta = record(object.metadata);
  return [group, string(object.kind) ?? '?', string(meta.namespace), string(meta.name) ?? '?'].filter(Boolean).join('/');
}

/** `value` as a record, `{}` when it is anything else. */
export function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {};
}
export function string(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : [];
}
export function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value as unknown[] : [];
}
export function stringMap(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(record(value)).filter(([, item]) => typeof item === 'string')) as Record<string, string>;
}

/** A folder path as Berth writes it: `./kustomize` -> `kustomize`, `` or `./` -> `.`. */
export function folder(path: string | undefined): string {
  const trimmed = (path ?? '').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '.' : trimmed;
}

function issues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(spec)'}: ${issue.message}`).join('; ');
}

/**
 * A Berth Application, or undefined (and a refusal) when the schema rejects it:
 * the converter never prints an Application Berth or the API server would refuse.
 */
export function berthApplication(findings: FindingList, name: string, namespace: string, spec: ApplicationSpecInput): BerthObject | undefined {
  const metadata = applicationMetadataSchema.safeParse({ name, namespace });
  if (!metadata.success) { findings.refuse('metadata', `the Berth Application ${namespace}/${name} would be invalid: ${issues(metadata.error)}`); return undefined; }
  const parsed = applicationSpecSchema.safeParse(spec);
  if (!parsed.success) { findings.refuse('spec', `the Berth Application would be invalid: ${issues(parsed.error)}`); return undefined; }
  return { apiVersion, kind: 'Application', metadata: { name, namespace, annotations: { [importedFromAnnotation]: findings.object } }, spec };
}

/** A BerthPolicy, or undefined (and a refusal) when its schema rejects it. */
export function berthPolicy(findings: FindingList, name: string, spec: Record<string, unknown>): BerthObject | undefined {
  const parsed = berthPolicySpecSchema.safeParse(spec);
  if (!parsed.success) { findings.refuse('spec', `the BerthPolicy would be invalid: ${issues(parsed.error)}`); return undefined; }
  return { apiVersion, kind: berthPolicyKind, metadata: { name, annotations: { [importedFromAnnotation]: findings.object } }, spec };
}

/** Where an imported object came from, so a reader of the cluster can tell. */
export const importedFromAnnotation = 'berth.dev/imported-from';

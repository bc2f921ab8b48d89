/**
 * CustomResourceDefinitions made from zod schemas, as controller-gen makes them
 * from Go types: the zod schema Berth validates with is the one source, and the
 * CRD's OpenAPI schema is derived from it (`npm run generate` writes the files
 * under charts/berth/crds/; a test fails when a committed one differs).
 *
 * JSON Schema from zod is turned into a Kubernetes structural schema: no
 * defaults (Berth resolves them in one place, so a stored object shows what its
 * author wrote), no `additionalProperties: false` (the API server prunes unknown
 * fields instead, and Berth's own validation refuses them with a message),
 * free-form maps keep unknown fields, and `meta({ 'x-kubernetes-...' })` on a
 * zod schema passes through (CEL validations, list types).
 */
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean';
  jsonPath: string;
  priority?: number;
}

export interface CrdDefinition {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  scope: 'Namespaced' | 'Cluster';
  shortNames: string[];
  categories: string[];
  description: string;
  spec: z.ZodType;
  /** When set, a status subresource with this schema. */
  status?: z.ZodType;
  printerColumns: PrinterColumn[];
  labels: Record<string, string>;
}

const isObject = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);
const dropped = new Set(['$schema', 'default', 'propertyNames', 'id']);

/** One JSON Schema node as a structural schema node. */
export function toStructural(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (dropped.has(key)) continue;
    if (key === 'additionalProperties') {
      if (value === false || node.properties !== undefined) continue;
      if (isObject(value) && Object.keys(value).length === 0) {
        out['x-kubernetes-preserve-unknown-fields'] = true;
        continue;
      }
      out[key] = isObject(value) ? toStructural(value) : value;
      continue;
    }
    // z.int() says "a safe integer": true of every int64 the API server keeps, and noise in a CRD.
    if ((key === 'minimum' || key === 'maximum') && Math.abs(Number(value)) === Number.MAX_SAFE_INTEGER) continue;
    if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, isObject(child) ? toStructural(child) : child]));
      continue;
    }
    if (key === 'items' && isObject(value)) {
      out[key] = toStructural(value);
      continue;
    }
    out[key] = value;
  }
  // An empty schema (z.unknown()) is any value.
  if (Object.keys(out).length === 0) return { 'x-kubernetes-preserve-unknown-fields': true };
  return out;
}

/** The structural schema of a zod schema, as its author writes the object (defaults optional). */
export function structuralSchemaOf(schema: z.ZodType): JsonSchema {
  return toStructural(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
}

export function customResourceDefinition(definition: CrdDefinition): JsonSchema {
  const properties: JsonSchema = {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: structuralSchemaOf(definition.spec),
    ...(definition.status ? { status: structuralSchemaOf(definition.status) } : {}),
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${definition.plural}.${definition.group}`, labels: definition.labels },
    spec: {
      group: definition.group,
      scope: definition.scope,
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.singular,
        shortNames: definition.shortNames,
        categories: definition.categories,
      },
      versions: [{
        name: definition.version,
        served: true,
        storage: true,
        ...(definition.status ? { subresources: { status: {} } } : {}),
        additionalPrinterColumns: definition.printerColumns,
        schema: {
          openAPIV3Schema: { type: 'object', description: definition.description, required: ['spec'], properties },
        },
      }],
    },
  };
}

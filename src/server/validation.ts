/**
 * Request parameters, queries and bodies validated with zod; a failure is a 400
 * problem whose `errors` member names each field at fault.
 */
import { z } from 'zod';
import { isApplicationKey } from '../queue/reconcile-job.ts';
import { HttpError } from './errors.ts';

export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where: 'path' | 'query' | 'body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({ field: [where, ...issue.path.map(String)].join('.'), message: issue.message }));
  const detail = errors.map((error) => `${error.field}: ${error.message}`).join('; ');
  throw new HttpError(400, 'invalid-request', detail, { extensions: { errors } });
}

/** `{namespace}` and `{name}` of an Application route. */
export const applicationParams = z.object({
  namespace: z.string(),
  name: z.string(),
}).refine(({ namespace, name }) => isApplicationKey(`${namespace}/${name}`), {
  message: 'namespace and name must be DNS-1123 names', path: ['name'],
});

export const revisionSchema = z.string().min(1).max(256).regex(/^[^\s]+$/, 'must not contain whitespace');

export const syncBody = z.strictObject({
  revision: revisionSchema.optional(),
  dryRun: z.boolean().optional(),
  prune: z.boolean().optional(),
});

export const rollbackBody = z.union([
  z.strictObject({ id: z.int().min(1) }),
  z.strictObject({ revision: revisionSchema }),
], { error: 'expected {"id": <history entry id>} or {"revision": "<commit>"}' });

export const driftQuery = z.object({ format: z.enum(['json', 'text']).default('json') });

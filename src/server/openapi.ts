/**
 * The OpenAPI 3.1 document of the controller's HTTP API, served at
 * `/api/v1/openapi.json`. A test checks that every route of the Express app is
 * described here and that every path described here answers; keep both in step.
 * Request bodies and queries, the Application spec and the history and resource
 * entries are generated from the zod schemas that validate or shape them
 * (validation.ts, src/application/), so the document cannot drift from the code.
 */
import { z } from 'zod';
import { applicationSpecSchema } from '../application/schema.ts';
import { historyRecordSchema, resourceStatusSchema } from '../application/status-schema.ts';
import { driftQuery, rollbackBody, syncBody } from './validation.ts';
import { consolePaths, consoleSchemas } from './routes/console-openapi.ts';

/** A zod schema as an OpenAPI 3.1 (JSON Schema 2020-12) schema, as a client writes it. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

const problem = { $ref: '#/components/responses/Problem' };
const appParams = [
  { name: 'namespace', in: 'path', required: true, description: 'Namespace of the Application', schema: { type: 'string' } },
  { name: 'name', in: 'path', required: true, description: 'Name of the Application', schema: { type: 'string' } },
];
const readSecurity = [{ bearer: [] }, {}];
const adminSecurity = [{ bearer: [] }];
const json = (schema: object): object => ({ 'application/json': { schema } });
const ref = (name: string): object => ({ $ref: `#/components/schemas/${name}` });
const readErrors = { 400: problem, 401: problem, 403: problem, 404: problem };
const queued = { description: 'Queued; the work runs on a queue worker', content: json(ref('Queued')) };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Berth controller API',
    version: 'v1',
    description: 'Status, drift and history of Applications, operations on them, and repository webhooks. '
      + 'Applications are addressed as /api/v1/namespaces/{namespace}/applications/{name}. '
      + 'Reads need a read or admin bearer token unless BERTH_API_PUBLIC_READ=true; operations need an admin token. '
      + 'Errors are application/problem+json (RFC 9457) with types under https://berth.dev/problems/.',
  },
  paths: {
    '/healthz': { get: { summary: 'The process answers', security: [], responses: { 200: { description: 'ok' } } } },
    '/readyz': {
      get: {
        summary: 'The cluster and Redis are reachable', security: [],
        responses: { 200: { description: 'ready' }, 503: { description: 'not ready, with the reason' } },
      },
    },
    '/metrics': { get: { summary: 'Prometheus metrics', security: [], responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': {} } } } } },
    '/api/v1/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } } },
    '/api/v1/applications': {
      get: {
        summary: 'Every registered Application: sync status, health, revision, last sync time', security: readSecurity,
        responses: { 200: { description: 'The Applications', content: json({ type: 'object', properties: { items: { type: 'array', items: ref('ApplicationSummary') } } }) }, 401: problem, 403: problem },
      },
    },
    '/api/v1/namespaces/{namespace}/applications/{name}': {
      get: {
        summary: 'One Application: spec, status and the last operation', parameters: appParams, security: readSecurity,
        responses: { 200: { description: 'The Application', content: json(ref('ApplicationDetail')) }, ...readErrors },
      },
    },
    '/api/v1/namespaces/{namespace}/applications/{name}/drift': {
      get: {
        summary: 'Per-object drift: status, health, RFC 6902 patch and unified diff (Secret values masked)',
        parameters: [...appParams, { name: 'format', in: 'query', required: false, schema: schemaOf(driftQuery.shape.format), description: 'text: one unified diff of the whole Application' }],
        security: readSecurity,
        responses: {
          200: {
            description: 'The last drift report (status Unknown before the first check). With format=text, the header Berth-Sync-Status carries the status.',
            content: { ...json(ref('Drift')), 'text/plain': { schema: { type: 'string' } } },
          },
          ...readErrors,
        },
      },
    },
    '/api/v1/namespaces/{namespace}/applications/{name}/history': {
      get: {
        summary: 'Operations on the Application, newest first', parameters: appParams, security: readSecurity,
        responses: { 200: { description: 'History', content: json({ type: 'object', properties: { app: { type: 'string' }, items: { type: 'array', items: ref('HistoryEntry') } } }) }, ...readErrors },
      },
    },
    '/api/v1/namespaces/{namespace}/applications/{name}/resources': {
      get: {
        summary: 'Objects the Application manages, with sync status and health', parameters: appParams, security: readSecurity,
        responses: { 200: { description: 'Resources', content: json({ type: 'object', properties: { app: { type: 'string' }, items: { type: 'array', items: ref('Resource') } } }) }, ...readErrors },
      },
    },
    '/api/v1/namespaces/{namespace}/applications/{name}/sync': {
      post: {
        summary: 'Sync now; to a named revision, as a dry run, with or without prune',
        description: 'A sync to a revision is refused with 409 when the Application has automated sync (its next poll would undo it), unless it is a dry run. '
          + 'A dry run plans and dry-runs the sync on the server and persists nothing; its result is the Application\'s lastOperation.',
        parameters: appParams, security: adminSecurity,
        requestBody: { required: false, content: json(schemaOf(syncBody)) },
        responses: { 202: queued, ...readErrors, 409: problem, 413: problem, 415: problem },
      },
    },
    '/api/v1/namespaces/{namespace}/applications/{name}/refresh': {
      post: {
        summary: 'Resolve the tracked ref afresh and check drift (syncs only if automated)', parameters: appParams, security: adminSecurity,
        responses: { 202: queued, ...readErrors },
      },
    },
    '/api/v1/namespaces/{namespace}/applications/{name}/rollback': {
      post: {
        summary: 'Sync a revision from history', description: 'Refused with 409 when the Application has automated sync.',
        parameters: appParams, security: adminSecurity,
        requestBody: {
          required: true,
          content: json(schemaOf(rollbackBody)),
        },
        responses: { 202: queued, ...readErrors, 409: problem, 413: problem, 415: problem },
      },
    },
    '/api/v1/namespaces/{namespace}/applications/{name}/notifications': {
      get: {
        summary: 'The last notification deliveries of the Application (newest first, at most 50) and what came of each attempt',
        parameters: appParams, security: readSecurity,
        responses: { 200: { description: 'Deliveries', content: json({ type: 'object', properties: { application: { type: 'string' }, deliveries: { type: 'array', items: { type: 'object' } } } }) }, ...readErrors },
      },
    },
    '/api/v1/namespaces/{namespace}/notificationproviders/{name}/test': {
      post: {
        summary: 'Send a test message to one NotificationProvider now (berth notifications test)', parameters: appParams, security: adminSecurity,
        responses: { 200: { description: 'What the attempt came to (delivered, retry, dropped, skipped), without any secret', content: json({ type: 'object' }) }, ...readErrors },
      },
    },
    ...consolePaths,
    '/api/v1/webhooks/{provider}': {
      post: {
        summary: 'A repository host announces a push',
        description: 'Providers: github, gitlab, gitea (or forgejo, gogs), bitbucket-server, bitbucket-cloud, azure-devops, generic; registries: oci-distribution, harbor. Authenticated by the provider\'s '
          + 'signature, token, basic auth or bearer token with the secret from BERTH_WEBHOOK_SECRET_<PROVIDER> or BERTH_WEBHOOK_SECRET; a provider without a secret refuses every delivery. '
          + 'A redelivery of a delivery id queues nothing again. Rate limited per source address. What the headers alone condemn '
          + '(no or malformed signature, a wrong token, a declared length over the limit) is refused before the body is read; '
          + 'bodies being read share an in-flight byte budget (503 with Retry-After when it is spent).',
        security: [],
        parameters: [{ name: 'provider', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { required: true, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } },
        responses: {
          202: { description: 'Accepted: the Applications queued (none for a ping, an ignored event or a redelivery)', content: json(ref('WebhookAccepted')) },
          400: problem, 401: problem, 404: problem, 413: problem, 415: problem, 429: problem, 503: problem,
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'BERTH_API_ADMIN_TOKENS or BERTH_API_READ_TOKENS' },
      session: { type: 'apiKey', in: 'cookie', name: 'berth_session', description: 'The console session (POST /api/v1/session); a request that changes something also needs the X-Berth-CSRF header' },
    },
    responses: {
      Problem: { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: ref('Problem') } } },
    },
    schemas: {
      Problem: {
        type: 'object', required: ['type', 'title', 'status', 'detail', 'instance'],
        properties: {
          type: { type: 'string', format: 'uri' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, instance: { type: 'string' },
          errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
      ApplicationSummary: {
        type: 'object',
        properties: {
          key: { type: 'string', description: 'namespace/name' }, namespace: { type: 'string' }, name: { type: 'string' },
          origin: { type: 'string', enum: ['file', 'cluster'] }, valid: { type: 'boolean' },
          sync: { type: 'string', enum: ['Synced', 'OutOfSync', 'Unknown'] }, health: { type: 'string' },
          revision: { type: 'string' }, lastSyncAt: { type: 'string', format: 'date-time' }, release: { type: 'string' },
        },
      },
      ApplicationDetail: {
        allOf: [ref('ApplicationSummary'), {
          type: 'object',
          properties: {
            spec: schemaOf(applicationSpecSchema, 'output'), status: { type: 'object' }, updatedAt: { type: 'string' }, lastOperation: ref('Operation'),
            problems: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        }],
      },
      Operation: {
        type: 'object',
        properties: {
          kind: { type: 'string', enum: ['sync', 'rollback', 'refresh'] }, dryRun: { type: 'boolean' }, revision: { type: 'string' },
          phase: { type: 'string', enum: ['Succeeded', 'Failed'] }, message: { type: 'string' }, summary: { type: 'object' },
          changes: { type: 'array', items: { type: 'string' } }, finishedAt: { type: 'string' },
        },
      },
      Drift: {
        type: 'object',
        properties: {
          app: { type: 'string' }, status: { type: 'string', enum: ['Synced', 'OutOfSync', 'Unknown'] }, revision: { type: 'string' },
          checkedAt: { type: 'string' }, counts: { type: 'object' }, truncated: { type: 'boolean' },
          fallbacks: { type: 'array', items: { type: 'object' } },
          objects: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                group: { type: 'string' }, version: { type: 'string' }, kind: { type: 'string' }, namespace: { type: 'string' }, name: { type: 'string' },
                status: { type: 'string', enum: ['Synced', 'OutOfSync', 'Missing', 'Extraneous'] },
                health: { type: 'object', properties: { status: { type: 'string' }, message: { type: 'string' } } },
                patch: { type: 'array', items: { type: 'object' }, description: 'RFC 6902, from live to what a sync makes of it' },
                diff: { type: 'string', description: 'Unified diff of the YAML' }, truncated: { type: 'boolean' },
              },
            },
          },
        },
      },
      HistoryEntry: schemaOf(historyRecordSchema, 'output'),
      Resource: schemaOf(resourceStatusSchema, 'output'),
      Queued: {
        type: 'object',
        properties: { queued: { type: 'object', properties: { app: { type: 'string' }, reason: { type: 'string' }, operation: { type: 'object' } } } },
      },
      ...consoleSchemas,
      WebhookAccepted: {
        type: 'object',
        properties: {
          provider: { type: 'string' }, deliveryId: { type: 'string' }, duplicate: { type: 'boolean' }, skipped: { type: 'integer' },
          queued: { type: 'array', items: { type: 'object', properties: { app: { type: 'string' }, revision: { type: 'string' }, reason: { type: 'string' } } } },
        },
      },
    },
  },
};

/**
 * The console's routes in the OpenAPI document (openapi.ts spreads these in):
 * sign-in, the list, one Application, one object's drift and its "why not
 * drift", and the event stream. src/server/console/CONTRACT.md has the full
 * shapes with examples; bodies and queries here come from the zod schemas that
 * validate them.
 */
import { z } from 'zod';
import { notDriftVerdicts } from '../../../diff/explain-not-drift.ts';
import { signInBody } from './session.ts';
import { explainQuery, objectQuery } from './console.ts';
import { defaultPageSize, healthFilterValues, maxPageSize, syncFilterValues } from '../console/list-query.ts';

function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}

const problem = { $ref: '#/components/responses/Problem' };
const json = (schema: object): object => ({ 'application/json': { schema } });
const ref = (name: string): object => ({ $ref: `#/components/schemas/${name}` });
const readSecurity = [{ bearer: [] }, { session: [] }, {}];
const appParams = [
  { name: 'namespace', in: 'path', required: true, description: 'Namespace of the Application', schema: { type: 'string' } },
  { name: 'name', in: 'path', required: true, description: 'Name of the Application', schema: { type: 'string' } },
];
const queryOf = (schema: z.ZodObject): object[] => Object.entries(schema.shape).map(([name, field]) => ({
  name, in: 'query', required: !(field as z.ZodType).safeParse(undefined).success, schema: schemaOf(field as z.ZodType),
}));
const readErrors = { 400: problem, 401: problem, 403: problem, 404: problem };
const consoleApp = '/api/v1/console/namespaces/{namespace}/applications/{name}';

export const consolePaths = {
  '/api/v1/session': {
    post: {
      summary: 'Sign in to the console with an admin or read token: sets the HttpOnly, SameSite=Strict session cookie',
      description: 'The token is checked, never stored or echoed; Redis keeps an opaque session id\'s hash, the role and the expiry. Rate limited per address.',
      security: [], requestBody: { required: true, content: json(schemaOf(signInBody)) },
      responses: { 201: { description: 'Signed in', content: json(ref('ConsoleSession')) }, 400: problem, 401: problem, 415: problem, 429: problem, 503: problem },
    },
    get: {
      summary: 'Who the caller is (role admin or read, by cookie, bearer or public read), with the CSRF token of a cookie session',
      security: readSecurity, responses: { 200: { description: 'The caller', content: json(ref('ConsoleSession')) }, 401: problem },
    },
    delete: {
      summary: 'Sign out: the session is deleted and the cookie cleared (needs X-Berth-CSRF with the cookie)',
      security: [{ session: [] }, {}], responses: { 204: { description: 'Signed out' }, 403: problem },
    },
  },
  '/api/v1/console/applications': {
    get: {
      summary: 'One page of Applications with filters, and counts per state over all of them',
      description: `Ordered by namespace/name; at most ${maxPageSize} per page (default ${defaultPageSize}); sync is one of ${syncFilterValues.join(', ')}, health one of ${healthFilterValues.join(', ')} (repeat or comma-separate).`,
      security: readSecurity,
      parameters: ['namespace', 'sync', 'health', 'q', 'limit', 'cursor'].map((name) => ({ name, in: 'query', required: false, schema: { type: name === 'limit' ? 'integer' : 'string' } })),
      responses: { 200: { description: 'The page', content: json(ref('ConsoleApplicationPage')) }, 400: problem, 401: problem },
    },
  },
  [consoleApp]: {
    get: {
      summary: 'One Application in one request: source and commit, conditions, drift counts, history and the whole resource tree',
      parameters: appParams, security: readSecurity,
      responses: { 200: { description: 'The Application as the console shows it', content: json({ type: 'object' }) }, ...readErrors },
    },
  },
  [`${consoleApp}/drift-object`]: {
    get: {
      summary: 'The drift of one object of the Application: unified diff and RFC 6902 patch, Secret values masked',
      parameters: [...appParams, ...queryOf(objectQuery)], security: readSecurity,
      responses: { 200: { description: 'The object\'s drift', content: json({ type: 'object' }) }, ...readErrors },
    },
  },
  [`${consoleApp}/drift-object/explain`]: {
    get: {
      summary: 'Why one field of one object is or is not drift (patch, normalization, an ignoreDifferences rule, field managers)',
      parameters: [...appParams, ...queryOf(explainQuery)], security: readSecurity,
      responses: { 200: { description: 'The verdict and its reason', content: json(ref('NotDriftExplanation')) }, ...readErrors, 409: problem, 503: problem },
    },
  },
  '/api/v1/events': {
    get: {
      summary: 'Server-Sent Events: `app` when an Application changes on any replica, heartbeats, replay from Last-Event-ID',
      security: readSecurity,
      parameters: [
        { name: 'app', in: 'query', required: false, description: '<namespace>/<name>: only this Application\'s events', schema: { type: 'string' } },
        { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' } },
      ],
      responses: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 400: problem, 401: problem, 429: problem, 503: problem },
    },
  },
};

export const consoleSchemas = {
  ConsoleSession: {
    type: 'object', required: ['role', 'via', 'publicRead'],
    properties: {
      role: { type: 'string', enum: ['admin', 'read'] }, via: { type: 'string', enum: ['cookie', 'bearer', 'public'] },
      csrfToken: { type: 'string', description: 'Send as X-Berth-CSRF on every change made with the cookie' },
      expiresAt: { type: 'string', format: 'date-time' }, publicRead: { type: 'boolean' },
    },
  },
  ConsoleApplicationPage: {
    type: 'object',
    properties: {
      items: { type: 'array', items: { type: 'object' } }, nextCursor: { type: ['string', 'null'] },
      counts: { type: 'object', properties: { total: { type: 'integer' }, matching: { type: 'integer' }, sync: { type: 'object' }, health: { type: 'object' }, namespaces: { type: 'object' } } },
    },
  },
  NotDriftExplanation: {
    type: 'object',
    properties: {
      pointer: { type: 'string' },
      verdict: { type: 'string', enum: Object.values(notDriftVerdicts) },
      message: { type: 'string' }, rule: { type: ['object', 'null'] },
      managers: { type: 'array', items: { type: 'object', properties: { manager: { type: 'string' }, operation: { type: 'string' } } } },
    },
  },
};

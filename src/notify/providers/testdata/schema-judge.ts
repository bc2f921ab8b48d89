/**
 * Judges a request against a recorded operation (recorded-schemas.ts): the
 * method and path template, each path parameter, required headers, and the
 * JSON body field by field (required, optional, no undocumented field, types,
 * allowed values, lengths, nested shapes). Every problem is named by its place
 * (`body.attachments[0].color: ...`), so a failing table row says what the host
 * would have refused.
 */

export interface FieldRule {
  readonly type: 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null';
  readonly enum?: readonly string[];
  readonly maxLength?: number;
  readonly pattern?: RegExp;
  /** Arrays: the rule of every item. */
  readonly items?: FieldRule;
  readonly maxItems?: number;
  /** Objects: their fields. */
  readonly shape?: BodyRule;
  /** Several allowed shapes (Adaptive Card elements by `type`). */
  readonly oneOf?: readonly FieldRule[];
}

export interface BodyRule {
  readonly required: Readonly<Record<string, FieldRule>>;
  readonly optional?: Readonly<Record<string, FieldRule>>;
  /** Whether fields outside required/optional are accepted. */
  readonly additional?: boolean;
}

export interface RecordedOperation {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** Path template below the API base; `{name}` is one path segment. */
  readonly path: string;
  /** Each path parameter, as decoded. */
  readonly params: Readonly<Record<string, RegExp>>;
  /** Header names that must be present (lower-case) with a value matching. */
  readonly headers?: Readonly<Record<string, RegExp>>;
  readonly body?: BodyRule;
}

function typeOf(value: unknown): FieldRule['type'] | 'undefined' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' || type === 'object' ? type : 'undefined';
}

function judgeField(rule: FieldRule, value: unknown, at: string): string[] {
  if (rule.oneOf) {
    const each = rule.oneOf.map((option) => judgeField(option, value, at));
    return each.some((problems) => problems.length === 0) ? [] : [`${at}: matches none of the documented shapes (${each.map((problems) => problems[0]).join('; ')})`];
  }
  const actual = typeOf(value);
  if (actual !== rule.type) return [`${at}: is ${actual}, documented as ${rule.type}`];
  const problems: string[] = [];
  if (typeof value === 'string') {
    if (rule.enum && !rule.enum.includes(value)) problems.push(`${at}: "${value}" is not one of ${rule.enum.join(', ')}`);
    if (rule.maxLength !== undefined && value.length > rule.maxLength) problems.push(`${at}: ${value.length} characters, at most ${rule.maxLength}`);
    if (rule.pattern && !rule.pattern.test(value)) problems.push(`${at}: "${value}" does not match ${String(rule.pattern)}`);
  }
  if (Array.isArray(value)) {
    if (rule.maxItems !== undefined && value.length > rule.maxItems) problems.push(`${at}: ${value.length} items, at most ${rule.maxItems}`);
    if (rule.items) value.forEach((item, index) => problems.push(...judgeField(rule.items as FieldRule, item, `${at}[${index}]`)));
  }
  if (rule.shape && typeof value === 'object' && value !== null && !Array.isArray(value)) problems.push(...judgeBody(rule.shape, value as Record<string, unknown>, at));
  return problems;
}

export function judgeBody(rule: BodyRule, body: Record<string, unknown>, at = 'body'): string[] {
  const problems: string[] = [];
  for (const [key, field] of Object.entries(rule.required)) {
    if (!(key in body)) problems.push(`${at}.${key}: required, missing`);
    else problems.push(...judgeField(field, body[key], `${at}.${key}`));
  }
  for (const [key, value] of Object.entries(body)) {
    if (key in rule.required) continue;
    const field = rule.optional?.[key];
    if (field) problems.push(...judgeField(field, value, `${at}.${key}`));
    else if (rule.additional !== true) problems.push(`${at}.${key}: not a documented field`);
  }
  return problems;
}

export interface JudgedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Path parameters of `path` under `template`, decoded; undefined when it does not match. */
function matchPath(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, param: string) => {
    names.push(param);
    return '([^/]+)';
  });
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return undefined;
  return Object.fromEntries(names.map((param, index) => [param, decodeURIComponent(match[index + 1] ?? '')]));
}

/** The documented operation a request is, and what is wrong with it; `operation` undefined when it is none of them. */
export function judgeRequest(operations: readonly RecordedOperation[], apiBase: string, request: JudgedRequest): { operation?: RecordedOperation; problems: string[] } {
  if (!request.url.startsWith(`${apiBase}/`)) return { problems: [`${request.url} is not below ${apiBase}`] };
  const url = new URL(request.url);
  const path = url.pathname.slice(new URL(apiBase).pathname.replace(/\/$/, '').length);
  for (const operation of operations) {
    if (operation.method !== request.method) continue;
    const params = matchPath(operation.path, path);
    if (!params) continue;
    const problems: string[] = [];
    for (const [param, value] of Object.entries(params)) {
      const rule = operation.params[param];
      if (rule && !rule.test(value)) problems.push(`path parameter ${param}="${value}" does not match ${String(rule)}`);
    }
    for (const [header, rule] of Object.entries(operation.headers ?? {})) {
      const value = request.headers[header];
      if (value === undefined) problems.push(`header ${header}: required, missing`);
      else if (!rule.test(value)) problems.push(`header ${header}: does not match ${String(rule)}`);
    }
    if (operation.body) {
      let body: unknown;
      try {
        body = JSON.parse(request.body ?? '');
      } catch {
        problems.push('body: not JSON');
      }
      if (typeof body === 'object' && body !== null && !Array.isArray(body)) problems.push(...judgeBody(operation.body, body as Record<string, unknown>));
      else if (body !== undefined) problems.push('body: not a JSON object');
    } else if (request.body !== undefined) {
      problems.push(`body: ${operation.name} takes none`);
    }
    return { operation, problems };
  }
  return { problems: [`${request.method} ${path} is no documented operation`] };
}

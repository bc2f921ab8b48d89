/**
 * Stand-ins for the one HTTP function providers get: a recorder with scripted
 * answers, and a small in-memory Git host (pull requests, comments, notes,
 * discussions) for the update-in-place tests. They answer as the hosts document;
 * what was sent is judged by recorded-schemas.ts, not by these.
 */
import type { HttpPost, HttpRequest, HttpResponse, NotificationEvent } from '../event.ts';

export type Answer = HttpResponse | Error | ((request: HttpRequest) => HttpResponse | Error);

/** Records every request; answers from `answers` in turn (the last one repeats), 201 `{}` when none are given. */
export function recorder(...answers: Answer[]): { http: HttpPost; requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  const http: HttpPost = (request) => {
    requests.push(request);
    const next = answers.length > 1 ? answers.shift() : answers[0];
    const answer = typeof next === 'function' ? next(request) : next ?? { status: 201, headers: {}, body: '{}' };
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { http, requests };
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

export interface StoredComment {
  id: number;
  body: string;
  /** Only the token's own comments can be edited, as on the real hosts. */
  mine: boolean;
}

/**
 * GitHub's and GitLab's comment endpoints over one store. `pulls` are the pull
 * (merge) requests that contain the commit. Comments live per thread key
 * (`pr:<n>`, `commit:<sha>`); GitLab commit discussions hold one note each.
 */
export function commentHost(kind: 'github' | 'gitlab', pulls: number[]): { http: HttpPost; requests: HttpRequest[]; threads: Map<string, StoredComment[]> } {
  const threads = new Map<string, StoredComment[]>();
  const requests: HttpRequest[] = [];
  let nextId = 100;
  const thread = (key: string): StoredComment[] => {
    let list = threads.get(key);
    if (!list) threads.set(key, (list = []));
    return list;
  };
  const find = (id: number): StoredComment | undefined => [...threads.values()].flat().find((comment) => comment.id === id);
  const edit = (id: number, request: HttpRequest): HttpResponse => {
    const comment = find(id);
    if (!comment) return json(404, { message: 'Not Found' });
    if (!comment.mine) return json(403, { message: 'Forbidden' });
    comment.body = (JSON.parse(request.body ?? '{}') as { body: string }).body;
    return json(200, { id, body: comment.body });
  };
  const add = (key: string, request: HttpRequest): HttpResponse => {
    const comment = { id: nextId++, body: (JSON.parse(request.body ?? '{}') as { body: string }).body, mine: true };
    thread(key).push(comment);
    return json(201, kind === 'gitlab' && key.startsWith('commit:') ? { id: `d${comment.id.toString(16)}`, notes: [comment] } : comment);
  };
  const http: HttpPost = (request) => {
    requests.push(request);
    const path = new URL(request.url).pathname.replace(/^\/api\/v4/, '');
    const route = (pattern: RegExp): RegExpExecArray | null => pattern.exec(path);
    let m: RegExpExecArray | null;
    let answer: HttpResponse = json(404, { message: 'Not Found' });
    if (kind === 'github') {
      if (request.method === 'GET' && route(/^\/repos\/[^/]+\/[^/]+\/commits\/\w+\/pulls$/)) answer = json(200, pulls.map((number) => ({ number, state: 'open' })));
      else if (request.method === 'GET' && (m = route(/^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/))) answer = json(200, thread(`pr:${m[1] ?? ''}`).map(({ id, body }) => ({ id, body })));
      else if (request.method === 'POST' && (m = route(/^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/))) answer = add(`pr:${m[1] ?? ''}`, request);
      else if (request.method === 'PATCH' && (m = route(/^\/repos\/[^/]+\/[^/]+\/(?:issues\/)?comments\/(\d+)$/))) answer = edit(Number(m[1]), request);
      else if (request.method === 'GET' && (m = route(/^\/repos\/[^/]+\/[^/]+\/commits\/(\w+)\/comments$/))) answer = json(200, thread(`commit:${m[1] ?? ''}`).map(({ id, body }) => ({ id, body })));
      else if (request.method === 'POST' && (m = route(/^\/repos\/[^/]+\/[^/]+\/commits\/(\w+)\/comments$/))) answer = add(`commit:${m[1] ?? ''}`, request);
    } else {
      if (request.method === 'GET' && route(/^\/projects\/[^/]+\/repository\/commits\/\w+\/merge_requests$/)) answer = json(200, pulls.map((iid) => ({ iid, state: 'opened' })));
      else if (request.method === 'GET' && (m = route(/^\/projects\/[^/]+\/merge_requests\/(\d+)\/notes$/))) answer = json(200, thread(`pr:${m[1] ?? ''}`).map(({ id, body }) => ({ id, body, system: false })));
      else if (request.method === 'POST' && (m = route(/^\/projects\/[^/]+\/merge_requests\/(\d+)\/notes$/))) answer = add(`pr:${m[1] ?? ''}`, request);
      else if (request.method === 'PUT' && (m = route(/^\/projects\/[^/]+\/merge_requests\/\d+\/notes\/(\d+)$/))) answer = edit(Number(m[1]), request);
      else if (request.method === 'GET' && (m = route(/^\/projects\/[^/]+\/repository\/commits\/(\w+)\/discussions$/))) {
        answer = json(200, thread(`commit:${m[1] ?? ''}`).map((note) => ({ id: `d${note.id.toString(16)}`, notes: [{ id: note.id, body: note.body }] })));
      } else if (request.method === 'POST' && (m = route(/^\/projects\/[^/]+\/repository\/commits\/(\w+)\/discussions$/))) answer = add(`commit:${m[1] ?? ''}`, request);
      else if (request.method === 'PUT' && (m = route(/^\/projects\/[^/]+\/repository\/commits\/\w+\/discussions\/d[0-9a-f]+\/notes\/(\d+)$/))) answer = edit(Number(m[1]), request);
    }
    return Promise.resolve(answer);
  };
  return { http, requests, threads };
}

export const badSha = 'b'.repeat(40);
export const goodSha = 'a'.repeat(40);

export function sampleEvent(overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    id: 'shop/web/RolledBack/bbbbbbb',
    type: 'RolledBack',
    severity: 'error',
    application: { namespace: 'shop', name: 'web', uid: '0b5e7c1e-1111-4a4a-9c9c-123456789abc', repoURL: 'https://github.com/acme/deploy.git' },
    revision: badSha,
    previousRevision: goodSha,
    commit: { subject: 'web: bump image to 1.4.2', author: 'Ada Lovelace <ada@example.com>', url: `https://github.com/acme/deploy/commit/${badSha}` },
    reason: 'Deployment/shop/web: progress deadline exceeded (0 of 3 updated replicas available)',
    object: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    consoleUrl: 'https://berth.example.com/applications/shop/web',
    time: '2026-12-02T13:30:00Z',
    ...overrides,
  };
}

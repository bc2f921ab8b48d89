/**
 * Console sessions in Redis: the cookie carries an opaque random id (32 bytes,
 * base64url); Redis keeps, under the SHA-256 of that id, the role, the CSRF
 * token, the expiry and the SHA-256 of the API token that opened it, never the
 * token itself. Keyed by the id's hash so that someone who can read Redis keys
 * still cannot present a session. Every replica reads the same sessions.
 *
 * Promises: an id not of the right shape never reaches Redis; a record that does
 * not parse, or is past its expiry, is no session; the key's TTL is the session's.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Access } from '../auth.ts';

export interface ConsoleSession {
  role: Access;
  csrfToken: string;
  /** Hex SHA-256 of the API token that opened the session. */
  tokenDigest: string;
  createdAt: string;
  expiresAt: string;
}

export interface SessionStore {
  create(role: Access, tokenDigest: Buffer, now: Date): Promise<{ id: string; session: ConsoleSession }>;
  get(id: string, now: Date): Promise<ConsoleSession | undefined>;
  delete(id: string): Promise<void>;
}

const sessionSchema = z.strictObject({
  version: z.literal(1),
  role: z.enum(['admin', 'read']),
  csrfToken: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  tokenDigest: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
  expiresAt: z.string(),
});

/** 32 random bytes in base64url: what a session id and a CSRF token look like. */
export const randomTokenPattern = /^[A-Za-z0-9_-]{43}$/;

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isSessionIdShaped(id: string): boolean {
  return randomTokenPattern.test(id);
}

export class RedisSessionStore implements SessionStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(redis: Redis, options: { prefix: string; ttlMs: number }) {
    this.#redis = redis;
    this.#prefix = options.prefix;
    this.#ttlMs = options.ttlMs;
  }

  keyOf(id: string): string {
    return `${this.#prefix}:console-session:${createHash('sha256').update(id).digest('hex')}`;
  }

  async create(role: Access, tokenDigest: Buffer, now: Date): Promise<{ id: string; session: ConsoleSession }> {
    const id = randomToken();
    const session: ConsoleSession = {
      role, csrfToken: randomToken(), tokenDigest: tokenDigest.toString('hex'),
      createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + this.#ttlMs).toISOString(),
    };
    await this.#redis.set(this.keyOf(id), JSON.stringify({ version: 1, ...session }), 'PX', this.#ttlMs);
    return { id, session };
  }

  async get(id: string, now: Date): Promise<ConsoleSession | undefined> {
    if (!isSessionIdShaped(id)) return undefined;
    const raw = await this.#redis.get(this.keyOf(id));
    if (raw === null) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return undefined;
    }
    const result = sessionSchema.safeParse(parsed);
    if (!result.success) return undefined;
    const { version: _version, ...session } = result.data;
    return Date.parse(session.expiresAt) > now.getTime() ? session : undefined;
  }

  async delete(id: string): Promise<void> {
    if (!isSessionIdShaped(id)) return;
    await this.#redis.del(this.keyOf(id));
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppSummary } from './app-summary.ts';
import { byKey, decodeCursor, encodeCursor, listPage, listQuerySchema, type ListEntry } from './list-query.ts';

function entry(key: string, summary: Partial<AppSummary> = {}, valid = true): ListEntry<string> {
  return { key, namespace: key.split('/')[0] ?? '', app: key, valid, summary: { sync: 'Synced', health: 'Healthy', ...summary } };
}

const entries = [
  entry('team-b/api', { sync: 'OutOfSync', health: 'Degraded', revision: 'a1b2c3d4e5', subject: 'Bump API to 2.0' }),
  entry('team-a/web'),
  entry('team-a/db', { sync: 'OutOfSync', health: 'Progressing' }),
  entry('team-b/broken', { sync: 'Synced', health: 'Healthy' }, false),
  entry('team-a/cache', { health: 'Degraded' }),
].sort(byKey);

const query = (raw: Record<string, unknown>) => listQuerySchema.parse(raw);
const keys = (raw: Record<string, unknown>) => listPage(entries, query(raw)).entries.map((found) => found.key);

describe('a page of the Applications list', () => {
  const rows: { name: string; query: Record<string, unknown>; keys: string[] }[] = [
    { name: 'everything, ordered by namespace/name', query: {}, keys: ['team-a/cache', 'team-a/db', 'team-a/web', 'team-b/api', 'team-b/broken'] },
    { name: 'one namespace', query: { namespace: 'team-b' }, keys: ['team-b/api', 'team-b/broken'] },
    { name: 'one sync status', query: { sync: 'OutOfSync' }, keys: ['team-a/db', 'team-b/api'] },
    { name: 'an invalid Application counts as Unknown', query: { sync: 'Unknown' }, keys: ['team-b/broken'] },
    { name: 'health, repeated', query: { health: ['Degraded', 'Progressing'] }, keys: ['team-a/cache', 'team-a/db', 'team-b/api'] },
    { name: 'health, comma-separated', query: { health: 'Degraded,Progressing' }, keys: ['team-a/cache', 'team-a/db', 'team-b/api'] },
    { name: 'filters combine', query: { namespace: 'team-a', health: 'Degraded' }, keys: ['team-a/cache'] },
    { name: 'text in the name, any case', query: { q: 'CACH' }, keys: ['team-a/cache'] },
    { name: 'text in the commit subject', query: { q: 'bump api' }, keys: ['team-b/api'] },
    { name: 'the start of a revision', query: { q: 'a1b2c3' }, keys: ['team-b/api'] },
    { name: 'a page of two', query: { limit: '2' }, keys: ['team-a/cache', 'team-a/db'] },
  ];
  for (const row of rows) it(row.name, () => { assert.deepEqual(keys(row.query), row.keys); });

  it('follows the cursor to the end, every Application once', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = listPage(entries, query({ limit: '2', ...(cursor ? { cursor } : {}) }));
      seen.push(...page.entries.map((found) => found.key));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    assert.deepEqual(seen, entries.map((found) => found.key));
  });

  it('counts every state over all Applications, and how many the filters match', () => {
    const { counts, nextCursor } = listPage(entries, query({ sync: 'OutOfSync', limit: '1' }));
    assert.equal(counts.total, 5);
    assert.equal(counts.matching, 2);
    assert.deepEqual(counts.sync, { Synced: 2, OutOfSync: 2, Unknown: 1 });
    assert.equal(counts.health.Degraded, 2);
    assert.equal(counts.health.Unknown, 1);
    assert.deepEqual(counts.namespaces, { 'team-a': 3, 'team-b': 2 });
    assert.ok(nextCursor, 'a second matching Application is on the next page');
  });

  it('refuses what it does not know, naming the field', () => {
    for (const [raw, field] of [[{ sync: 'Broken' }, 'sync'], [{ health: 'Fine' }, 'health'], [{ limit: '501' }, 'limit'], [{ limit: '0' }, 'limit'],
      [{ cursor: 'bm90LWEtY3Vyc29y' }, 'cursor'], [{ namespace: '../etc' }, 'namespace'], [{ q: 'x'.repeat(201) }, 'q']] as const) {
      const result = listQuerySchema.safeParse(raw);
      assert.equal(result.success, false, JSON.stringify(raw));
      assert.equal(result.error.issues.at(0)?.path.at(0), field);
    }
  });

  it('gives out cursors that only name an Application key', () => {
    assert.equal(decodeCursor(encodeCursor('team-a/web')), 'team-a/web');
    assert.equal(decodeCursor(Buffer.from(JSON.stringify({ after: '../../x' })).toString('base64url')), undefined);
    assert.equal(decodeCursor('%%%'), undefined);
  });
});

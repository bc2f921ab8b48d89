/**
 * Test support for the per-kind health tables: load a `<kind>-<state>.yaml`
 * fixture and check `assessHealth` against one table row. Adding a fixture is one
 * row; a fixture without a row fails its kind's table, so none is forgotten.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { load } from 'js-yaml';
import type { KubeObject } from '../../objects.ts';
import { assessHealth } from '../assess.ts';
import type { Health, HealthStatus } from '../status.ts';

/** [fixture file, expected status or 'no opinion', expected message substring]. */
export type FixtureRow = readonly [fixture: string, status: HealthStatus | 'no opinion', message: string];

const testdata = import.meta.dirname;

export function loadFixture(name: string): KubeObject {
  const object = load(fs.readFileSync(path.join(testdata, name), 'utf8')) as KubeObject | null;
  if (!object || typeof object.kind !== 'string' || typeof object.metadata !== 'object') {
    throw new Error(`health/testdata/${name}: not a Kubernetes object`);
  }
  return object;
}

/**
 * One `it` per row, plus one that every fixture named `<prefix>...yaml` has a row.
 * `assess`: the rule under test when it is not the whole of assessHealth (the
 * kstatus rule on objects a built-in CEL rule now judges, say).
 */
export function itAssessesFixtures(prefixes: readonly string[], rows: readonly FixtureRow[], assess: (object: KubeObject) => Health | undefined = assessHealth): void {
  for (const [fixture, status, message] of rows) {
    it(`${fixture} is ${status}: "${message}"`, () => {
      const health = assess(loadFixture(fixture));
      if (status === 'no opinion') {
        assert.equal(health, undefined);
        return;
      }
      assert.ok(health, `${fixture}: expected ${status}, got no opinion`);
      assert.equal(health.status, status, `${fixture}: ${health.message}`);
      assert.ok(health.message.includes(message), `${fixture}: message "${health.message}" does not contain "${message}"`);
    });
  }
  it(`has a row for every ${prefixes.map((p) => `${p}*.yaml`).join(', ')} fixture`, () => {
    const listed = new Set(rows.map(([fixture]) => fixture));
    const files = fs.readdirSync(testdata).filter((f) => f.endsWith('.yaml') && prefixes.some((p) => f.startsWith(p)));
    assert.ok(files.length > 0, `no fixture starts with ${prefixes.join(' or ')}`);
    assert.deepEqual(files.filter((f) => !listed.has(f)), []);
  });
}

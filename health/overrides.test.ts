import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../objects.ts';
import { aggregateHealth } from './aggregate.ts';
import { assessHealth } from './assess.ts';
import { isHealthIgnored } from './overrides.ts';

function widget(annotations: Record<string, string>, status?: object, generation = 2): KubeObject {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop', generation, annotations }, ...(status ? { status } : {}) };
}
const ready = (status: string, observedGeneration = 2): object => ({ conditions: [{ type: 'Ready', status, reason: 'Because', observedGeneration }] });
const available = (status: string): object => ({ observedGeneration: 2, conditions: [{ type: 'Available', status, message: 'pods up' }] });

// [what, annotations, status, expected status or 'no opinion', message substring]
const rows: [string, Record<string, string>, object | undefined, string, string][] = [
  ['no annotation: the kind has no rule', {}, undefined, 'no opinion', ''],
  ['waits for a named condition that is True', { 'berth.dev/health-condition': 'Available' }, available('True'), 'Healthy', 'condition Available is True: pods up'],
  ['waits while the condition is False', { 'berth.dev/health-condition': 'Available' }, available('False'), 'Progressing', 'waiting for condition Available (False: pods up)'],
  ['waits while the condition is not reported', { 'berth.dev/health-condition': 'Available' }, { observedGeneration: 2 }, 'Progressing', 'waiting for condition Available (not reported yet)'],
  ['waits for the current generation', { 'berth.dev/health-condition': 'Ready' }, ready('True', 1), 'Progressing', 'waiting for condition Ready of generation 2'],
  ['a prefixed condition type', { 'berth.dev/health-condition': 'example.com/Ready' }, { conditions: [{ type: 'example.com/Ready', status: 'True' }] }, 'Healthy', 'condition example.com/Ready is True'],
  ['overrides the kind\'s own rule (a kstatus Ready False)', { 'berth.dev/health-condition': 'Available' }, { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }, { type: 'Available', status: 'False' }] }, 'Progressing', 'waiting for condition Available'],
  ['hostile: a condition type with a space', { 'berth.dev/health-condition': 'Ready; rm -rf /' }, ready('True'), 'Degraded', 'Widget/shop/w: annotation berth.dev/health-condition: "Ready; rm -rf /" is not a condition type'],
  ['hostile: an empty condition type', { 'berth.dev/health-condition': '' }, ready('True'), 'Degraded', 'Widget/shop/w: annotation berth.dev/health-condition: "" is not a condition type'],
  ['hostile: a 10,000-character value is cut in the message', { 'berth.dev/health-condition': 'A'.repeat(10_000) }, ready('True'), 'Degraded', `"${'A'.repeat(64)}…" is not a condition type`],
  ['hostile: an unknown berth.dev/health value', { 'berth.dev/health': 'healthy' }, ready('False'), 'Degraded', 'Widget/shop/w: annotation berth.dev/health: "healthy" is not one of: ignore'],
  ['hostile: a newline in the value stays on one line', { 'berth.dev/health': 'ignore\nplease' }, undefined, 'Degraded', '"ignore\\nplease"'],
];

describe('health overrides by annotation', () => {
  for (const [what, annotations, status, expected, message] of rows) {
    it(`${what} → ${expected}`, () => {
      const health = assessHealth(widget(annotations, status));
      if (expected === 'no opinion') {
        assert.equal(health, undefined);
        return;
      }
      assert.ok(health, 'no opinion');
      assert.equal(health.status, expected, health.message);
      assert.ok(health.message.includes(message), `"${health.message}" does not contain "${message}"`);
    });
  }

  it('berth.dev/health: ignore leaves the object out, as berth.dev/health-ignore: "true" does', () => {
    const failing: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'shop' } };
    const ignored: Record<string, string>[] = [{ 'berth.dev/health': 'ignore' }, { 'berth.dev/health-ignore': 'true' }];
    for (const annotations of ignored) {
      const object = widget(annotations, ready('False'));
      assert.equal(isHealthIgnored(object), true);
      const health = aggregateHealth([{ object, health: { status: 'Degraded', message: 'x' } }, { object: failing, health: { status: 'Healthy', message: 'ok' } }]);
      assert.equal(health.status, 'Healthy');
    }
    assert.equal(isHealthIgnored(widget({ 'berth.dev/health': 'Ignore' })), false);
  });

  it('a malformed berth.dev/health value is Degraded even where the kind has a rule of its own', () => {
    const map: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop', annotations: { 'berth.dev/health': 'skip' } } };
    assert.equal(assessHealth(map)?.status, 'Degraded');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fastJsonPatch from 'fast-json-patch';
import { createPatch, type PatchOperation } from './json-patch.ts';
import { listKeyResolver } from './list-keys.ts';

const ref = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
const keys = listKeyResolver(ref, []);

function applied(before: unknown, patch: PatchOperation[]): unknown {
  return fastJsonPatch.applyPatch(structuredClone(before), structuredClone(patch) as fastJsonPatch.Operation[], true, false).newDocument;
}

function podSpec(containers: { name: string; image?: string }[]): unknown {
  return { spec: { template: { spec: { containers: containers.map((c) => ({ image: 'nginx', ...c })) } } } };
}

/** A small deterministic generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('createPatch', () => {
  it('is empty for equal values', () => {
    assert.deepEqual(createPatch({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }, keys), []);
  });

  it('changes only the leaf that differs', () => {
    const patch = createPatch({ spec: { replicas: 1, paused: false } }, { spec: { replicas: 3, paused: false } }, keys);
    assert.deepEqual(patch, [{ op: 'replace', path: '/spec/replicas', value: 3 }]);
  });

  it('escapes "/" and "~" in member names (RFC 6901)', () => {
    const patch = createPatch({ metadata: { annotations: {} } }, { metadata: { annotations: { 'example.com/a~b': 'x' } } }, keys);
    assert.deepEqual(patch, [{ op: 'add', path: '/metadata/annotations/example.com~1a~0b', value: 'x' }]);
  });

  it('gives one add for a container inserted before another', () => {
    const before = podSpec([{ name: 'web' }, { name: 'worker' }]);
    const after = podSpec([{ name: 'sidecar' }, { name: 'web' }, { name: 'worker' }]);
    const patch = createPatch(before, after, keys);
    assert.deepEqual(patch, [{ op: 'add', path: '/spec/template/spec/containers/0', value: { image: 'nginx', name: 'sidecar' } }]);
    assert.deepEqual(applied(before, patch), after);
  });

  it('gives one move for an item moved to the end, not a rewrite of every position', () => {
    const before = podSpec([{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }]);
    const after = podSpec([{ name: 'b' }, { name: 'c' }, { name: 'd' }, { name: 'a' }]);
    const patch = createPatch(before, after, keys);
    assert.deepEqual(patch, [{ op: 'move', from: '/spec/template/spec/containers/0', path: '/spec/template/spec/containers/3' }]);
    assert.deepEqual(applied(before, patch), after);
  });

  it('follows an item that moved and changed', () => {
    const before = podSpec([{ name: 'a' }, { name: 'b' }]);
    const after = podSpec([{ name: 'b' }, { name: 'a', image: 'nginx:2' }]);
    const patch = createPatch(before, after, keys);
    assert.equal(patch.filter((op) => op.op === 'replace').length, 1);
    assert.deepEqual(applied(before, patch), after);
  });

  it('pairs container ports by containerPort and protocol, TCP when left out', () => {
    const before = { ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }] };
    const after = { ports: [{ containerPort: 53, protocol: 'TCP' }, { containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }] };
    const patch = createPatch(before, after, keys);
    assert.deepEqual(applied(before, patch), after);
    assert.ok(patch.some((op) => op.op === 'add' && op.path === '/ports/0'));
  });

  it('aligns an unkeyed list whose length changed by its longest common run', () => {
    const before = { args: ['--a', '--b', '--c'] };
    const after = { args: ['--a', '--x', '--b', '--c'] };
    assert.deepEqual(createPatch(before, after, keys), [{ op: 'add', path: '/args/1', value: '--x' }]);
  });

  it('replaces a value whose type changed', () => {
    assert.deepEqual(createPatch({ port: { a: 1 } }, { port: 'http' }, keys), [{ op: 'replace', path: '/port', value: 'http' }]);
  });

  it('turns live into predicted for random insertions, removals, reorders and changes of keyed lists', () => {
    const next = random(42);
    for (let round = 0; round < 300; round++) {
      const names = Array.from({ length: Math.floor(next() * 7) }, (_, i) => `c${i}`);
      const before = names.map((name) => ({ name, image: `img-${Math.floor(next() * 3)}`, env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }));
      const after = before
        .filter(() => next() > 0.2)
        .map((item) => (next() > 0.7 ? { ...item, image: 'changed', env: [...item.env].reverse() } : item))
        .sort(() => next() - 0.5);
      for (let i = 0; i < 2; i++) if (next() > 0.5) after.splice(Math.floor(next() * (after.length + 1)), 0, { name: `new${round}-${i}`, image: 'new', env: [] });
      const patch = createPatch({ spec: { containers: before } }, { spec: { containers: after } }, keys);
      assert.deepEqual(applied({ spec: { containers: before } }, patch), { spec: { containers: after } }, `round ${round}`);
      const added = after.filter((item) => !before.some((b) => b.name === item.name)).length;
      assert.equal(patch.filter((op) => op.op === 'add' && /^\/spec\/containers\/\d+$/.test(op.path)).length, added, `round ${round}: one add per new item`);
    }
  });

  it('turns live into predicted for random unkeyed lists', () => {
    const next = random(7);
    for (let round = 0; round < 300; round++) {
      const before = Array.from({ length: Math.floor(next() * 6) }, () => Math.floor(next() * 4));
      const after = Array.from({ length: Math.floor(next() * 6) }, () => Math.floor(next() * 4));
      assert.deepEqual(applied({ args: before }, createPatch({ args: before }, { args: after }, keys)), { args: after }, `round ${round}`);
    }
  });
});

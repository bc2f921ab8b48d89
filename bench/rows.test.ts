import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ceilingOf, ceilingRow } from './apiserver-limit.ts';
import { scaleRows } from './controller-scale-rows.ts';
import { markdownTable } from './report.ts';

describe('the API server ceiling', () => {
  it('is the highest median over the concurrencies tried', () => {
    assert.deepEqual(ceilingOf({ 32: [100, 300, 200], 64: [250, 240, 900] }), { requestsPerSecond: 250, concurrency: 64 });
  });

  it('divides Berth\'s apply throughput by it', () => {
    const row = ceilingRow(150, '1,000 objects', { requestsPerSecond: 600, concurrency: 64 });
    assert.equal(row.ratio, 0.25);
    assert.equal(row.berth?.unit, 'objects/s');
    assert.match(row.peer ?? '', /concurrency 64/);
  });
});

describe('controller-scale rows', () => {
  const rows = scaleRows({
    apps: 1000, objects: 4000, concurrency: 16, convergeSeconds: 95.5, peakRssMiB: 180,
    steady: { seconds: 60, controllerWrites: 0, controllerCpuSeconds: 1.2 },
    flux: { convergeSeconds: 253, peakRssMiB: 223 },
  });

  it('shows Flux\'s published figures without a ratio', () => {
    const converge = rows[0];
    assert.ok(converge);
    assert.equal(converge.berth?.value, 95.5);
    assert.equal(converge.peerFigure?.value, 253);
    assert.equal(converge.published, true);
    assert.equal(converge.ratio, undefined);
    assert.match(markdownTable(rows), /n\/a \(published figure\)/);
  });

  it('reports the steady state\'s writes and CPU as a share of a core', () => {
    assert.equal(rows[2]?.berth?.value, 0);
    assert.match(rows[3]?.notes ?? '', /2\.0 % of one core/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparedRow, formatMeasure, formatRatio, machineFactsMarkdown, markdownTable, median, parseEnvFile, percentile, ratioOfMedians } from './report.ts';

describe('median', () => {
  it('is the middle value of an odd count, whatever the order', () => {
    assert.equal(median([9, 1, 5]), 5);
  });
  it('is the mean of the two middle values of an even count', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
  it('is NaN for no values rather than a made-up 0', () => {
    assert.ok(Number.isNaN(median([])));
  });
});

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
  it('takes the nearest rank', () => {
    assert.equal(percentile(hundred, 0.5), 50);
    assert.equal(percentile(hundred, 0.99), 99);
    assert.equal(percentile(hundred, 1), 100);
  });
  it('of a single value is that value', () => {
    assert.equal(percentile([7], 0.95), 7);
  });
});

describe('ratioOfMedians', () => {
  it('divides the median of Berth by the median of the peer', () => {
    assert.equal(ratioOfMedians([1, 2, 100], [4, 4, 5]), 0.5);
  });
  it('is undefined when a side has no sample or the peer took no time', () => {
    assert.equal(ratioOfMedians([], [1]), undefined);
    assert.equal(ratioOfMedians([1], [0]), undefined);
  });
});

describe('comparedRow', () => {
  it('holds both medians and their ratio', () => {
    const row = comparedRow({ workload: 'apply', size: '10 objects', peer: 'kubectl', unit: 'ms' }, [100, 300, 200], [400, 400, 800]);
    assert.deepEqual(row.berth, { value: 200, unit: 'ms' });
    assert.deepEqual(row.peerFigure, { value: 400, unit: 'ms' });
    assert.equal(row.ratio, 0.5);
  });
});

describe('formatMeasure', () => {
  it('groups thousands and switches long times to seconds', () => {
    assert.equal(formatMeasure({ value: 1234.4, unit: 'ms' }), '1,234 ms');
    assert.equal(formatMeasure({ value: 12_345, unit: 'ms' }), '12.3 s');
    assert.equal(formatMeasure({ value: 4.2, unit: 'ms' }), '4.2 ms');
  });
  it('prints counts without decimals and rates with a sensible precision', () => {
    assert.equal(formatMeasure({ value: 3, unit: 'fetches' }), '3 fetches');
    assert.equal(formatMeasure({ value: 2345.6, unit: 'req/s' }), '2,346 req/s');
    assert.equal(formatMeasure({ value: 87.25, unit: 'MiB' }), '87.3 MiB');
  });
  it('prints a missing figure as a dash', () => {
    assert.equal(formatMeasure(undefined), '-');
    assert.equal(formatMeasure({ value: Number.NaN, unit: 'ms' }), '-');
  });
});

describe('markdownTable', () => {
  const rows = [
    comparedRow({ workload: 'drift check', size: '1,000 objects', peer: 'kubectl diff --server-side', unit: 'ms', notes: 'median of 3 | alternating' }, [500], [2000]),
    { workload: 'converge', size: '1,000 Applications', berth: { value: 90, unit: 's' as const }, peer: 'Flux', peerFigure: { value: 253, unit: 's' as const }, published: true },
    { workload: 'webhook to 202, p50', size: '200 requests', berth: { value: 3, unit: 'ms' as const } },
  ];
  const table = markdownTable(rows);
  const lines = table.trimEnd().split('\n');

  it('has a header, a separator and one line per row, each with seven cells', () => {
    assert.equal(lines.length, 2 + rows.length);
    for (const line of lines) assert.equal(line.split(/(?<!\\)\|/).length - 2, 7, line);
  });
  it('shows the ratio of a measured peer and never divides by a published one', () => {
    assert.match(lines[2] ?? '', /\| 0\.25x \|/);
    assert.match(lines[3] ?? '', /Flux \(published, not measured here\)/);
    assert.match(lines[3] ?? '', /n\/a \(published figure\)/);
    assert.equal(formatRatio(rows[2] ?? { workload: '', size: '' }), '-');
  });
  it('escapes a pipe inside a cell', () => {
    assert.match(lines[2] ?? '', /median of 3 \\\| alternating/);
  });
});

describe('machine facts', () => {
  it('reads versions.env, comments and quotes aside', () => {
    assert.deepEqual(parseEnvFile('# pinned\nKUBERNETES_VERSION=v1.35.4\nETCD_VERSION="v3.6.16"\n\n'), { KUBERNETES_VERSION: 'v1.35.4', ETCD_VERSION: 'v3.6.16' });
  });
  it('names cores, memory and every version', () => {
    const text = machineFactsMarkdown({ date: '2026-01-01', cores: 2, cpuModel: 'x', memoryGiB: 7.75, node: 'v24', kubernetes: 'v1.35.4', etcd: 'v3.6.16', kubectl: 'v1.35.4', git: '2.43', berthCommit: 'abc' });
    for (const fact of ['2 cores', '7.8 GiB', 'Node v24', 'Kubernetes v1.35.4', 'etcd v3.6.16', 'commit abc']) assert.ok(text.includes(fact), fact);
  });
});

import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { readTarGz, stripChartFolder, writeTarGz } from './helm-archive.ts';

describe('chart and artifact archives', () => {
  it('reads regular files and strips the chart folder', () => {
    const files = readTarGz(writeTarGz([{ path: 'web/Chart.yaml', data: 'name: web\n' }, { path: 'web/templates/cm.yaml', data: 'kind: ConfigMap\n' }]), 'web.tgz');
    assert.deepEqual(files.map((file) => file.path), ['web/Chart.yaml', 'web/templates/cm.yaml']);
    const { chart, files: inside } = stripChartFolder(files, 'web.tgz');
    assert.equal(chart, 'web');
    assert.deepEqual(inside.map((file) => [file.path, file.data.toString()]), [['Chart.yaml', 'name: web\n'], ['templates/cm.yaml', 'kind: ConfigMap\n']]);
  });

  const hostile: [string, Parameters<typeof writeTarGz>[0], RegExp][] = [
    ['a ../ path', [{ path: 'web/../../etc/passwd', data: 'x' }], /entry "web\/\.\.\/\.\.\/etc\/passwd" leaves the archive/],
    ['an absolute path', [{ path: '/etc/passwd', data: 'x' }], /leaves the archive/],
    ['a symlink', [{ path: 'web/templates/link.yaml', data: '', type: '2', linkTarget: '/etc/passwd' }], /is a symlink; Berth does not unpack links/],
  ];
  for (const [what, entries, message] of hostile) {
    it(`refuses ${what}`, () => {
      assert.throws(() => readTarGz(writeTarGz(entries), 'evil.tgz'), { name: 'InvalidSourceError', message });
    });
  }

  it('stops a gzip bomb at the byte cap, before holding it', () => {
    const bomb = writeTarGz([{ path: 'web/big.yaml', data: Buffer.alloc(8 * 1024 * 1024) }]);
    assert.ok(bomb.length < 64 * 1024, 'the bomb is small on the wire');
    assert.throws(() => readTarGz(bomb, 'bomb.tgz', { maxBytes: 1024 * 1024, maxEntries: 10 }), { name: 'InvalidSourceError', message: /bomb.tgz: inflates to more than 1048576 bytes/ });
  });

  it('caps the number of entries', () => {
    const many = writeTarGz(Array.from({ length: 20 }, (_, index) => ({ path: `web/f${index}`, data: '' })));
    assert.throws(() => readTarGz(many, 'many.tgz', { maxBytes: 1e6, maxEntries: 10 }), /more than 10 entries/);
  });

  it('says what is not an archive, and what is not a chart', () => {
    assert.throws(() => readTarGz(Buffer.from('not gzip'), 'x.tgz'), /x.tgz: not a gzipped tar archive/);
    assert.throws(() => stripChartFolder(readTarGz(writeTarGz([{ path: 'a/x', data: '' }, { path: 'b/Chart.yaml', data: '' }]), 'x'), 'x.tgz'), /not a Helm chart archive/);
    assert.throws(() => readTarGz(zlib.gzipSync(Buffer.alloc(600, 1)), 'short.tgz'), /truncated tar archive|not a regular file/);
  });
});

/**
 * A renderer that hangs or floods its output: a fake `helm` (a shell script,
 * as a chart's post-renderer or a plugin would be) given to the Renderer as its
 * binary, with a short deadline and a small output cap. Each is stopped at its
 * limit, within a bound, with an error that names the Application's path and
 * the limit; what the script started (a child that holds the output pipe open)
 * is stopped too, and the snapshot folder is removed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidSourceError } from '../../src/errors.ts';
import { LocalTree } from '../../src/source/local-tree.ts';
import { Renderer } from '../../src/render/render.ts';
import { tempDir } from '../harness/git-repositories.ts';

let root: string;

before(async () => {
  root = await tempDir('renderer-limits');
  await fs.mkdir(path.join(root, 'repo/apps/chart'), { recursive: true });
  await fs.writeFile(path.join(root, 'repo/apps/chart/Chart.yaml'), 'apiVersion: v2\nname: chart\nversion: 1.0.0\n');
  await fs.mkdir(path.join(root, 'work'));
});
after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A fake helm: a shell script running `body`. */
async function fakeHelm(name: string, body: string): Promise<string> {
  const file = path.join(root, `${name}.sh`);
  await fs.writeFile(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** Alive and not a zombie (an orphan killed here may wait for a PID 1 that does not reap). */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

async function renderWith(binary: string, limits: { timeoutMs: number; maxOutputBytes: number }): Promise<{ error: unknown; ms: number }> {
  const renderer = new Renderer({ helmBinary: binary, ...limits, workDir: path.join(root, 'work') });
  const started = Date.now();
  try {
    await renderer.render({ tree: new LocalTree(path.join(root, 'repo')), path: 'apps/chart', appName: 'web', namespace: 'shop' });
    return { error: undefined, ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
}

async function childPid(pidFile: string): Promise<number> {
  return Number((await fs.readFile(pidFile, 'utf8')).trim());
}

describe('a renderer past its limits', () => {
  it('that hangs is stopped at its deadline, with what it started', { timeout: 30_000 }, async (t) => {
    const pidFile = path.join(root, 'hang.pid');
    // The sleep is a child of the script: killing only the script would leave it holding the output pipe.
    const binary = await fakeHelm('hang', `sleep 300 & echo $! > ${pidFile}\nwait`);
    const { error, ms } = await renderWith(binary, { timeoutMs: 1_000, maxOutputBytes: 1024 * 1024 });
    t.diagnostic(`stopped after ${ms} ms: ${error instanceof Error ? error.message : String(error)}`);
    assert.ok(error instanceof InvalidSourceError, `expected an InvalidSourceError, got ${String(error)}`);
    assert.equal(error.reason, 'RenderFailed');
    assert.match(error.message, /^apps\/chart: helm template: did not finish within 1000 ms/);
    assert.ok(ms < 5_000, `the render returned ${ms} ms after it started, the deadline was 1000 ms`);
    assert.equal(await isRunning(await childPid(pidFile)), false, 'the hung renderer\'s child still runs');
    assert.deepEqual(await fs.readdir(path.join(root, 'work')), [], 'the snapshot was left behind');
  });

  it('that floods its output is stopped at the cap, with what it started', { timeout: 30_000 }, async (t) => {
    const pidFile = path.join(root, 'flood.pid');
    const binary = await fakeHelm('flood', `yes 'kind: ConfigMap' & echo $! > ${pidFile}\nwait`);
    const { error, ms } = await renderWith(binary, { timeoutMs: 20_000, maxOutputBytes: 256 * 1024 });
    t.diagnostic(`stopped after ${ms} ms: ${error instanceof Error ? error.message : String(error)}`);
    assert.ok(error instanceof InvalidSourceError, `expected an InvalidSourceError, got ${String(error)}`);
    assert.match(error.message, /^apps\/chart: helm template: printed more than 262144 bytes, the output limit/);
    assert.ok(ms < 10_000, `the render returned ${ms} ms after it started`);
    assert.equal(await isRunning(await childPid(pidFile)), false, 'the flooding renderer\'s child still runs');
  });

  it('that floods its error output is not held in memory past a bound, and fails naming the tool', { timeout: 30_000 }, async () => {
    const binary = await fakeHelm('stderr-flood', 'head -c 5000000 /dev/zero | tr "\\0" e >&2\nexit 1');
    const { error } = await renderWith(binary, { timeoutMs: 20_000, maxOutputBytes: 256 * 1024 });
    assert.ok(error instanceof InvalidSourceError, `expected an InvalidSourceError, got ${String(error)}`);
    assert.match(error.message, /^apps\/chart: helm template: failed \(exit 1\)/);
    assert.ok(error.message.length < 20_000, `the error carries ${error.message.length} characters`);
  });
});

/**
 * The README's commands are real: every `npm run` script it names exists, every
 * `berth` subcommand is registered and answers `--help`, every file or chart it
 * points at is in the repository, and every `helm --set` key is a key of the
 * chart's values. (The demo and the tests exercise what the commands do; this
 * keeps the text from drifting away from them.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** The shell lines of the README's ```sh blocks, continuation lines joined, comments dropped. */
function readmeCommands(): string[] {
  const text = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks.flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function hasValuesKey(values: unknown, dotted: string): boolean {
  let node: unknown = values;
  for (const part of dotted.split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return true;
}

describe('the README', () => {
  const commands = readmeCommands();

  it('has the two quick-start commands first: the demo and the tests', () => {
    assert.deepEqual(commands.slice(0, 2), ['npm run demo', 'npm test']);
    const ci = fs.readFileSync(path.join(root, '.ci/run'), 'utf8');
    assert.match(ci, /npm test/, '.ci/run does not call the README\'s test command');
  });

  it('names only npm scripts that exist', () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const named = commands.flatMap((line) => [...line.matchAll(/npm run ([\w:-]+)/g)].map((match) => match[1] ?? ''));
    assert.ok(named.length >= 3);
    for (const script of named) assert.ok(script in scripts, `npm run ${script}: no such script in package.json`);
    // The quick start's demo must set up everything itself on a fresh machine, as `npm test` does.
    for (const step of ['src/bin/setup', 'test/harness/ensure-redis.sh']) {
      assert.ok(scripts.demo?.includes(step), `npm run demo does not run ${step}`);
    }
  });

  it('names only berth commands that exist, and each answers --help', { timeout: 120_000 }, async () => {
    const used = [...new Set(commands.flatMap((line) => {
      const match = /^src\/bin\/berth ([a-z-]+)/.exec(line);
      return match?.[1] ? [match[1]] : [];
    }))];
    assert.ok(used.length >= 6, `only ${used.length} berth commands found in the README`);
    for (const command of used) {
      const { stdout } = await run(path.join(root, 'src/bin/berth'), [command, '--help'], { cwd: root });
      assert.match(stdout, new RegExp(`Usage: berth ${command}`), `berth ${command} --help`);
    }
  });

  it('points only at files that exist, and sets only chart values that exist', () => {
    const values = load(fs.readFileSync(path.join(root, 'charts/berth/values.yaml'), 'utf8'));
    let helmLines = 0;
    for (const line of commands) {
      for (const match of line.matchAll(/(?:^|\s)((?:charts|examples|test|src|bench)\/[\w./-]+)/g)) {
        const file = match[1] ?? '';
        assert.ok(fs.existsSync(path.join(root, file)), `${line}: ${file} does not exist`);
      }
      if (!line.startsWith('helm ')) continue;
      helmLines++;
      for (const match of line.matchAll(/--set ([\w.]+)=/g)) {
        assert.ok(hasValuesKey(values, match[1] ?? ''), `${line}: ${match[1] ?? ''} is not a key of charts/berth/values.yaml`);
      }
    }
    assert.ok(helmLines >= 1, 'the README no longer shows how to install the chart');
  });
});

/**
 * The layering of ../shared/DESIGN.md and zero import cycles, between files and
 * between folders, as a test: the real tree must pass, and a small tree that
 * breaks each rule must fail, so the check itself is known to work.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { cruise, type ICruiseOptions, type IReporterOutput } from 'dependency-cruiser';

const require = createRequire(import.meta.url);
interface Rules {
  forbidden: unknown[];
  options: ICruiseOptions;
  folderForbidden: unknown[];
  folderOptions: ICruiseOptions;
}
const rules = require('./dependency-rules.cjs') as Rules;
const root = path.resolve(import.meta.dirname, '../..');
const layers = ['objects.ts', 'src', 'sync', 'diff', 'health', 'webhooks', 'test', 'bench'];
/** The product: folder cycles are looked for here, without unit tests (see dependency-rules.cjs). */
const product = new Set(['objects.ts', 'src', 'sync', 'diff', 'health', 'webhooks']);

async function cruiseViolations(baseDir: string, folders: string[], forbidden: unknown[], extra: ICruiseOptions): Promise<string[]> {
  const previous = process.cwd();
  process.chdir(baseDir);
  try {
    const options = { ...rules.options, ...extra, ruleSet: { forbidden }, validate: true } as ICruiseOptions;
    const result: IReporterOutput = await cruise(folders.filter((f) => fs.existsSync(path.join(baseDir, f))), options);
    if (typeof result.output === 'string') throw new Error('expected a structured cruise result');
    return result.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (cycle: ${v.cycle.map((step) => step.name).join(' -> ')})` : ''}`);
  } finally {
    process.chdir(previous);
  }
}

/** Violations of the file rules in `folders`, then of the folder rules in the product folders among them. */
async function violations(baseDir: string, folders: string[]): Promise<string[]> {
  return [
    ...await cruiseViolations(baseDir, folders, rules.forbidden, {}),
    ...await cruiseViolations(baseDir, folders.filter((folder) => product.has(folder)), rules.folderForbidden, rules.folderOptions),
  ];
}

function writeTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-layering-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  fs.copyFileSync(path.join(root, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  return dir;
}

describe('layering', () => {
  it('holds for the whole tree: leaves stay leaves, sync/ never reaches src/, no cycles', async () => {
    assert.deepEqual(await violations(root, layers), []);
  });

  it('catches a leaf importing src/, sync/ importing src/, and a cycle', async (t) => {
    const dir = writeTree({
      'src/config.ts': "import { plan } from '../sync/plan.ts';\nexport const config = plan;\n",
      'sync/plan.ts': "import { config } from '../src/config.ts';\nexport const plan = () => config;\n",
      'diff/normalize.ts': "import { config } from '../src/config.ts';\nexport const n = config;\n",
      'health/assess.ts': "import { n } from '../diff/normalize.ts';\nexport const a = n;\n",
      'objects.ts': "import { a } from './health/assess.ts';\nexport const o = a;\n",
    });
    t.after(() => { fs.rmSync(dir, { recursive: true, force: true }); });
    const found = await violations(dir, ['objects.ts', 'src', 'sync', 'diff', 'health']);
    assert.ok(found.some((v) => v.startsWith('leaves-stay-leaves: diff/normalize.ts -> src/config.ts')), found.join('\n'));
    assert.ok(found.some((v) => v.startsWith('sync-does-not-reach-src: sync/plan.ts -> src/config.ts')), found.join('\n'));
    assert.ok(found.some((v) => v.startsWith('no-cycles:')), found.join('\n'));
    assert.ok(found.some((v) => v.startsWith('health-does-not-need-diff: health/assess.ts -> diff/normalize.ts')), found.join('\n'));
    assert.ok(found.some((v) => v.startsWith('shared-objects-are-the-leaf-of-leaves: objects.ts -> health/assess.ts')), found.join('\n'));
  });

  it('catches two folders that import each other without any file-level cycle', async (t) => {
    // render/manifests.ts -> source/errors.ts and source/git-tree.ts -> render/tree.ts:
    // no file imports itself back, yet src/render and src/source are one module.
    const dir = writeTree({
      'src/render/manifests.ts': "import { InvalidSourceError } from '../source/errors.ts';\nexport const parse = () => new InvalidSourceError();\n",
      'src/render/tree.ts': 'export interface SourceTree { read(path: string): string }\n',
      'src/source/errors.ts': 'export class InvalidSourceError extends Error {}\n',
      'src/source/git-tree.ts': "import type { SourceTree } from '../render/tree.ts';\nexport const tree: SourceTree = { read: (path) => path };\n",
      'src/cli/main.ts': "import { parse } from '../render/manifests.ts';\nimport { tree } from '../source/git-tree.ts';\nexport const run = () => [parse(), tree];\n",
    });
    t.after(() => { fs.rmSync(dir, { recursive: true, force: true }); });
    const found = await violations(dir, ['src']);
    assert.ok(found.some((v) => v.startsWith('no-folder-cycles: src/render -> src/source')), found.join('\n'));
    assert.ok(found.some((v) => v.startsWith('no-folder-cycles: src/source -> src/render')), found.join('\n'));
    assert.ok(!found.some((v) => v.startsWith('no-cycles:')), `no file-level cycle was planted:\n${found.join('\n')}`);
    assert.ok(!found.some((v) => v.includes('src/cli')), `src/cli only depends on both:\n${found.join('\n')}`);
  });

  it('catches a folder cycle through a third folder', async (t) => {
    const dir = writeTree({
      'src/a/one.ts': "import { two } from '../b/two.ts';\nexport const one = two;\n",
      'src/b/two.ts': "import { three } from '../c/three.ts';\nexport const two = three;\n",
      'src/c/three.ts': "import { four } from '../a/four.ts';\nexport const three = four;\n",
      'src/a/four.ts': 'export const four = 4;\n',
    });
    t.after(() => { fs.rmSync(dir, { recursive: true, force: true }); });
    const found = await violations(dir, ['src']);
    assert.ok(found.some((v) => v.startsWith('no-folder-cycles: src/c -> src/a')), found.join('\n'));
  });
});

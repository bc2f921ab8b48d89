/**
 * The layering of ../shared/DESIGN.md and zero import cycles, as a test: the real
 * tree must pass, and a small tree that breaks each rule must fail, so the check
 * itself is known to work.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { cruise, type ICruiseOptions, type IReporterOutput } from 'dependency-cruiser';

const require = createRequire(import.meta.url);
const rules = require('./dependency-rules.cjs') as ICruiseOptions & { forbidden: unknown[]; options: ICruiseOptions };
const root = path.resolve(import.meta.dirname, '../..');
const layers = ['objects.ts', 'src', 'sync', 'diff', 'health', 'webhooks', 'test', 'bench'];

async function violations(baseDir: string, folders: string[]): Promise<string[]> {
  const previous = process.cwd();
  process.chdir(baseDir);
  try {
    const options: ICruiseOptions = { ...rules.options, ruleSet: { forbidden: rules.forbidden }, validate: true } as ICruiseOptions;
    const result: IReporterOutput = await cruise(folders.filter((f) => fs.existsSync(path.join(baseDir, f))), options);
    if (typeof result.output === 'string') throw new Error('expected a structured cruise result');
    return result.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
  } finally {
    process.chdir(previous);
  }
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
});

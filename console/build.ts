/**
 * Builds the console (console/src, Preact + TypeScript) into console/dist with
 * esbuild: one JavaScript bundle and one stylesheet with content hashes in
 * their names, an index.html that loads them (no inline script or style, so the
 * server's Content-Security-Policy can forbid both), and manifest.json naming
 * the files. Nothing is fetched at run time: Preact is bundled, fonts are the
 * system's.
 *
 * `ensureConsoleBuilt()` rebuilds only when an input changed (a digest of every
 * source file, this script and the installed Preact and esbuild versions is
 * kept in dist/manifest.json), and swaps the new folder in by rename, so two
 * test processes that build at once never serve a half-written folder.
 *
 *   node console/build.ts            build when stale
 *   node console/build.ts --force    build anyway
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

export const consoleRoot = import.meta.dirname;
export const consoleDist = path.join(consoleRoot, 'dist');
const sourceDir = path.join(consoleRoot, 'src');
const root = path.resolve(consoleRoot, '..');

export interface ConsoleManifest {
  /** Digest of everything the build read. */
  inputs: string;
  script: string;
  stylesheet: string;
  builtAt: string;
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(full);
    return entry.name.endsWith('.test.ts') ? [] : [full];
  }).sort();
}

function versionOf(pkg: string): string {
  const text = fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8');
  return (JSON.parse(text) as { version?: string }).version ?? '?';
}

/** What a build depends on, as one digest. */
export function inputDigest(): string {
  const hash = createHash('sha256');
  for (const file of [...listFiles(sourceDir), path.join(consoleRoot, 'build.ts')]) {
    hash.update(path.relative(consoleRoot, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  hash.update(`preact ${versionOf('preact')} esbuild ${versionOf('esbuild')}`);
  return hash.digest('hex');
}

export function readManifest(dist = consoleDist): ConsoleManifest | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(dist, 'manifest.json'), 'utf8')) as Partial<ConsoleManifest>;
    if (typeof parsed.inputs !== 'string' || typeof parsed.script !== 'string' || typeof parsed.stylesheet !== 'string') return undefined;
    return parsed as ConsoleManifest;
  } catch {
    return undefined;
  }
}

function indexHtml(manifest: ConsoleManifest): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<title>Berth</title>',
    // No favicon request (a 404 in every log); data: is what the CSP's img-src allows besides 'self'.
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="/${manifest.stylesheet}">`,
    `<script type="module" src="/${manifest.script}"></script>`,
    '</head>',
    '<body><div id="root"><noscript>The Berth console needs JavaScript; the API is at /api/v1.</noscript></div></body>',
    '</html>',
    '',
  ].join('\n');
}

/** Builds into a fresh folder and renames it over console/dist. */
export async function buildConsole(): Promise<{ manifest: ConsoleManifest; ms: number }> {
  const started = performance.now();
  const inputs = inputDigest();
  const staging = fs.mkdtempSync(path.join(consoleRoot, '.dist-'));
  // mkdtemp makes it private; the controller may run as another user than the builder (the image).
  fs.chmodSync(staging, 0o755);
  try {
    const result = await build({
      entryPoints: { console: path.join(sourceDir, 'main.tsx') },
      bundle: true,
      outdir: path.join(staging, 'assets'),
      entryNames: '[name]-[hash]',
      assetNames: '[name]-[hash]',
      format: 'esm',
      target: 'es2022',
      platform: 'browser',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      minify: true,
      legalComments: 'none',
      metafile: true,
      logLevel: 'warning',
      tsconfig: path.join(consoleRoot, 'tsconfig.json'),
    });
    const outputs = Object.keys(result.metafile.outputs).map((file) => `assets/${path.basename(file)}`);
    const script = outputs.find((file) => file.endsWith('.js'));
    const stylesheet = outputs.find((file) => file.endsWith('.css'));
    if (!script || !stylesheet) throw new Error(`console build: expected one .js and one .css, got ${outputs.join(', ')}`);
    const manifest: ConsoleManifest = { inputs, script, stylesheet, builtAt: new Date().toISOString() };
    fs.writeFileSync(path.join(staging, 'index.html'), indexHtml(manifest));
    fs.writeFileSync(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const old = `${staging}-old`;
    if (fs.existsSync(consoleDist)) fs.renameSync(consoleDist, old);
    fs.renameSync(staging, consoleDist);
    fs.rmSync(old, { recursive: true, force: true });
    return { manifest, ms: performance.now() - started };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Builds when console/dist is missing or was built from other inputs; says which. */
export async function ensureConsoleBuilt(log: (line: string) => void = () => {}): Promise<ConsoleManifest> {
  const current = readManifest();
  if (current && current.inputs === inputDigest() && fs.existsSync(path.join(consoleDist, current.script))) return current;
  log(current ? 'console: sources changed, building console/dist' : 'console: building console/dist (missing)');
  const { manifest, ms } = await buildConsole();
  log(`console: built ${manifest.script} and ${manifest.stylesheet} in ${ms.toFixed(0)} ms`);
  return manifest;
}

if (import.meta.main) {
  const say = (line: string): void => { process.stderr.write(`${line}\n`); };
  if (process.argv.includes('--force')) {
    const { manifest, ms } = await buildConsole();
    say(`console: built ${manifest.script} and ${manifest.stylesheet} in ${ms.toFixed(0)} ms`);
  } else {
    await ensureConsoleBuilt(say);
  }
}

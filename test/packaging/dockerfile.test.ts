/**
 * Static checks of the top-level Dockerfile and .dockerignore (there is no
 * Docker engine to build with): pinned Node 24 base, a non-root numeric user,
 * `berth controller` as the command, no secrets in ENV/ARG, every COPY source
 * present in the build context or a previous stage, no HEALTHCHECK (the chart's
 * probes do that job), production-only dependencies, a cache volume.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  copyParts, dockerignoreKeeps, execForm, keyValues, parseDockerfile, readDockerfile, repositoryRoot, type Dockerfile, type Instruction,
} from './dockerfile.ts';

const dockerfile = readDockerfile();
const dockerignore = fs.readFileSync(path.join(repositoryRoot, '.dockerignore'), 'utf8');
const finalStage = dockerfile.stages.length - 1;
const inFinalStage = (keyword: string): Instruction[] =>
  dockerfile.instructions.filter((i) => i.keyword === keyword && i.stage === finalStage);
const last = (keyword: string): Instruction | undefined => inFinalStage(keyword).at(-1);

function finalEnvironment(file: Dockerfile): Map<string, string> {
  const env = new Map<string, string>();
  for (const instruction of file.instructions) {
    if (instruction.keyword === 'ENV' && instruction.stage === file.stages.length - 1) {
      for (const [key, value] of keyValues(instruction)) env.set(key, value);
    }
  }
  return env;
}

/** Every file under `dir` (relative to the repository root), skipping dependencies and VCS data. */
function filesUnder(dir: string): string[] {
  const absolute = path.join(repositoryRoot, dir);
  if (fs.statSync(absolute).isFile()) return [dir];
  return fs.readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(repositoryRoot, path.join(entry.parentPath, entry.name)));
}

describe('the Dockerfile', () => {
  it('builds on a pinned Node 24 slim image, and pins every other base image', () => {
    const final = dockerfile.stages[finalStage];
    assert.match(final?.image ?? '', /^node:24\.\d+\.\d+(-[a-z]+)?-slim(@sha256:[0-9a-f]{64})?$/, 'final stage: node:24.x.y-slim');
    for (const stage of dockerfile.stages) {
      const tag = /^[^@]+:([^:@/]+)(@sha256:[0-9a-f]{64})?$/.exec(stage.image)?.[1];
      assert.ok(tag && tag !== 'latest' && /\d+\.\d+/.test(tag), `${stage.image}: a versioned tag`);
    }
  });

  it('runs as a numeric non-root user', () => {
    const user = last('USER');
    assert.ok(user, 'the final stage sets USER');
    const [uid, gid] = user.args.split(':');
    assert.match(uid ?? '', /^\d+$/, 'a numeric uid (runAsNonRoot cannot check a user name)');
    assert.notEqual(Number(uid), 0);
    if (gid !== undefined) assert.notEqual(Number(gid), 0);
  });

  it('runs `berth controller` by default', () => {
    const entrypoint = last('ENTRYPOINT');
    const cmd = last('CMD');
    assert.ok(entrypoint && cmd);
    const command = [...execForm(entrypoint), ...execForm(cmd)];
    // Node flags may come between node and the script (src/bin/berth passes the same ones).
    assert.equal(command[0], 'node');
    assert.deepEqual(command.filter((word) => !word.startsWith('--')), ['node', 'src/cli/main.ts', 'controller']);
    const berthScript = fs.readFileSync(path.join(repositoryRoot, 'src/bin/berth'), 'utf8');
    for (const flag of ['--max-semi-space-size=4', '--optimize-for-size']) {
      assert.ok(berthScript.includes(flag) && command.includes(flag), `the image runs node with ${flag}, as src/bin/berth runs the controller`);
    }
    const workdir = last('WORKDIR')?.args ?? '/';
    const script = copyParts(inFinalStage('COPY').find((c) => copyParts(c).sources.includes('src')) ?? assert.fail('src is copied'));
    assert.equal(path.posix.resolve(workdir, script.destination), path.posix.join(workdir, 'src'));
    assert.ok(fs.existsSync(path.join(repositoryRoot, 'src/cli/main.ts')));
  });

  it('carries no secret in ENV or ARG', () => {
    const secretName = /(SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE|CREDENTIAL)/i;
    const secretValue = /(:\/\/[^/\s:@]+:[^/\s@]+@|-----BEGIN|^[A-Za-z0-9+/_-]{32,}={0,2}$|^gh[pousr]_|^AKIA)/;
    for (const instruction of dockerfile.instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')) {
      for (const [key, value] of keyValues(instruction)) {
        assert.doesNotMatch(key, secretName, `Dockerfile:${instruction.line}: ${key}`);
        assert.doesNotMatch(value, secretValue, `Dockerfile:${instruction.line}: ${key}`);
      }
    }
    // The checks themselves must catch what they look for.
    const leaky = parseDockerfile('FROM node:24.1.0-slim\nENV BERTH_WEBHOOK_SECRET=x REDIS=redis://u:hunter2@r:6379\n');
    const pairs = keyValues(leaky.instructions[1] as Instruction);
    assert.ok(pairs.some(([key]) => secretName.test(key)));
    assert.ok(pairs.some(([, value]) => secretValue.test(value)));
  });

  it('copies only what exists: files in the build context, or the output of an earlier stage', () => {
    for (const instruction of dockerfile.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
      assert.equal(instruction.keyword, 'COPY', `Dockerfile:${instruction.line}: COPY, not ADD`);
      const { options, sources } = copyParts(instruction);
      const from = options.get('from');
      if (from !== undefined) {
        const earlier = dockerfile.stages.slice(0, instruction.stage).map((s) => s.name);
        assert.ok(earlier.includes(from.toLowerCase()), `Dockerfile:${instruction.line}: --from=${from} names an earlier stage`);
        continue;
      }
      for (const source of sources) {
        assert.ok(fs.existsSync(path.join(repositoryRoot, source)), `Dockerfile:${instruction.line}: ${source} exists`);
        const kept = filesUnder(source).filter((file) => dockerignoreKeeps(dockerignore, file));
        assert.ok(kept.length > 0, `Dockerfile:${instruction.line}: .dockerignore leaves something of ${source}`);
      }
    }
  });

  it('keeps tests, dependencies and VCS data out of the build context', () => {
    for (const file of ['node_modules/zod/package.json', '.git/HEAD', '.toolchain/bin/node', 'test/harness/env.ts', 'src/log.test.ts', 'README.md']) {
      assert.equal(dockerignoreKeeps(dockerignore, file), false, file);
    }
    for (const file of ['package.json', 'package-lock.json', 'src/cli/main.ts', 'sync/engine.ts', 'diff/objects.ts']) {
      assert.equal(dockerignoreKeeps(dockerignore, file), true, file);
    }
  });

  it('has no HEALTHCHECK (Kubernetes probes /healthz and /readyz)', () => {
    assert.deepEqual(dockerfile.instructions.filter((i) => i.keyword === 'HEALTHCHECK'), []);
  });

  it('installs production dependencies only, and runs no package manager in the final stage', () => {
    const installs = dockerfile.instructions.filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install|i)\b/.test(i.args));
    assert.ok(installs.length > 0, 'dependencies are installed');
    // The stages whose node_modules the image copies; a build stage (the console's esbuild) hands over its output only.
    const shipped = new Set(inFinalStage('COPY').filter((c) => copyParts(c).sources.some((source) => source.includes('node_modules')))
      .map((c) => copyParts(c).options.get('from')?.toLowerCase()));
    assert.ok(shipped.size > 0, 'the image copies installed dependencies');
    for (const install of installs) {
      if (!shipped.has(dockerfile.stages[install.stage]?.name)) continue;
      assert.match(install.args, /--omit=dev\b/, `Dockerfile:${install.line}`);
      assert.notEqual(install.stage, finalStage, `Dockerfile:${install.line}: not in the final stage`);
    }
    assert.deepEqual(inFinalStage('RUN').filter((i) => /\b(npm|apt-get|yarn|pnpm)\b/.test(i.args)), []);
  });

  it('declares the cache folder a volume and points BERTH_CACHE_DIR at it, with kustomize and helm on PATH', () => {
    const env = finalEnvironment(dockerfile);
    const cacheDir = env.get('BERTH_CACHE_DIR');
    assert.ok(cacheDir, 'BERTH_CACHE_DIR is set');
    const volumes = inFinalStage('VOLUME').flatMap((v) => v.args.startsWith('[') ? execForm(v) : v.args.split(/\s+/));
    assert.ok(volumes.includes(cacheDir), `VOLUME ${cacheDir}`);
    const tools = inFinalStage('COPY').filter((c) => copyParts(c).options.has('from'))
      .flatMap((c) => copyParts(c).sources.map((source) => path.posix.join(copyParts(c).destination, path.posix.basename(source))));
    assert.ok(tools.includes('/usr/local/bin/kustomize'), tools.join(', '));
    assert.ok(tools.includes('/usr/local/bin/helm'), tools.join(', '));
  });
});

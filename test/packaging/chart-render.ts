/**
 * Runs the real `helm` (the harness's asset cache, or HELM_BIN) on charts/berth
 * and hands back the rendered objects, and sends objects to the API server as a
 * server-side apply dry run, so a test can tell whether the cluster would take
 * them without changing anything.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { dump, loadAll } from 'js-yaml';
import type { KubeObject } from '../../objects.ts';
import { createDiscovery } from '../../src/kube/discovery.ts';
import { KubeApiError, type RestClient } from '../../src/kube/rest.ts';
import { helmBinary } from '../harness/assets.ts';

const run = promisify(execFile);

export const chartDir = path.resolve(import.meta.dirname, '../../charts/berth');

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with `args`; never throws on a non-zero exit (tests assert on failures too). */
export async function helm(args: readonly string[]): Promise<HelmResult> {
  const binary = await helmBinary();
  // A private HOME: helm must not read or write the caller's repositories and plugins.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-helm-home-'));
  try {
    const { stdout, stderr } = await run(binary, args, { env: { PATH: process.env.PATH ?? '', HOME: home }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Writes `values` to a temp file and returns helm's `--values` arguments for it (none for undefined). */
function valuesArgs(values: Record<string, unknown> | undefined): { args: string[]; cleanup: () => void } {
  if (values === undefined) return { args: [], cleanup: () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-values-'));
  const file = path.join(dir, 'values.yaml');
  fs.writeFileSync(file, dump(values));
  return { args: ['--values', file], cleanup: () => { fs.rmSync(dir, { recursive: true, force: true }); } };
}

export async function lintChart(values?: Record<string, unknown>): Promise<HelmResult> {
  const { args, cleanup } = valuesArgs(values);
  try {
    return await helm(['lint', '--strict', chartDir, ...args]);
  } finally {
    cleanup();
  }
}

export interface TemplateOptions {
  release?: string;
  namespace?: string;
  values?: Record<string, unknown>;
  includeCrds?: boolean;
}

/** `helm template`; throws with helm's message when it fails. */
export async function renderChart(options: TemplateOptions = {}): Promise<KubeObject[]> {
  const { args, cleanup } = valuesArgs(options.values);
  try {
    const result = await helm([
      'template', options.release ?? 'berth', chartDir, '--namespace', options.namespace ?? 'berth',
      ...(options.includeCrds ? ['--include-crds'] : []), ...args,
    ]);
    if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr.trim()}`);
    return loadAll(result.stdout).filter((doc): doc is KubeObject => typeof doc === 'object' && doc !== null);
  } finally {
    cleanup();
  }
}

export function objectsOfKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((object) => object.kind === kind);
}

export function onlyObject(objects: readonly KubeObject[], kind: string): KubeObject {
  const found = objectsOfKind(objects, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
  return found[0] as KubeObject;
}

/** Server-side apply with dryRun=All for each object; returns `Kind/name: message` per rejected object. */
export async function dryRunApply(rest: RestClient, objects: readonly KubeObject[]): Promise<string[]> {
  const discovery = createDiscovery(rest);
  const problems: string[] = [];
  for (const object of objects) {
    const label = `${object.kind}/${object.metadata.name ?? ''}`;
    try {
      const info = await discovery.resolve(object.apiVersion, object.kind);
      const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
      const scope = info.namespaced ? `/namespaces/${object.metadata.namespace ?? 'default'}` : '';
      await rest.request('PATCH', `${base}${scope}/${info.resource}/${object.metadata.name ?? ''}`, {
        query: { fieldManager: 'berth-chart-test', force: 'true', dryRun: 'All' },
        body: object,
        contentType: 'application/apply-patch+yaml',
      });
    } catch (error) {
      problems.push(`${label}: ${error instanceof KubeApiError || error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}

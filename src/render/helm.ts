/**
 * The Helm renderer: `helm template` on a snapshot of the commit, with the
 * release name, namespace, value files, inline values and parameters of the
 * spec. Value files may not leave the repository. The output is split at
 * helm's `# Source:` comments, so each object (and each error) names the
 * template it came from, as a path in the repository.
 *
 * No value of the spec is ever an option of helm (issue #13): every flag is one
 * argument `--flag=value`, and the release name and chart follow `--`, so a
 * release name such as `--post-renderer=x` is a (refused) release name.
 *
 * Helm is told the cluster it renders for (issue 21), as Argo CD does: the
 * spec's `kubeVersion` and `apiVersions` when set, else the destination's
 * version and API versions (`cluster`); with neither, helm's built-in defaults
 * (Kubernetes v1.20.0 in a build without the version stamp), as `berth render`
 * without a cluster has them.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { HelmSource } from '../application/source-spec.ts';
import { InvalidSourceError } from '../errors.ts';
import { parseManifestFile, type Manifest } from './manifests.ts';
import { runTool, type ToolLimits } from './run-tool.ts';
import { normalizeTreePath, type SourceTree } from '../source/source-tree.ts';

export interface HelmRun {
  tree: SourceTree;
  snapshot: string;
  scratch: string;
  appPath: string;
  options: HelmSource;
  releaseName: string;
  namespace: string | undefined;
  binary: string;
  limits: ToolLimits;
  /** The destination cluster's version and API versions, when known. */
  cluster?: HelmCapabilities | undefined;
}

/** What helm's `.Capabilities` says of the cluster: `--kube-version` and `--api-versions`. */
export interface HelmCapabilities {
  kubeVersion: string;
  /** group/version and group/version/Kind entries, such as `apps/v1` and `apps/v1/Deployment`. */
  apiVersions: readonly string[];
}

/** The spec's settings win, each on its own; the cluster fills what the spec leaves out. */
export function helmCapabilities(options: Pick<HelmSource, 'kubeVersion' | 'apiVersions'>, cluster: HelmCapabilities | undefined): Partial<HelmCapabilities> {
  return {
    kubeVersion: options.kubeVersion ?? cluster?.kubeVersion,
    apiVersions: options.apiVersions.length > 0 ? options.apiVersions : cluster?.apiVersions ?? [],
  };
}

/** Whether rendering with `options` needs the cluster's capabilities at all. */
export function needsCluster(options: Pick<HelmSource, 'kubeVersion' | 'apiVersions'> | undefined): boolean {
  return options?.kubeVersion === undefined || options.apiVersions.length === 0;
}

/** BERTH_HELM, else `helm` on PATH. */
export function findHelm(env: NodeJS.ProcessEnv = process.env): string {
  return env.BERTH_HELM ?? 'helm';
}

async function valueFileArgs(run: HelmRun): Promise<string[]> {
  const args: string[] = [];
  for (const file of run.options.valueFiles) {
    let relative: string;
    try {
      relative = normalizeTreePath(path.posix.join(run.appPath, file));
    } catch (error) {
      throw new InvalidSourceError('InvalidPath', `${run.appPath}: value file ${file} leaves the repository`, { cause: error });
    }
    const type = await run.tree.stat(relative);
    if (type === 'symlink') throw new InvalidSourceError('InvalidPath', `${relative}: value file is a symlink; Berth does not follow symlinks`);
    if (type !== 'file') throw new InvalidSourceError('InvalidPath', `${relative}: value file not found`);
    args.push(`--values=${path.join(run.snapshot, relative)}`);
  }
  if (run.options.values !== undefined) {
    const inline = path.join(run.scratch, 'values-inline.yaml');
    await fs.writeFile(inline, run.options.values);
    args.push(`--values=${inline}`);
  }
  if (run.options.valuesObject !== undefined) {
    const object = path.join(run.scratch, 'values-object.json');
    await fs.writeFile(object, JSON.stringify(run.options.valuesObject));
    args.push(`--values=${object}`);
  }
  for (const parameter of run.options.parameters) {
    // One argument: commas, `=` and `{}` in it are Helm's --set syntax, which names no file and no option.
    args.push(`${parameter.forceString ? '--set-string' : '--set'}=${parameter.name}=${parameter.value}`);
  }
  return args;
}

/** Splits `helm template` output at its `# Source: <chart>/templates/x.yaml` comments. */
function splitBySource(output: string, appPath: string): { file: string; text: string }[] {
  const marker = /^# Source: (.+)$/gm;
  const starts = [...output.matchAll(marker)];
  if (starts.length === 0) return [{ file: `${appPath} (helm template)`, text: output }];
  return starts.map((match, index) => {
    const from = match.index;
    const to = starts[index + 1]?.index ?? output.length;
    // helm names templates `<chart name>/templates/...`; the chart name need not be the folder's.
    const template = (match[1] ?? '').trim().split('/').slice(1).join('/');
    return { file: path.posix.join(appPath, template), text: output.slice(from, to) };
  });
}

export async function renderHelm(run: HelmRun): Promise<Manifest[]> {
  const chart = path.join(run.snapshot, run.appPath);
  const { kubeVersion, apiVersions = [] } = helmCapabilities(run.options, run.cluster);
  const args = [
    'template',
    ...(run.namespace ? [`--namespace=${run.namespace}`] : []),
    ...(run.options.skipCrds ? ['--skip-crds'] : ['--include-crds']),
    ...(kubeVersion ? [`--kube-version=${kubeVersion}`] : []),
    ...apiVersions.map((version) => `--api-versions=${version}`),
    ...(await valueFileArgs(run)),
    '--', run.releaseName, chart,
  ];
  const output = await runTool({
    label: `${run.appPath || '.'}: helm template`, file: run.binary, args, cwd: run.scratch,
    home: run.scratch, hidePrefix: `${run.snapshot}/`,
  }, run.limits);
  return splitBySource(output, run.appPath).flatMap(({ file, text }) => parseManifestFile(text, file));
}

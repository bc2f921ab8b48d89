/**
 * The Kustomize renderer: `kustomize build`, or `kubectl kustomize` when no
 * kustomize binary is found, on a snapshot of the whole commit (a
 * kustomization may use `../base`). Options from the spec (name prefix,
 * namespace, images, common labels) go into an overlay kustomization beside the
 * snapshot that has the Application's path as its only resource, so Kustomize
 * itself applies them with its own rules.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { dump } from 'js-yaml';
import type { KustomizeSource } from '../application/source-spec.ts';
import { parseManifestFile, type Manifest } from './manifests.ts';
import { findOnPath, runTool, type ToolLimits, type ToolNetwork } from './run-tool.ts';

export interface KustomizeBinary {
  file: string;
  /** Arguments before the folder: `['build']` for kustomize, `['kustomize']` for kubectl. */
  args: string[];
}

/** BERTH_KUSTOMIZE, else `kustomize` on PATH, else `kubectl kustomize` (BERTH_KUBECTL or PATH). */
export function findKustomize(env: NodeJS.ProcessEnv = process.env): KustomizeBinary {
  const kustomize = env.BERTH_KUSTOMIZE ?? findOnPath('kustomize');
  if (kustomize) return { file: kustomize, args: ['build'] };
  return { file: env.BERTH_KUBECTL ?? findOnPath('kubectl') ?? 'kubectl', args: ['kustomize'] };
}

/** `name=newName:tag@digest`, `name:tag`, `name@digest` as `kustomize edit set image` reads them. */
export function parseImageOverride(spec: string): Record<string, string> {
  const [left, right] = spec.includes('=') ? [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)] : [undefined, spec];
  const [withoutDigest, digest] = right.split('@') as [string, string | undefined];
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > withoutDigest.lastIndexOf('/');
  const newName = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  const newTag = hasTag ? withoutDigest.slice(colon + 1) : undefined;
  const name = left ?? newName;
  return {
    name,
    ...(newName !== name ? { newName } : {}),
    ...(newTag ? { newTag } : {}),
    ...(digest ? { digest } : {}),
  };
}

function hasOverlay(options: KustomizeSource | undefined): options is KustomizeSource {
  return Boolean(options && (options.namePrefix || options.nameSuffix || options.namespace || options.images.length > 0
    || Object.keys(options.commonLabels).length > 0 || Object.keys(options.commonAnnotations).length > 0));
}

export interface KustomizeRun {
  /** The snapshot of the commit. */
  snapshot: string;
  /** A scratch folder for the overlay and the tool's HOME. */
  scratch: string;
  appPath: string;
  options: KustomizeSource | undefined;
  binary: KustomizeBinary;
  limits: ToolLimits;
  /** 'allowed' only when the kustomization scan found remote bases and the allow-list admitted each. */
  network: ToolNetwork;
}

export async function renderKustomize(run: KustomizeRun): Promise<Manifest[]> {
  let target = path.join(run.snapshot, run.appPath);
  if (hasOverlay(run.options)) {
    const options = run.options;
    const overlay = path.join(run.scratch, 'overlay');
    await fs.mkdir(overlay, { recursive: true });
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: [path.relative(overlay, target)],
      ...(options.namePrefix ? { namePrefix: options.namePrefix } : {}),
      ...(options.nameSuffix ? { nameSuffix: options.nameSuffix } : {}),
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.images.length > 0 ? { images: options.images.map(parseImageOverride) } : {}),
      ...(Object.keys(options.commonLabels).length > 0 ? { commonLabels: options.commonLabels } : {}),
      ...(Object.keys(options.commonAnnotations).length > 0 ? { commonAnnotations: options.commonAnnotations } : {}),
    };
    await fs.writeFile(path.join(overlay, 'kustomization.yaml'), dump(kustomization));
    target = overlay;
  }
  const label = `${run.appPath || '.'}: ${path.basename(run.binary.file)} ${run.binary.args.join(' ')}`;
  const output = await runTool({
    // The folder after `--`: it is Berth's own path, but no positional value is ever read as an option.
    label, file: run.binary.file, args: [...run.binary.args, '--', target], cwd: run.snapshot, network: run.network,
    home: run.scratch, hidePrefix: `${run.snapshot}/`,
  }, run.limits);
  return parseManifestFile(output, `${run.appPath || '.'} (kustomize build)`);
}

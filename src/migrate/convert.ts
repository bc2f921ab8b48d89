/**
 * `berth import`'s converter: any mix of Argo CD and Flux objects (as parsed
 * from YAML or listed from a cluster) to Berth Applications and BerthPolicies,
 * with a finding for everything not carried over. Pure. Objects of other kinds
 * are reported as not converted, never silently skipped; `List`s are unpacked.
 */
import { convertAppProject, convertArgoApplication } from './argo-cd.ts';
import { convertFlux } from './flux.ts';
import { describeSource, record, type Conversion, type Finding } from './findings.ts';

/** The API groups and kinds `berth import` reads. */
export const importedKinds = {
  argoApplication: { group: 'argoproj.io', kind: 'Application' },
  argoProject: { group: 'argoproj.io', kind: 'AppProject' },
  fluxGitRepository: { group: 'source.toolkit.fluxcd.io', kind: 'GitRepository' },
  fluxKustomization: { group: 'kustomize.toolkit.fluxcd.io', kind: 'Kustomization' },
  fluxHelmRelease: { group: 'helm.toolkit.fluxcd.io', kind: 'HelmRelease' },
} as const;
type ImportedKind = keyof typeof importedKinds;

function kindOf(object: Record<string, unknown>): ImportedKind | undefined {
  const group = typeof object.apiVersion === 'string' ? object.apiVersion.split('/')[0] : undefined;
  return (Object.keys(importedKinds) as ImportedKind[])
    .find((key) => importedKinds[key].group === group && importedKinds[key].kind === object.kind);
}

function flatten(objects: readonly unknown[]): Record<string, unknown>[] {
  return objects.map(record).flatMap((object) => object.kind === 'List' || (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items))
    ? flatten(object.items as unknown[])
    : [object]);
}

export function convertObjects(objects: readonly unknown[]): Conversion {
  const byKind: Record<ImportedKind, Record<string, unknown>[]> = {
    argoApplication: [], argoProject: [], fluxGitRepository: [], fluxKustomization: [], fluxHelmRelease: [],
  };
  const skipped: Finding[] = [];
  for (const object of flatten(objects)) {
    const kind = kindOf(object);
    if (kind) byKind[kind].push(object);
    else skipped.push({ object: describeSource(object), field: '', kind: 'refused', reason: 'not an Argo CD Application or AppProject, nor a Flux GitRepository, Kustomization or HelmRelease' });
  }
  const results = [
    ...byKind.argoProject.map(convertAppProject),
    ...byKind.argoApplication.map(convertArgoApplication),
    convertFlux(byKind.fluxGitRepository, byKind.fluxKustomization, byKind.fluxHelmRelease),
  ];
  return { objects: results.flatMap((result) => result.objects), findings: [...results.flatMap((result) => result.findings), ...skipped] };
}

/**
 * What spec.dependsOn needs to know, read once per reconcile: the dependency
 * graph from the registry (for the cycle check), each dependency's Application
 * and release record, and the policy that says which namespaces it may name.
 * The verdict is readiness.ts's; nothing here decides.
 */
import type { ReleaseRecord } from '../../sync/index.ts';
import type { AppRegistry, RegisteredApp } from '../application/app-registry.ts';
import type { Application } from '../application/index.ts';
import type { NamespacePolicy } from '../policy/policy.ts';
import { dependencyRefusal } from './dependency-policy.ts';
import { dependencyKey, dependencyKeys, findCycle } from './graph.ts';
import { dependencyVerdict, type DependencyObservation, type DependencyVerdict } from './readiness.ts';

type ValidApp = Extract<RegisteredApp, { valid: true }>;

/** What is read: the registry and the release store (src/controller/release-store.ts). */
export interface DependencyReads {
  registry: Pick<AppRegistry, 'get'>;
  releases: { load(app: Application['metadata']): Promise<Pick<ReleaseRecord, 'state' | 'appliedRevision'>> };
}

function sameSource(a: ValidApp, b: ValidApp): boolean {
  return a.spec.source.repoURL === b.spec.source.repoURL && a.spec.source.targetRevision === b.spec.source.targetRevision;
}

async function observeOne(deps: DependencyReads, app: ValidApp, namespace: string, name: string, readyExpr: string | undefined, targetCommit: string, policy: NamespacePolicy | undefined): Promise<DependencyObservation> {
  const key = dependencyKey(namespace, name);
  const base = { key, ...(readyExpr !== undefined ? { readyExpr } : {}) };
  const refusal = dependencyRefusal(app.application.metadata.namespace, namespace, policy);
  if (refusal) return { ...base, unavailable: refusal };
  const dependency = deps.registry.get(key);
  if (!dependency) return { ...base, unavailable: 'no such Application is known to the controller' };
  if (!dependency.valid) return { ...base, unavailable: `its spec is invalid: ${dependency.message}` };
  let record;
  try {
    record = await deps.releases.load(dependency.application.metadata);
  } catch (error) {
    return { ...base, unavailable: `its release record cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  const { state } = record;
  const release = { status: state.status, reason: state.reason, revision: state.revision, lastHealthyRevision: state.lastHealthyRevision, failedRevision: state.failedRevision };
  return {
    ...base,
    release: { status: state.status, revision: state.revision, appliedRevision: record.appliedRevision, failedRevision: state.failedRevision },
    ...(sameSource(app, dependency) ? { requiredRevision: targetCommit } : {}),
    self: {
      apiVersion: dependency.application.apiVersion, kind: dependency.application.kind,
      metadata: dependency.application.metadata, spec: dependency.application.spec,
      status: { ...dependency.application.status, release, sync: { revision: record.appliedRevision ?? '' } },
    },
  };
}

/** The verdict on `app`'s dependencies; undefined when it has none. */
export async function observeDependencies(deps: DependencyReads, app: ValidApp, targetCommit: string, policy: NamespacePolicy | undefined): Promise<DependencyVerdict | undefined> {
  const { dependsOn } = app.spec;
  if (dependsOn.length === 0) return undefined;
  const cycle = findCycle(app.key, (key) => {
    const known = deps.registry.get(key);
    return known?.valid ? dependencyKeys(known.application.metadata.namespace, known.spec.dependsOn) : undefined;
  });
  if (cycle) return dependencyVerdict(cycle, []);
  const own = app.application.metadata.namespace;
  const observed = await Promise.all(dependsOn.map((dependency) =>
    observeOne(deps, app, dependency.namespace ?? own, dependency.name, dependency.readyExpr, targetCommit, policy)));
  return dependencyVerdict(undefined, observed);
}

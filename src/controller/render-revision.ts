/**
 * One Application's desired objects at one commit: fetch the commit (shared
 * with every other Application on the same repository), read the tree without a
 * checkout, render it; and refuse, for an automatic sync, a commit from an
 * unrelated history (history-guard.ts). Source failures keep their class: an
 * InvalidSourceError (bad manifests, unknown ref) is not retried, a
 * TransientSourceError is.
 *
 * An empty render is a failed render unless `allowEmpty` is set (issue 21): it
 * is far likelier a folder Berth cannot read (Jsonnet, a wrong path) than an
 * intent to run nothing, and deployed it would report Synced and Healthy.
 */
import type { KubeObject } from '../../objects.ts';
import { UnrecoverableSyncError, renderedRevision, type RenderedRevision } from '../../sync/index.ts';
import type { Application, ResolvedApplicationSpec } from '../application/index.ts';
import type { Renderer } from '../render/render.ts';
import { emptyRenderMessage } from '../render/empty-render.ts';
import { InvalidSourceError } from '../errors.ts';
import type { GitSource, ResolvedRevision } from '../source/git-source.ts';
import { touchesAny } from '../source/git-tree.ts';
import { needsHistoryCheck, unrelatedHistoryRefusal } from './history-guard.ts';
import type { Repository } from '../source/repository.ts';
import type { SourceTree } from '../source/source-tree.ts';
import { enforceDestinationPolicy } from '../policy/enforce.ts';
import type { NamespacePolicy, SecurityPolicy } from '../policy/policy.ts';
import type { ClusterClient } from '../../sync/cluster.ts';

/** What a reconcile reads a source through: GitSource, or a chart/OCI source bound to one Application (helm-source.ts). */
export type RevisionSource = Pick<GitSource, 'resolveRevision' | 'fetch' | 'sharesHistory' | 'changedPaths'> & {
  tree(repository: Repository, commit: string): Promise<SourceTree>;
};

export interface RenderContext {
  git: RevisionSource;
  /** Fetches a Git-hosted chart's remote dependencies into its folder before helm runs (source/helm-dependencies.ts). */
  chartDependencies?: (chartDir: string) => Promise<void>;
  renderer: Renderer;
  application: Application;
  spec: ResolvedApplicationSpec;
  repository: Repository;
  /** The controller's security policy; every rendered set is checked against it before it is used. */
  policy?: { security: SecurityPolicy; namespace: NamespacePolicy | undefined; cluster: Pick<ClusterClient, 'resourceScope'> };
}

/**
 * The commit the Application's targetRevision names now. `fresh` asks the Git
 * server instead of reusing refs another replica listed a few seconds ago: a
 * webhook or a person announced a new commit, and the shared refs may predate it.
 */
export async function resolveTarget(context: RenderContext, fresh = false): Promise<ResolvedRevision> {
  return context.git.resolveRevision(context.repository, context.spec.source.targetRevision, fresh ? { maxAgeMs: 0 } : {});
}

export async function renderCommit(context: RenderContext, resolved: ResolvedRevision | string): Promise<KubeObject[]> {
  const { git, renderer, application, spec, repository } = context;
  const target = typeof resolved === 'string'
    ? { url: repository.url, targetRevision: resolved, kind: 'commit' as const, ref: undefined, commit: resolved }
    : resolved;
  await git.fetch(repository, target);
  const tree = await git.tree(repository, target.commit);
  const result = await renderer.render({
    tree,
    commit: target.commit,
    path: spec.source.path,
    directory: spec.source.directory,
    kustomize: spec.source.kustomize,
    helm: spec.source.helm,
    appName: application.metadata.name,
    namespace: spec.destinationNamespace,
    chartDependencies: context.chartDependencies,
  });
  const objects = result.manifests.map((manifest) => manifest.object);
  if (objects.length === 0 && !(spec.automated?.allowEmpty ?? false)) {
    throw new InvalidSourceError('InvalidManifest', await emptyRenderMessage(tree, spec.source.path, result.kind, spec.source.directory?.recurse ?? false));
  }
  if (context.policy) await enforceDestinationPolicy(objects, spec.destinationNamespace, context.policy.cluster, context.policy.security, context.policy.namespace);
  return objects;
}

/**
 * sync/'s render dependency: source errors mapped onto sync/'s error classes.
 * `refusal` (unrelatedHistoryOf) makes the render of `current` fail as invalid
 * input: nothing applied, nothing pruned, no retry until the ref moves.
 */
export function revisionRenderer(context: RenderContext, current: ResolvedRevision | undefined, refusal?: string): (revision: string) => Promise<RenderedRevision> {
  return async (revision) => {
    if (refusal !== undefined && current?.commit === revision) throw new UnrecoverableSyncError('InvalidManifests', [refusal]);
    // Source errors are sync/'s error classes (retryable or not as thrown): no translation.
    const target = current?.commit === revision ? current : revision;
    return renderedRevision(revision, await renderCommit(context, target));
  };
}

/**
 * Why an automatic sync must not deploy `target`: it shares no history with
 * `applied`, the commit deployed now (history-guard.ts). Undefined when it does,
 * when that is unknown, or when the target is the applied commit or a
 * fast-forward from it (decided from the cache, without asking the server).
 */
export async function unrelatedHistoryOf(context: RenderContext, applied: string | undefined, target: ResolvedRevision): Promise<string | undefined> {
  const { metadata } = context.application;
  const check = {
    repositoryURL: context.repository.url, targetRevision: context.spec.source.targetRevision,
    applied, target: target.commit, app: `${metadata.namespace}/${metadata.name}`,
  };
  if (!needsHistoryCheck(check)) return undefined;
  await context.git.fetch(context.repository, target);
  return unrelatedHistoryRefusal(check, await context.git.sharesHistory(context.repository, check.applied, target.commit));
}

/**
 * Whether the commits between `from` and the target leave everything this
 * Application renders from untouched: its path and its `watchPaths`. Unknown
 * (history not available locally, a force push to unrelated history) counts as
 * touched, so the filter can only ever save work, never skip a real change.
 */
export async function leavesPathsUntouched(context: RenderContext, from: string, target: ResolvedRevision): Promise<boolean> {
  await context.git.fetch(context.repository, target);
  const changed = await context.git.changedPaths(context.repository, from, target.commit);
  if (changed === undefined) return false;
  return !touchesAny(changed, [context.spec.source.path, ...context.spec.source.watchPaths]);
}

/**
 * `berth render <local-dir | repository-url>`: renders manifests the way the
 * controller would, without any cluster, and prints them (`-o yaml`, or
 * `-o json` as a v1 List). A local folder is rendered as it is on disk, or at
 * `--revision` from its Git history; a URL is fetched into the user's cache
 * (credentials from BERTH_GIT_TOKEN, or BERTH_GIT_USERNAME and
 * BERTH_GIT_PASSWORD). Any error exits non-zero with a message naming the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import git from 'isomorphic-git';
import { dump } from 'js-yaml';
import { isSourceError, InvalidSourceError } from '../errors.ts';
import { GitSource } from '../source/git-source.ts';
import { GitStore } from '../source/git-store.ts';
import { GitTree } from '../source/git-tree.ts';
import { credentialsFromEnvironment, parseRepository } from '../source/repository.ts';
import { LocalTree } from '../source/local-tree.ts';
import { objectsOf, Renderer } from '../render/render.ts';
import type { SourceTree } from '../source/source-tree.ts';

interface RenderCommandOptions {
  path: string;
  revision?: string;
  output: string;
  namespace?: string;
  releaseName?: string;
  recurse?: boolean;
}

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return process.env.BERTH_CACHE_DIR ?? path.join(base, 'berth', 'git');
}

const looksRemote = (target: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(target) || /^[\w.-]+@[\w.-]+:/.test(target);

/** A tree and its commit for a local folder at a revision of its own Git history. */
async function localRevision(folder: string, revision: string): Promise<{ tree: SourceTree; commit: string }> {
  const gitdir = path.join(folder, '.git');
  if (!fs.existsSync(gitdir)) throw new InvalidSourceError('InvalidPath', `${folder}: --revision needs a Git repository, and this folder has no .git`);
  const store = new GitStore(gitdir);
  let oid: string | undefined;
  for (const candidate of [revision, `refs/heads/${revision}`, `refs/tags/${revision}`]) {
    oid = await git.resolveRef({ fs, gitdir, ref: candidate }).catch(() => undefined);
    if (oid) break;
  }
  oid ??= await store.expandCommit(revision.toLowerCase());
  if (!oid) throw new InvalidSourceError('RevisionNotFound', `${folder}@${revision}: no branch, tag or commit by that name`);
  const commit = await store.peel(oid);
  return { tree: new GitTree(store, commit, `${folder}@${commit.slice(0, 12)}`), commit };
}

async function treeFor(target: string, options: RenderCommandOptions): Promise<{ tree: SourceTree; commit?: string }> {
  if (!looksRemote(target)) {
    const folder = path.resolve(target);
    if (!fs.existsSync(folder)) throw new InvalidSourceError('InvalidPath', `${target}: no such folder`);
    return options.revision ? localRevision(folder, options.revision) : { tree: new LocalTree(folder) };
  }
  const repository = parseRepository(target, credentialsFromEnvironment());
  const source = new GitSource({ cacheDir: cacheDir() });
  const revision = await source.resolveRevision(repository, options.revision ?? 'HEAD', { maxAgeMs: 0 });
  const { commit } = await source.fetch(repository, revision);
  return { tree: await source.tree(repository, commit), commit };
}

async function render(target: string, options: RenderCommandOptions): Promise<void> {
  if (options.output !== 'yaml' && options.output !== 'json') {
    throw new InvalidSourceError('InvalidManifest', `-o ${options.output}: the output format is yaml or json`);
  }
  const { tree, commit } = await treeFor(target, options);
  const result = await new Renderer().render({
    tree, ...(commit ? { commit } : {}), path: options.path,
    ...(options.recurse ? { directory: { recurse: true, include: [], exclude: [] } } : {}),
    ...(options.releaseName ? { helm: { releaseName: options.releaseName, valueFiles: [], parameters: [], skipCrds: false, apiVersions: [] } } : {}),
    appName: path.basename(path.resolve(target, options.path)).replace(/[^a-z0-9-]/g, '-') || 'release',
    namespace: options.namespace,
  });
  const objects = objectsOf(result);
  process.stdout.write(options.output === 'json'
    ? `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`
    : objects.map((object) => `---\n${dump(object, { lineWidth: -1 })}`).join(''));
}

export function registerRenderCommand(program: Command): void {
  program
    .command('render')
    .description('render the manifests of a local folder or a Git repository, without a cluster')
    .argument('<source>', 'a local folder, or an https:// repository URL')
    .option('-p, --path <path>', 'folder inside the source to render', '.')
    .option('-r, --revision <revision>', 'branch, tag, commit SHA or semver range (a URL defaults to HEAD; a folder to its files on disk)')
    .option('-o, --output <format>', 'yaml, or json (a v1 List)', 'yaml')
    .option('-n, --namespace <namespace>', 'destination namespace (passed to helm template)')
    .option('--release-name <name>', 'Helm release name (default: the folder name)')
    .option('--recurse', 'read subfolders of a plain manifest folder')
    .action(async (target: string, options: RenderCommandOptions) => {
      try {
        await render(target, options);
      } catch (error) {
        const message = isSourceError(error) ? error.message : error instanceof Error ? error.message : String(error);
        process.stderr.write(`berth render: ${message}\n`);
        process.exitCode = 1;
      }
    });
}

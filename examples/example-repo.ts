/**
 * The examples of this folder as the demo and the tests use them: every file of
 * one example, ready to commit to a local Git repository, and its
 * application.yaml with the repository URL and namespace of the run put in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dump, loadAll } from 'js-yaml';

export const examplesDir = import.meta.dirname;

export const exampleNames = ['plain', 'kustomize', 'helm', 'sync-waves'] as const;
export type ExampleName = (typeof exampleNames)[number];

/** Every file under examples/<name>, keyed by its path inside the example, for commitFiles. */
export function exampleFiles(name: string): Record<string, string> {
  const root = path.join(examplesDir, name);
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const absolute = path.join(entry.parentPath, entry.name);
    files[path.relative(root, absolute).split(path.sep).join('/')] = fs.readFileSync(absolute, 'utf8');
  }
  return files;
}

export interface ExampleTarget {
  repoURL: string;
  /** Namespace of both the Applications and their destination. */
  namespace: string;
  /** Replaces spec.syncPolicy.pollInterval, so a test need not wait a minute for a commit. */
  pollInterval?: string;
  /** Replaces spec.syncPolicy.rollback.healthTimeout. */
  healthTimeout?: string;
}

interface ExampleApplication {
  metadata: { name: string; namespace?: string };
  spec: {
    source: { repoURL: string };
    destination: { namespace: string };
    syncPolicy?: { pollInterval?: string; rollback?: { enabled?: boolean; healthTimeout?: string } };
  };
}

/** The Applications of examples/<name>/application.yaml, pointed at `target`. */
export function exampleApplications(name: string, target: ExampleTarget): ExampleApplication[] {
  const file = path.join(examplesDir, name, 'application.yaml');
  const documents = loadAll(fs.readFileSync(file, 'utf8')).filter((doc) => doc !== null && doc !== undefined) as ExampleApplication[];
  if (documents.length === 0) throw new Error(`${file}: no Application`);
  return documents.map((app) => {
    const copy = structuredClone(app);
    copy.metadata.namespace = target.namespace;
    copy.spec.source.repoURL = target.repoURL;
    copy.spec.destination.namespace = target.namespace;
    if (target.pollInterval) copy.spec.syncPolicy = { ...copy.spec.syncPolicy, pollInterval: target.pollInterval };
    if (target.healthTimeout) {
      copy.spec.syncPolicy = { ...copy.spec.syncPolicy, rollback: { ...copy.spec.syncPolicy?.rollback, healthTimeout: target.healthTimeout } };
    }
    return copy;
  });
}

/** Writes the Applications to `<dir>/<name>-apps.yaml` as a List; returns the file and the Applications' names. */
export function writeExampleApplications(dir: string, name: string, target: ExampleTarget): { file: string; apps: string[] } {
  const apps = exampleApplications(name, target);
  const file = path.join(dir, `${name}-apps.yaml`);
  fs.writeFileSync(file, dump({ apiVersion: 'v1', kind: 'List', items: apps }));
  return { file, apps: apps.map((app) => app.metadata.name) };
}

/**
 * `berth import`: Argo CD Applications and AppProjects, Flux GitRepositories,
 * Kustomizations and HelmReleases, read from a YAML file (`-f`, `-` for stdin)
 * or listed from a cluster (`--from-cluster`), printed as Berth Applications
 * and BerthPolicies (YAML on stdout, ready for `kubectl apply -f -`). What
 * could not be carried over is printed on stderr, one line per field, with the
 * reason. Nothing is written to any cluster.
 *
 * Exit codes: 0 everything was carried over; 1 something was not (stdout still
 * holds every object that could be converted); 2 usage error or unreadable
 * input; 3 the cluster could not be read.
 */
import fs from 'node:fs';
import type { Command, CommanderError } from 'commander';
import { dump } from 'js-yaml';
import { createRestClient, KubeApiError, type RestClient } from '../kube/rest.ts';
import { loadKubeConfig } from '../kube/kubeconfig.ts';
import { parseYamlDocuments } from '../render/kube-yaml.ts';
import { convertObjects, importedKinds } from '../migrate/convert.ts';
import { formatFinding, hasLosses } from '../migrate/findings.ts';

export const importExitCodes = { success: 0, notCarriedOver: 1, usage: 2, clusterFailed: 3 } as const;

const exitCodesHelp = `
Exit codes:
  0  every object and field was carried over
  1  something was not carried over (listed on stderr; stdout holds what was converted)
  2  usage error, or the input is not YAML
  3  the cluster could not be read`;

/** Where each kind is listed, newest API version first; a kind whose CRD is missing is skipped. */
const clusterResources = [
  { ...importedKinds.argoProject, plural: 'appprojects', versions: ['v1alpha1'] },
  { ...importedKinds.argoApplication, plural: 'applications', versions: ['v1alpha1'] },
  { ...importedKinds.fluxGitRepository, plural: 'gitrepositories', versions: ['v1', 'v1beta2'] },
  { ...importedKinds.fluxKustomization, plural: 'kustomizations', versions: ['v1', 'v1beta2'] },
  { ...importedKinds.fluxHelmRelease, plural: 'helmreleases', versions: ['v2', 'v2beta2', 'v2beta1'] },
] as const;

interface ImportFlags { file?: string; fromCluster?: boolean; kubeconfig?: string; context?: string; namespace?: string }

class UsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

function readInput(file: string): unknown[] {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  try {
    return parseYamlDocuments(text, file === '-' ? 'stdin' : file).map((document) => document.value);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

/** The objects of every imported kind in the cluster (or in `namespace`), apiVersion and kind filled in. */
export async function listFromCluster(rest: RestClient, namespace: string | undefined): Promise<unknown[]> {
  const objects: unknown[] = [];
  for (const resource of clusterResources) {
    for (const version of resource.versions) {
      const base = `/apis/${resource.group}/${version}`;
      const where = namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}` : `${base}/${resource.plural}`;
      try {
        const { body } = await rest.request('GET', where);
        const items = (body as { items?: Record<string, unknown>[] }).items ?? [];
        objects.push(...items.map((item) => ({ ...item, apiVersion: `${resource.group}/${version}`, kind: resource.kind })));
        break;
      } catch (error) {
        // No CRD (or not this version of it): nothing of this kind to import.
        if (error instanceof KubeApiError && error.status === 404) continue;
        throw error;
      }
    }
  }
  return objects;
}

async function importObjects(flags: ImportFlags): Promise<number> {
  if (Boolean(flags.file) === Boolean(flags.fromCluster)) throw new UsageError('give either -f FILE (- for stdin) or --from-cluster');
  let objects: unknown[];
  if (flags.file) {
    objects = readInput(flags.file);
  } else {
    const rest = await createRestClient(loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context }));
    try {
      objects = await listFromCluster(rest, flags.namespace);
    } finally {
      rest.close();
    }
  }
  const { objects: converted, findings } = convertObjects(objects);
  process.stdout.write(converted.map((object) => dump(object, { lineWidth: -1, noRefs: true })).join('---\n'));
  for (const finding of findings) process.stderr.write(`${formatFinding(finding)}\n`);
  return hasLosses(findings) ? importExitCodes.notCarriedOver : importExitCodes.success;
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('convert Argo CD Applications and AppProjects, and Flux GitRepositories with their Kustomizations and HelmReleases, into Berth Applications and BerthPolicies (YAML on stdout; what is not carried over, and why, on stderr)')
    .option('-f, --file <file>', 'a YAML file of one or more documents (or Lists); - reads stdin')
    .option('--from-cluster', 'list the Argo CD and Flux objects of the cluster instead (a missing CRD is skipped)')
    .option('--kubeconfig <file>', 'with --from-cluster: the kubeconfig (default: KUBECONFIG, ~/.kube/config or in-cluster)')
    .option('--context <name>', 'with --from-cluster: the kubeconfig context')
    .option('-n, --namespace <namespace>', 'with --from-cluster: only this namespace (AppProjects and GitRepositories live in their own namespaces too)')
    .addHelpText('after', exitCodesHelp)
    .exitOverride((error: CommanderError) => {
      process.exit(error.exitCode === 0 ? importExitCodes.success : importExitCodes.usage);
    })
    .action(async (flags: ImportFlags) => {
      let code: number;
      try {
        code = await importObjects(flags);
      } catch (error) {
        process.stderr.write(`berth import: ${(error as Error).message}\n`);
        code = error instanceof UsageError ? importExitCodes.usage : importExitCodes.clusterFailed;
      }
      process.exitCode = code;
    });
}

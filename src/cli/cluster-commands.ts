/**
 * `berth cluster add`: registers a cluster as `argocd cluster add` does (issue 19).
 * In the target cluster it creates a ServiceAccount `berth-manager` in kube-system,
 * binds it to cluster-admin (or --cluster-role) and waits for its token Secret; in
 * the cluster Berth runs in, it writes the cluster Secret (src/clusters) in the
 * controller's namespace, holding that token and the target's CA, never the
 * kubeconfig's own credentials. Running it again rotates nothing and changes only
 * what differs; `--rotate` replaces the token (the old one stops working).
 */
import type { Command } from 'commander';
import { createRestClient, KubeApiError, type RestClient } from '../kube/rest.ts';
import { loadKubeConfig } from '../kube/kubeconfig.ts';
import { clusterSecretLabel, clusterSecretLabelValue, parseClusterSecret } from '../clusters/cluster-secret.ts';
import type { KubeObject } from '../../objects.ts';

interface AddFlags {
  kubeconfig?: string;
  context?: string;
  name?: string;
  namespace: string;
  controllerKubeconfig?: string;
  controllerContext?: string;
  clusterRole: string;
  namespaces?: string;
  applicationNamespaces?: string;
  rotate?: boolean;
}

const serviceAccount = 'berth-manager';
const tokenSecret = 'berth-manager-token';
const systemNamespace = 'kube-system';
const namePattern = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/;

async function createOrKeep(rest: RestClient, collection: string, body: object): Promise<'created' | 'kept'> {
  try {
    await rest.request('POST', collection, { body });
    return 'created';
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 409) return 'kept';
    throw error;
  }
}

/** The long-lived token the token controller writes into a service-account-token Secret. */
async function waitForToken(rest: RestClient, timeoutMs = 30_000): Promise<{ token: string; ca: string | undefined }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await rest.request('GET', `/api/v1/namespaces/${systemNamespace}/secrets/${tokenSecret}`);
    const data = (body as { data?: Record<string, string> }).data ?? {};
    if (data.token) return { token: Buffer.from(data.token, 'base64').toString('utf8'), ca: data['ca.crt'] };
    if (Date.now() > deadline) throw new Error(`Secret ${systemNamespace}/${tokenSecret} got no token within ${timeoutMs / 1000}s: is the token controller running in that cluster (kube-controller-manager --service-account-private-key-file)?`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function addCluster(flags: AddFlags, out: (line: string) => void): Promise<void> {
  const targetCredentials = loadKubeConfig({ ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context ? { context: flags.context } : {}) });
  const server = targetCredentials.getCurrentCluster()?.server.replace(/\/+$/, '');
  if (!server) throw new Error('the target kubeconfig has no current cluster');
  const name = flags.name ?? flags.context ?? '';
  if (!namePattern.test(name)) throw new Error(`--name "${name}" must be a DNS name (lower-case letters, digits, - and .); give --name when the context name is not one`);
  const target = await createRestClient(targetCredentials);
  const home = await createRestClient(loadKubeConfig({
    ...(flags.controllerKubeconfig ? { kubeconfig: flags.controllerKubeconfig } : {}), ...(flags.controllerContext ? { context: flags.controllerContext } : {}),
  }));
  try {
    out(`${server}: ServiceAccount ${systemNamespace}/${serviceAccount} ${await createOrKeep(target, `/api/v1/namespaces/${systemNamespace}/serviceaccounts`, {
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace: systemNamespace },
    })}`);
    out(`${server}: ClusterRoleBinding ${serviceAccount} (${flags.clusterRole}) ${await createOrKeep(target, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: serviceAccount },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: flags.clusterRole },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace: systemNamespace }],
    })}`);
    if (flags.rotate) {
      await target.request('DELETE', `/api/v1/namespaces/${systemNamespace}/secrets/${tokenSecret}`).catch((error: unknown) => {
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      });
      out(`${server}: old token Secret deleted (the token in it no longer works)`);
    }
    out(`${server}: token Secret ${systemNamespace}/${tokenSecret} ${await createOrKeep(target, `/api/v1/namespaces/${systemNamespace}/secrets`, {
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
      metadata: { name: tokenSecret, namespace: systemNamespace, annotations: { 'kubernetes.io/service-account.name': serviceAccount } },
    })}`);
    const { token, ca } = await waitForToken(target);

    const secret: KubeObject & { stringData: Record<string, string> } = {
      apiVersion: 'v1', kind: 'Secret',
      metadata: { name, namespace: flags.namespace, labels: { [clusterSecretLabel]: clusterSecretLabelValue } },
      stringData: {
        name, server,
        config: JSON.stringify({ bearerToken: token, tlsClientConfig: ca ? { caData: ca } : {} }),
        ...(flags.namespaces ? { namespaces: flags.namespaces } : {}),
        ...(flags.applicationNamespaces ? { applicationNamespaces: flags.applicationNamespaces } : {}),
      },
    };
    // Checked as the controller will read it, before anything is written where it reads.
    parseClusterSecret({ ...secret, data: Object.fromEntries(Object.entries(secret.stringData).map(([key, value]) => [key, Buffer.from(value).toString('base64')])) });
    const collection = `/api/v1/namespaces/${flags.namespace}/secrets`;
    if (await createOrKeep(home, collection, secret) === 'kept') {
      await home.request('PUT', `${collection}/${name}`, { body: secret });
      out(`${home.server}: cluster Secret ${flags.namespace}/${name} updated`);
    } else {
      out(`${home.server}: cluster Secret ${flags.namespace}/${name} created`);
    }
    out(`Applications deploy there with spec.destination.name: ${name}`);
  } finally {
    target.close();
    home.close();
  }
}

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('destination clusters of the controller (cluster Secrets in its namespace)');
  cluster
    .command('add')
    .description('create a ServiceAccount with a token in the target cluster and write its cluster Secret where the controller reads it')
    .option('--kubeconfig <file>', 'kubeconfig of the target cluster (default: KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'context of the target cluster (also the default --name)')
    .option('--name <name>', 'the cluster\'s name in spec.destination.name')
    .option('-n, --namespace <namespace>', 'the controller\'s namespace', 'berth')
    .option('--controller-kubeconfig <file>', 'kubeconfig of the cluster Berth runs in (default: KUBECONFIG or ~/.kube/config)')
    .option('--controller-context <name>', 'context of the cluster Berth runs in')
    .option('--cluster-role <name>', 'ClusterRole the ServiceAccount is bound to', 'cluster-admin')
    .option('--namespaces <globs>', 'destination namespaces allowed there, comma-separated (default: all)')
    .option('--application-namespaces <globs>', 'Application namespaces that may deploy there, comma-separated (default: all)')
    .option('--rotate', 'replace the token (the old one stops working once the controller reads the new Secret)')
    .action(async (flags: AddFlags) => {
      try {
        await addCluster(flags, (line) => { process.stdout.write(`${line}\n`); });
      } catch (error) {
        process.stderr.write(`berth cluster add: ${(error as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}

/**
 * What the demo runs on: a Kubernetes control plane and Redis (the test
 * harness's, started here, or an existing one named by BERTH_TEST_KUBECONFIG
 * and BERTH_TEST_REDIS_URL), a Git repository served over HTTP on loopback, and
 * `berth controller` as a child process with its HTTP API on a free port.
 * Everything lives under one temp folder; `close()` undoes it all, in reverse.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dump } from 'js-yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { createRestClient, KubeApiError, type RestClient } from '../src/kube/rest.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { freePort } from '../test/harness/ports.ts';
import { exampleApplications, exampleFiles } from './example-repo.ts';
import { createRepository, startGitServer, type TestRepository } from '../test/harness/git-repositories.ts';

const root = path.resolve(import.meta.dirname, '..');

export interface DemoEnvironment {
  dir: string;
  kubeconfig: string;
  namespace: string;
  rest: RestClient;
  repository: TestRepository;
  /** Files of examples/plain, to commit (and change) in the demo repository. */
  files: Record<string, string>;
  apiUrl: string;
  /** File holding the API's admin token (the token itself is never printed). */
  tokenFile: string;
  controllerLog: string;
  startController(): void;
  close(): Promise<void>;
}

export async function createDemoEnvironment(log: (line: string) => void): Promise<DemoEnvironment> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-demo-'));
  const undo: (() => Promise<void> | void)[] = [() => { fs.rmSync(dir, { recursive: true, force: true }); }];
  const close = async (): Promise<void> => {
    for (const step of undo.reverse()) await Promise.resolve(step()).catch(() => undefined);
    undo.length = 0;
  };
  try {
    let kubeconfig = process.env.BERTH_TEST_KUBECONFIG;
    let redisUrl = process.env.BERTH_TEST_REDIS_URL;
    // A cluster of our own is fresh, so a fixed namespace is safe there; on a shared one, a unique name.
    let namespace = `berth-demo-${randomBytes(3).toString('hex')}`;
    if (!kubeconfig || !redisUrl) {
      log('starting a local control plane (kube-apiserver, etcd, controller-manager, scheduler, kwok) and Redis...');
      const plane = await startControlPlane({ nodes: 2 });
      undo.push(() => plane.stop());
      kubeconfig = plane.kubeconfigPath;
      redisUrl = plane.redisUrl;
      namespace = 'berth-demo';
    }
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const rest = await createRestClient(kc);
    undo.push(() => { rest.close(); });
    await rest.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } })
      .catch((error: unknown) => { if (!(error instanceof KubeApiError && error.status === 409)) throw error; });
    undo.push(async () => { await rest.request('DELETE', `/api/v1/namespaces/${namespace}`); });

    const gitRoot = path.join(dir, 'git');
    fs.mkdirSync(gitRoot);
    const repository = await createRepository(gitRoot, 'guestbook');
    const server = await startGitServer(gitRoot);
    undo.push(() => server.close());

    const appsFile = path.join(dir, 'apps.yaml');
    const [application] = exampleApplications('plain', { repoURL: server.url('guestbook'), namespace, pollInterval: '3s', healthTimeout: '20s' });
    if (!application) throw new Error('examples/plain/application.yaml: no Application');
    // Drift stays visible until a person syncs; with selfHeal on Berth would undo it within seconds.
    application.spec.syncPolicy = { ...application.spec.syncPolicy, automated: { prune: true, selfHeal: false } } as typeof application.spec.syncPolicy;
    fs.writeFileSync(appsFile, dump(application));

    const tokenFile = path.join(dir, 'admin-token');
    fs.writeFileSync(tokenFile, randomBytes(24).toString('hex'), { mode: 0o600 });
    const port = await freePort();
    const controllerLog = path.join(dir, 'controller.log');
    let child: ChildProcess | undefined;
    const startController = (): void => {
      const out = fs.openSync(controllerLog, 'a');
      child = spawn(path.join(root, 'src/bin/node'), [path.join(root, 'src/cli/main.ts'), 'controller'], {
        stdio: ['ignore', out, out],
        env: {
          ...process.env,
          KUBECONFIG: kubeconfig,
          BERTH_REDIS_URL: redisUrl,
          BERTH_APPS: appsFile,
          BERTH_WATCH_CLUSTER: 'false',
          BERTH_LISTEN: `127.0.0.1:${port}`,
          BERTH_CACHE_DIR: path.join(dir, 'cache'),
          BERTH_QUEUE_PREFIX: namespace,
          BERTH_API_PUBLIC_READ: 'true',
          BERTH_API_ADMIN_TOKENS: fs.readFileSync(tokenFile, 'utf8'),
          BERTH_ALLOW_HTTP_REPOS: 'true',
          BERTH_ALLOW_PRIVATE_REPOS: 'true',
        },
      });
      fs.closeSync(out);
    };
    undo.push(async () => {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    });
    return {
      dir, kubeconfig, namespace, rest, repository, files: exampleFiles('plain'),
      apiUrl: `http://127.0.0.1:${port}`, tokenFile, controllerLog, startController, close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

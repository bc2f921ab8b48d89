/**
 * node:test global setup for integration tests (`--test-global-setup`): one control
 * plane and Redis for the whole run, started before the first test file and
 * stopped after the last. Test files run in child processes and find it through
 * BERTH_TEST_KUBECONFIG and BERTH_TEST_REDIS_URL (see env.ts).
 *
 * When those variables are already set (a control plane started with
 * `npm run cluster`), that one is used and nothing is started.
 */
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import { startSshd, writeDescriptor, type Sshd } from './sshd.ts';
import { registryBinaries } from './registry.ts';

let plane: ControlPlane | undefined;
let sshd: Sshd | undefined;

/** One OpenSSH server for the run's SSH source tests (BERTH_TEST_SSHD); a file without it starts its own. */
async function startSharedSshd(): Promise<void> {
  if (process.env.BERTH_TEST_SSHD) return;
  try {
    sshd = await startSshd();
    process.env.BERTH_TEST_SSHD = writeDescriptor(sshd);
  } catch (error) {
    process.stderr.write(`[harness] no shared sshd (SSH tests start their own): ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

export async function globalSetup(): Promise<void> {
  await startSharedSshd();
  // The OCI registry and oras (Helm/OCI source tests) are built once per run here, with progress, rather than by
  // the first test file that needs them while its timeout runs (cold: about 6 minutes).
  await registryBinaries();
  if (process.env.BERTH_TEST_KUBECONFIG && process.env.BERTH_TEST_REDIS_URL) return;
  const started = performance.now();
  plane = await startControlPlane({ log: (line) => { process.stderr.write(`[harness] ${line}\n`); } });
  process.env.BERTH_TEST_KUBECONFIG = plane.kubeconfigPath;
  process.env.BERTH_TEST_REDIS_URL = plane.redisUrl;
  process.env.BERTH_TEST_LOG_DIR = plane.logDir;
  process.stderr.write(`[harness] control plane and Redis ready in ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void plane?.stop().finally(() => process.exit(130));
    });
  }
}

export async function globalTeardown(): Promise<void> {
  await sshd?.stop();
  await plane?.stop();
}

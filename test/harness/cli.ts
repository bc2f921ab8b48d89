/**
 * `npm run cluster`: the local control plane and Redis in the foreground, for
 * people developing Berth and for the demo. Prints the kubeconfig and Redis URL,
 * and tears everything down on Ctrl-C.
 */
import { startControlPlane } from './control-plane.ts';

const nodes = Number(process.env.BERTH_CLUSTER_NODES ?? 2);
const started = performance.now();
const plane = await startControlPlane({ nodes, log: (line) => { console.error(`[cluster] ${line}`); } });
const seconds = ((performance.now() - started) / 1000).toFixed(1);

console.log(`
Local control plane ready in ${seconds}s (${nodes} kwok nodes).

  kubeconfig: ${plane.kubeconfigPath}
  API server: ${plane.apiServerUrl}
  Redis:      ${plane.redisUrl}
  logs:       ${plane.logDir}

In another shell:
  export KUBECONFIG=${plane.kubeconfigPath}
  export BERTH_TEST_KUBECONFIG=${plane.kubeconfigPath} BERTH_TEST_REDIS_URL=${plane.redisUrl}
  kubectl get nodes

Ctrl-C stops everything and removes ${plane.dir}.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error('\n[cluster] stopping');
    void plane.stop().then(() => process.exit(0));
  });
}

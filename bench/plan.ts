/**
 * Which benchmarks `npm run bench` runs, in which order, with which sizes, and
 * what cluster each needs. Default sizes are the ones the README publishes
 * (about 20 minutes on 2 cores); --quick sizes keep the whole run to a few
 * minutes and are for checking that everything still works, not for quoting.
 */

export const benchNames = ['fetch', 'ssh-fetch', 'helm-oci', 'render', 'diff', 'health-cel', 'console', 'drift-check', 'apply', 'apiserver-limit', 'webhook', 'controller-scale'] as const;
export type BenchName = (typeof benchNames)[number];

export interface PlannedBench {
  name: BenchName;
  args: string[];
  /** none: no cluster; shared: the run's control plane (passed as --kubeconfig); own: starts its own. */
  cluster: 'none' | 'shared' | 'own';
  /** Also pass the shared plane's Redis (--redis-url). */
  needsRedis?: boolean;
}

interface Sizes {
  cluster: PlannedBench['cluster'];
  needsRedis?: boolean;
  full: string[];
  quick: string[];
}

const sizes: Record<BenchName, Sizes> = {
  fetch: { cluster: 'none', full: ['--runs', '5', '--files', '5000', '--commits', '500'], quick: ['--runs', '3', '--files', '1000', '--commits', '50'] },
  // A private OpenSSH server on loopback (test/harness/sshd.ts): no cluster.
  'ssh-fetch': { cluster: 'none', full: ['--runs', '5', '--files', '5000', '--commits', '500'], quick: ['--runs', '3', '--files', '1000', '--commits', '50'] },
  // A static Helm repository and a real OCI registry on loopback (test/harness/registry.ts): no cluster.
  'helm-oci': { cluster: 'none', full: ['--runs', '5', '--templates', '200', '--versions', '500'], quick: ['--runs', '3', '--templates', '50', '--versions', '100'] },
  render: { cluster: 'none', full: ['--runs', '7'], quick: ['--runs', '3'] },
  diff: { cluster: 'none', full: ['--sizes', '1000,10000', '--runs', '5'], quick: ['--sizes', '1000,10000', '--runs', '3'] },
  // assessHealth with the CEL rules over 10,000 objects of mixed kinds (issue 18): in process, seconds.
  'health-cel': { cluster: 'none', full: ['--objects', '10000', '--runs', '7'], quick: ['--objects', '10000', '--runs', '3'] },
  // Chromium against the controller's HTTP app with in-memory statuses: no cluster, no Redis.
  console: { cluster: 'none', full: ['--apps', '1000,10000', '--objects', '1000,5000', '--runs', '5'], quick: ['--apps', '1000,10000', '--objects', '1000,5000', '--runs', '2'] },
  // kubectl apply of 200 objects took ~12 s a run, half of a 3-minute --quick budget over 6 runs.
  'drift-check': { cluster: 'shared', full: ['--objects', '1000', '--runs', '3'], quick: ['--objects', '100', '--runs', '3'] },
  apply: { cluster: 'shared', full: ['--objects', '1000', '--runs', '3'], quick: ['--objects', '100', '--runs', '3'] },
  'apiserver-limit': { cluster: 'shared', full: ['--objects', '1000', '--concurrency', '32,64', '--runs', '3'], quick: ['--objects', '300', '--concurrency', '32,64', '--runs', '2'] },
  webhook: {
    cluster: 'shared', needsRedis: true,
    full: ['--apps', '1000', '--requests', '200', '--commits', '20', '--storm-deliveries', '1000', '--storm-seconds', '10', '--storm-commits', '5'],
    quick: ['--apps', '100', '--requests', '50', '--commits', '5', '--storm-deliveries', '300', '--storm-seconds', '5', '--storm-commits', '3'],
  },
  'controller-scale': { cluster: 'own', full: ['--apps', '1000', '--steady-seconds', '60'], quick: ['--apps', '100', '--namespaces', '5', '--steady-seconds', '15'] },
};

export interface PlanOptions {
  quick: boolean;
  only?: readonly string[] | undefined;
  skip?: readonly string[] | undefined;
}

/** The benchmarks to run, in order; an unknown name in --only or --skip is an error, not silently nothing. */
export function benchPlan(options: PlanOptions): PlannedBench[] {
  for (const name of [...(options.only ?? []), ...(options.skip ?? [])]) {
    if (!(benchNames as readonly string[]).includes(name)) throw new Error(`unknown benchmark ${JSON.stringify(name)}; known: ${benchNames.join(', ')}`);
  }
  return benchNames
    .filter((name) => (options.only === undefined || options.only.includes(name)) && !(options.skip ?? []).includes(name))
    .map((name) => {
      const size = sizes[name];
      return { name, args: [...(options.quick ? size.quick : size.full)], cluster: size.cluster, ...(size.needsRedis ? { needsRedis: true } : {}) };
    });
}

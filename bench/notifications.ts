/**
 * Notification delivery benchmark (issue 17): a real `berth controller`
 * process, --apps Applications (one ConfigMap each) in one repository on a
 * loopback Git server, one webhook NotificationProvider (CloudEvents, HMAC)
 * and a rule sending it every event, and a healthy receiver on loopback. The
 * first commit and --rounds more each give every Application SyncStarted,
 * Synced and Healthy. The figure is per event, from its transition (the
 * event's `time`, set when the reconcile tells it) to the receiver reading its
 * request; p50, p99 and the worst. Goal: p99 under 1 s.
 *
 *   BERTH_TEST_KUBECONFIG=... BERTH_TEST_REDIS_URL=... src/bin/node bench/notifications.ts [--apps 10] [--rounds 3] [--json FILE]
 *
 * It uses the shared control plane and Redis the tests use (its own namespace
 * and queue prefix, removed at the end).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dump } from 'js-yaml';
import { createRestClient } from '../src/kube/rest.ts';
import { startControllerProcess } from '../test/controller/controller-process.ts';
import { testKubeConfig, uniqueName } from '../test/harness/env.ts';
import { eventually } from '../test/harness/eventually.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../test/harness/git-repositories.ts';
import { createWebhookProvider, installNotificationCrds } from '../test/notify/install-crds.ts';
import { startReceiver } from '../test/notify/receiver.ts';
import { emitResult } from './bench-io.ts';
import { percentile, type BenchResult } from './report.ts';

const { values } = parseArgs({ options: { apps: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' }, json: { type: 'string' } } });
const apps = Number(values.apps);
const rounds = Number(values.rounds);

const rest = await createRestClient(testKubeConfig());
const namespace = uniqueName('berth-bench-notify');
await rest.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
const root = await tempDir('berth-bench-notify-');
const receiver = await startReceiver();
const server = await startGitServer(root);
let controller: ReturnType<typeof startControllerProcess> | undefined;
try {
  await installNotificationCrds(rest);
  await createWebhookProvider(rest, namespace, 'hook', receiver.url, 'bench-hmac-key');
  const repository = await createRepository(root, 'deploy');
  const configMaps = (round: number): Record<string, string> => Object.fromEntries(Array.from({ length: apps }, (_, index) => [
    `apps/app-${index}/config.yaml`,
    dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `app-${index}`, namespace }, data: { round: String(round) } }),
  ]));
  await commitFiles(repository, configMaps(0), 'round 0');
  const appsFile = path.join(root, 'apps.yaml');
  fs.writeFileSync(appsFile, dump({
    apiVersion: 'v1', kind: 'List',
    items: Array.from({ length: apps }, (_, index) => ({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: `app-${index}`, namespace },
      spec: { source: { repoURL: server.url('deploy'), targetRevision: 'main', path: `apps/app-${index}` }, destination: { namespace }, syncPolicy: { automated: { prune: true }, pollInterval: '2s' } },
    })),
  }));
  controller = startControllerProcess({
    appsFile,
    env: { BERTH_LOG_LEVEL: 'info', BERTH_NOTIFICATION_ALLOW_PRIVATE: 'true', BERTH_NOTIFICATION_ALLOW_HTTP: 'true', BERTH_NOTIFICATION_RATE_PER_MINUTE: '100000' },
  });
  const expectedPerRound = apps * 3;
  const delivered = (): number => receiver.delivered().length;
  await controller.explain(eventually('round 0 to be told', () => Promise.resolve(delivered() >= expectedPerRound ? true : undefined), { timeoutMs: 180_000 }));
  for (let round = 1; round <= rounds; round += 1) {
    await commitFiles(repository, configMaps(round), `round ${round}`);
    await controller.explain(eventually(`round ${round} to be told`, () => Promise.resolve(delivered() >= expectedPerRound * (round + 1) ? true : undefined), { timeoutMs: 180_000 }));
  }
  // The controller's own event-loop delay: deliveries share one Node process with the reconciles.
  const metrics = await (await fetch(`${await controller.baseUrl()}/metrics`)).text();
  const gauge = (name: string): number => Math.round(Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN) * 1000);
  const loopP99 = gauge('nodejs_eventloop_lag_p99_seconds');
  const loopMax = gauge('nodejs_eventloop_lag_max_seconds');
  const latencies = receiver.delivered().flatMap((request) => {
    const time = (request.event as { time?: string } | undefined)?.time;
    return time ? [request.at - Date.parse(time)] : [];
  });
  const p50 = percentile(latencies, 0.5);
  const p99 = percentile(latencies, 0.99);
  const worst = Math.max(...latencies);
  const size = `${latencies.length} events (${apps} apps x ${rounds + 1} commits x 3)`;
  const result: BenchResult = {
    bench: 'notifications',
    rows: [
      { workload: 'transition -> receipt (loopback webhook), p50', size, berth: { value: p50, unit: 'ms' } },
      { workload: 'transition -> receipt (loopback webhook), p99', size, berth: { value: p99, unit: 'ms' } },
      { workload: 'transition -> receipt (loopback webhook), worst', size, berth: { value: worst, unit: 'ms' } },
    ],
    details: { goal: 'p99 < 1000 ms', met: p99 < 1_000, controllerEventLoopLagP99Ms: loopP99, controllerEventLoopLagMaxMs: loopMax },
  };
  console.log(`transition -> receipt over ${size}: p50 ${p50} ms, p99 ${p99} ms, worst ${worst} ms (goal p99 < 1 s: ${p99 < 1_000 ? 'met' : 'NOT met'}); the controller's event-loop delay: p99 ${loopP99} ms, max ${loopMax} ms`);
  emitResult(result, values.json);
} finally {
  await controller?.stop();
  await receiver.close();
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
  await rest.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
  rest.close();
}

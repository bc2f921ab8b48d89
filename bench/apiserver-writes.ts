/**
 * Requests the API server has served, from its own counter
 * `apiserver_request_total` (GET /metrics with the kubeconfig's credentials),
 * and the write requests among them.
 *
 * A write is a request with verb POST, PUT, PATCH, APPLY (server-side apply),
 * DELETE or DELETECOLLECTION that was not a dry run (`dry_run=""`): a drift
 * check's dry-run apply writes nothing and is left out. The counter has no
 * label for the client, and on the local control plane every component uses
 * the same admin certificate, so writes are told apart by resource: `leases`
 * (leader election, kwok's node heartbeats), `nodes` (kwok's node status) and
 * `endpoints`/`endpointslices` (kube-controller-manager, for Services) are what
 * the control plane writes by itself, and are reported separately; everything
 * else is counted as the controller's. Berth never writes those four unless Git
 * holds them, and the benchmark's repository does not.
 */
import https from 'node:https';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';

const writeVerbs = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'DELETECOLLECTION']);
/** Resources the control plane writes on its own, with no change anywhere. */
export const backgroundResources = new Set(['leases', 'nodes', 'nodes/status', 'endpoints', 'endpointslices']);

/** Requests by `VERB resource[/subresource]`; a dry run's verb reads `PATCH(dry-run)`. */
export type RequestCounts = Map<string, number>;
/** Write requests only, same keys. */
export type WriteCounts = RequestCounts;

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[match[1] ?? ''] = match[2] ?? '';
  return labels;
}

/** Every request the counter holds, reads and dry runs included. */
export function parseRequestCounts(metrics: string): RequestCounts {
  const counts: RequestCounts = new Map();
  for (const line of metrics.split('\n')) {
    const match = /^apiserver_request_total\{(.*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const labels = parseLabels(match[1] ?? '');
    const verb = (labels.dry_run ?? '') === '' ? labels.verb ?? '' : `${labels.verb ?? ''}(dry-run)`;
    const resource = labels.subresource ? `${labels.resource ?? ''}/${labels.subresource}` : labels.resource ?? '';
    const key = `${verb} ${resource}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(match[2]));
  }
  return counts;
}

export function writesOf(requests: RequestCounts): WriteCounts {
  return new Map([...requests].filter(([key]) => writeVerbs.has(key.slice(0, key.indexOf(' ')))));
}

export async function scrapeRequestCounts(kubeconfig: string): Promise<RequestCounts> {
  const kc = loadKubeConfig({ kubeconfig });
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const server = new URL('/metrics', kc.getCurrentCluster()?.server);
  const text = await new Promise<string>((resolve, reject) => {
    const request = https.get(server, { ...options, timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => {
        if (response.statusCode === 200) resolve(body);
        else reject(new Error(`GET /metrics: HTTP ${String(response.statusCode)}`));
      });
    });
    request.on('timeout', () => request.destroy(new Error('GET /metrics: timeout')));
    request.on('error', reject);
  });
  return parseRequestCounts(text);
}

/** after - before, without the zero rows. */
export function countDelta(before: RequestCounts, after: RequestCounts): RequestCounts {
  const delta: RequestCounts = new Map();
  for (const [key, value] of after) {
    const change = value - (before.get(key) ?? 0);
    if (change > 0) delta.set(key, change);
  }
  return delta;
}

/** Splits a delta into the controller's writes and the control plane's own background writes. */
export function attributeWrites(delta: WriteCounts): { controller: WriteCounts; background: WriteCounts } {
  const controller: WriteCounts = new Map();
  const background: WriteCounts = new Map();
  for (const [key, value] of delta) {
    const resource = key.slice(key.indexOf(' ') + 1);
    (backgroundResources.has(resource) ? background : controller).set(key, value);
  }
  return { controller, background };
}

export const total = (counts: RequestCounts): number => [...counts.values()].reduce((sum, value) => sum + value, 0);

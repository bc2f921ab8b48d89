/**
 * A plain-HTTP proxy on loopback in front of the test API server, for tests of
 * what a controller does when the API server throttles it: for each rule, it
 * answers the first `count` requests that `matches` with `429 storage is (re)initializing`, as an
 * API server does right after a CRD is Established, and forwards everything
 * else (watches streamed) with the kubeconfig's own client certificate. It
 * writes a kubeconfig that points at itself.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { load, dump } from 'js-yaml';

export interface ThrottlingKubeProxy {
  kubeconfigPath: string;
  /** Requests answered 429 so far. */
  throttled(): number;
  close(): Promise<void>;
}

interface Kubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority': string } }[];
  users: { user: { 'client-certificate': string; 'client-key': string } }[];
}

export interface ThrottleRule { count: number; matches(method: string, url: URL): boolean }

export async function startThrottlingKubeProxy(kubeconfig: string, dir: string, rules: readonly ThrottleRule[]): Promise<ThrottlingKubeProxy> {
  const config = load(fs.readFileSync(kubeconfig, 'utf8')) as Kubeconfig;
  const cluster = config.clusters[0]?.cluster;
  const user = config.users[0]?.user;
  if (!cluster || !user) throw new Error(`${kubeconfig}: expected a cluster with a CA file and a user with a client certificate`);
  const upstream = new URL(cluster.server);
  const agent = new https.Agent({
    keepAlive: true, ca: fs.readFileSync(cluster['certificate-authority']),
    cert: fs.readFileSync(user['client-certificate']), key: fs.readFileSync(user['client-key']),
  });
  const answered = rules.map(() => 0);
  let throttled = 0;
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', upstream);
    const rule = rules.findIndex((candidate, index) => (answered[index] ?? 0) < candidate.count && candidate.matches(request.method ?? 'GET', url));
    if (rule >= 0) {
      answered[rule] = (answered[rule] ?? 0) + 1;
      throttled += 1;
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'storage is (re)initializing', reason: 'TooManyRequests', code: 429 }));
      return;
    }
    const headers = { ...request.headers, host: upstream.host };
    const forwarded = https.request(url, { method: request.method, headers, agent }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forwarded.on('error', (error) => { response.destroy(error); });
    response.on('close', () => { forwarded.destroy(); });
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the throttling proxy has no port');
  const kubeconfigPath = path.join(dir, 'throttled-kubeconfig');
  fs.writeFileSync(kubeconfigPath, dump({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'throttled', cluster: { server: `http://127.0.0.1:${address.port}` } }],
    users: [{ name: 'throttled', user: {} }],
    contexts: [{ name: 'throttled', context: { cluster: 'throttled', user: 'throttled' } }],
    'current-context': 'throttled',
  }));
  return {
    kubeconfigPath,
    throttled: () => throttled,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => { resolve(); });
      agent.destroy();
    }),
  };
}

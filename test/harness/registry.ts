/**
 * A real OCI registry on loopback for the Helm/OCI source tests: distribution
 * (built from Go modules by build-registry.sh, cached) with token authentication,
 * its token service run here: `GET /token` with Basic credentials answers a JWT
 * (ES256, the signing certificate in `x5c`, trusted by the registry through its
 * rootcertbundle) granting pull and push on every repository to known users, and
 * nothing to anyone else, so a client must speak the real Bearer challenge flow
 * and wrong credentials fail as they do on a real registry.
 *
 * Also a static Helm repository server (a folder with `helm repo index` output),
 * with ETags, optional Basic auth and a request log, and the helm and oras CLIs
 * pointed at the registry.
 */
import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, randomUUID, sign } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runBuildScript } from './assets.ts';
import { freePort } from './ports.ts';
import { startProcess, stopProcess, tailLog, type ManagedProcess } from './processes.ts';

const run = promisify(execFile);

export interface RegistryBinaries {
  registry: string;
  oras: string;
}

/** The registry and oras binaries: REGISTRY_BIN / ORAS_BIN, else built into the cache. */
export async function registryBinaries(): Promise<RegistryBinaries> {
  if (process.env.REGISTRY_BIN && process.env.ORAS_BIN) return { registry: process.env.REGISTRY_BIN, oras: process.env.ORAS_BIN };
  const folder = await runBuildScript(path.join(import.meta.dirname, 'build-registry.sh'), [], 'the OCI registry');
  return { registry: path.join(folder, 'registry'), oras: path.join(folder, 'oras') };
}

export interface TestRegistry {
  /** `127.0.0.1:port`, as oci:// references name it. */
  host: string;
  dir: string;
  /** Requests the token service answered, by user ('' for anonymous). */
  tokenRequests: string[];
  /** `helm <args>` with a registry config logged in as the first user. */
  helm(args: readonly string[], cwd?: string): Promise<string>;
  /** `oras <args>` logged in as the first user, plain HTTP. */
  oras(args: readonly string[], cwd?: string): Promise<string>;
  stop(): Promise<void>;
  /** Starts it again on the same port and storage (after stop: "registry down"). */
  start(): Promise<void>;
  /** Stops the registry and its token service for good. */
  close(): Promise<void>;
  /**
   * Restarts the registry (same port and storage) sending its notifications
   * (distribution's `notifications.endpoints`) to `url` with `Authorization: Bearer <token>`.
   */
  notifyTo(url: string, token: string): Promise<void>;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export async function startRegistry(options: { users: Record<string, string>; helm: string }): Promise<TestRegistry> {
  const binaries = await registryBinaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-registry-'));
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=berth-test-token-issuer', '-keyout', path.join(dir, 'token.key'), '-out', path.join(dir, 'token.pem')]);
  const key = createPrivateKey(fs.readFileSync(path.join(dir, 'token.key')));
  const certDer = Buffer.from(fs.readFileSync(path.join(dir, 'token.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const service = 'berth-test-registry';
  const issuer = 'berth-test-issuer';
  const tokenRequests: string[] = [];

  const tokens = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://token');
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const [user = '', password] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(/:(.*)/s) : [];
    tokenRequests.push(user);
    if (basic && options.users[user] !== password) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    const known = basic !== undefined;
    const access = url.searchParams.getAll('scope').flatMap((scope) => scope.split(' ')).map((scope) => {
      const [type = '', name = '', actions = ''] = scope.split(':');
      return { type, name, actions: known ? actions.split(',').filter((action) => action === 'pull' || action === 'push' || action === '*') : [] };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer.toString('base64')] };
    const claims = { iss: issuer, sub: user, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access };
    const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(unsigned), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${unsigned}.${base64url(signature)}`;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => tokens.listen(0, '127.0.0.1', resolve));
  const tokenPort = (tokens.address() as AddressInfo).port;

  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let notifications: { url: string; token: string } | undefined;
  const writeConfig = (): void => { fs.writeFileSync(path.join(dir, 'config.yml'), [
    'version: 0.1',
    'log: { level: info, accesslog: { disabled: false } }',
    `storage: { filesystem: { rootdirectory: ${JSON.stringify(path.join(dir, 'data'))} }, delete: { enabled: true } }`,
    `http: { addr: ${JSON.stringify(host)}, secret: ${JSON.stringify(randomUUID())} }`,
    'auth:',
    '  token:',
    `    realm: http://127.0.0.1:${tokenPort}/token`,
    `    service: ${service}`,
    `    issuer: ${issuer}`,
    `    rootcertbundle: ${JSON.stringify(path.join(dir, 'token.pem'))}`,
    ...(notifications ? [
      'notifications:',
      '  endpoints:',
      `    - { name: berth, url: ${JSON.stringify(notifications.url)}, headers: { Authorization: [${JSON.stringify(`Bearer ${notifications.token}`)}] }, timeout: 2s, threshold: 5, backoff: 1s }`,
    ] : []),
    '',
  ].join('\n')); };

  let process_: ManagedProcess | undefined;
  const start = async (): Promise<void> => {
    writeConfig();
    process_ = startProcess({ name: `registry-${port}`, command: binaries.registry, args: ['serve', path.join(dir, 'config.yml')], logDir: dir });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const status = await fetch(`http://${host}/v2/`).then((answer) => answer.status).catch(() => 0);
      if (status === 401 || status === 200) return;
      if (Date.now() > deadline || process_.child.exitCode !== null) throw new Error(`the registry did not start on ${host}:\n${tailLog(process_)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await start();

  const [firstUser = '', firstPassword = ''] = Object.entries(options.users)[0] ?? [];
  const helmEnv = {
    ...process.env, HELM_REGISTRY_CONFIG: path.join(dir, 'helm-registry.json'), HELM_CACHE_HOME: path.join(dir, 'helm-cache'),
    HELM_CONFIG_HOME: path.join(dir, 'helm-config'), HELM_DATA_HOME: path.join(dir, 'helm-data'),
  };
  const orasConfig = path.join(dir, 'oras-auth.json');
  const auth = Buffer.from(`${firstUser}:${firstPassword}`).toString('base64');
  fs.writeFileSync(orasConfig, JSON.stringify({ auths: { [host]: { auth } } }));
  fs.writeFileSync(helmEnv.HELM_REGISTRY_CONFIG, JSON.stringify({ auths: { [host]: { auth } } }));

  const tool = (file: string, env: NodeJS.ProcessEnv) => async (args: readonly string[], cwd?: string): Promise<string> => {
    try {
      const { stdout, stderr } = await run(file, [...args], { env, cwd: cwd ?? dir, maxBuffer: 16 * 1024 * 1024 });
      return stdout + stderr;
    } catch (error) {
      const { stderr = '', stdout = '' } = error as { stderr?: string; stdout?: string };
      throw new Error(`${path.basename(file)} ${args.join(' ')} failed:\n${stdout}${stderr}`, { cause: error });
    }
  };

  return {
    host, dir, tokenRequests,
    helm: tool(options.helm, helmEnv),
    oras: async (args, cwd) => tool(binaries.oras, process.env)([...args, '--plain-http', '--registry-config', orasConfig], cwd),
    start,
    async stop() {
      if (process_) await stopProcess(process_);
    },
    async notifyTo(url, token) {
      notifications = { url, token };
      if (process_) await stopProcess(process_);
      await start();
    },
    async close() {
      if (process_) await stopProcess(process_);
      tokens.closeAllConnections();
      await new Promise((resolve) => tokens.close(resolve));
    },
  };
}

export async function stopRegistry(registry: TestRegistry): Promise<void> {
  await registry.close();
  fs.rmSync(registry.dir, { recursive: true, force: true });
}

export interface HelmRepoServer {
  url: string;
  dir: string;
  /** Paths requested, with the answer's status: `GET /index.yaml 304`. */
  requests: string[];
  close(): Promise<void>;
}

/** A static Helm repository: files of `dir` with strong ETags; Basic auth when `user` is given. */
export async function startHelmRepoServer(dir: string, user?: { username: string; password: string }): Promise<HelmRepoServer> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://repo').pathname);
    const answer = (status: number, headers: Record<string, string> = {}, body?: Buffer | string): void => {
      requests.push(`${request.method ?? ''} ${pathname} ${status}`);
      response.writeHead(status, headers).end(body);
    };
    if (user) {
      const expected = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
      if (request.headers.authorization !== expected) { answer(401, { 'www-authenticate': 'Basic realm="charts"' }); return; }
    }
    const file = path.join(dir, path.normalize(pathname).replace(/^(\.\.(\/|$))+/, ''));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) { answer(404); return; }
    const body = fs.readFileSync(file);
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    if (request.headers['if-none-match'] === etag) { answer(304, { etag }); return; }
    answer(200, { etag, 'content-type': file.endsWith('.yaml') ? 'application/yaml' : 'application/gzip' }, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`, dir, requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }),
  };
}

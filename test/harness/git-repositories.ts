/**
 * Real Git repositories for tests and benchmarks: created with the `git`
 * command in temp folders (no user or system config read), and served over
 * smart HTTP on loopback by `git http-backend` behind a small Node HTTP server
 * that checks Basic or Bearer credentials and logs every request, so a test can
 * tell a ref listing from a pack download.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const gitEnvironment: NodeJS.ProcessEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: os.tmpdir(),
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Berth Test',
  GIT_AUTHOR_EMAIL: 'test@berth.dev',
  GIT_COMMITTER_NAME: 'Berth Test',
  GIT_COMMITTER_EMAIL: 'test@berth.dev',
  GIT_TERMINAL_PROMPT: '0',
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: gitEnvironment, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** A new folder under `parent` (default: the OS temp folder); tests put caches inside their root so one rm cleans all. */
export async function tempDir(prefix: string, parent = os.tmpdir()): Promise<string> {
  return fs.mkdtemp(path.join(parent, `berth-${prefix}-`));
}

/** A work repository `<root>/<name>` on branch main, and the bare repository `<root>/<name>.git` it pushes to. */
export interface TestRepository {
  work: string;
  bare: string;
  name: string;
}

export async function createRepository(root: string, name = 'repo'): Promise<TestRepository> {
  const work = path.join(root, name);
  const bare = path.join(root, `${name}.git`);
  await fs.mkdir(work, { recursive: true });
  await git(work, 'init', '-q', '-b', 'main');
  await git(root, 'init', '-q', '--bare', '-b', 'main', bare);
  await git(work, 'remote', 'add', 'origin', bare);
  return { work, bare, name };
}

/** Writes (or, for null, deletes) files, commits them, pushes main; returns the commit id. */
export async function commitFiles(repository: TestRepository, files: Record<string, string | null>, message = 'change'): Promise<string> {
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(repository.work, file);
    if (content === null) {
      await fs.rm(target, { force: true });
    } else {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, content);
    }
  }
  await git(repository.work, 'add', '-A');
  await git(repository.work, 'commit', '-q', '--allow-empty', '-m', message);
  await git(repository.work, 'push', '-q', '--force', 'origin', 'HEAD:refs/heads/main');
  return git(repository.work, 'rev-parse', 'HEAD');
}

export interface GitServer {
  /** `http://127.0.0.1:<port>/<name>.git` for a repository under the served root. */
  url(name: string): string;
  /** Every request: method, path (without query), and whether its credentials were accepted. */
  readonly requests: { method: string; path: string; authorized: boolean }[];
  close(): Promise<void>;
}

export type ServerAuth = { username: string; password: string } | { token: string };

function authorized(header: string | undefined, auth: ServerAuth | undefined): boolean {
  if (!auth) return true;
  if (!header) return false;
  if ('token' in auth) {
    if (header === `Bearer ${auth.token}`) return true;
    const basic = /^Basic (.+)$/.exec(header);
    return Boolean(basic && Buffer.from(basic[1] ?? '', 'base64').toString().split(':').slice(1).join(':') === auth.token);
  }
  return header === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** Serves every bare repository under `root` with `git http-backend`. */
export async function startGitServer(root: string, auth?: ServerAuth): Promise<GitServer> {
  const requests: { method: string; path: string; authorized: boolean }[] = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const accepted = authorized(request.headers.authorization, auth);
    requests.push({ method: request.method ?? 'GET', path: url.pathname, authorized: accepted });
    if (!accepted) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="berth-test"' }).end('unauthorized');
      return;
    }
    const backend = spawn('git', ['http-backend'], {
      env: {
        ...gitEnvironment,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        REQUEST_METHOD: request.method ?? 'GET',
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        REMOTE_USER: 'test',
        REMOTE_ADDR: '127.0.0.1',
        ...(request.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: request.headers['content-encoding'] } : {}),
        ...(typeof request.headers['git-protocol'] === 'string' ? { GIT_PROTOCOL: request.headers['git-protocol'] } : {}),
      },
    });
    request.pipe(backend.stdin);
    let head = Buffer.alloc(0);
    let headersSent = false;
    backend.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        response.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      response.writeHead(status, headers);
      headersSent = true;
      response.write(head.subarray(end + 4));
    });
    backend.stdout.on('end', () => {
      if (!headersSent) response.writeHead(500);
      response.end();
    });
    backend.on('error', () => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}.git`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => { resolve(); });
    }),
  };
}

/**
 * A real Git host for integration tests: Gitea (built from Go modules by
 * build-gitea.sh into ~/.cache/berth/assets/gitea-<version>, once, with its
 * cold build time printed), run headless on loopback: sqlite, INSTALL_LOCK, no
 * mail, no registration, its built-in SSH server on a port of its own with a host
 * key the harness generates, webhooks allowed to loopback (Berth's controller).
 * An admin user is created with `gitea admin user create`; everything else goes
 * through its HTTP API.
 *
 * Usage (one Gitea per test file; start it in `before`, stop it in `after`):
 *
 *   import { startGitea } from '../harness/gitea.ts';
 *   const gitea = await startGitea();                       // builds on first use (slow, printed)
 *   t.after(() => gitea.stop());
 *   const repo = await gitea.createRepository('deploy');    // owned by gitea.username, default branch main
 *   repo.httpUrl    // http://127.0.0.1:<port>/<user>/deploy.git (clone_url, as webhooks report it)
 *   repo.sshUrl     // ssh://git@127.0.0.1:<ssh port>/<user>/deploy.git
 *   await gitea.addDeployKey(repo, publicKeyLine);          // read-only deploy key
 *   await gitea.addWebhook(repo, { url, secret, events: ['push'] });   // type gitea, JSON, signed
 *   const sha = await gitea.push(repo, work, files, message); // a real git push over HTTP
 *   gitea.knownHosts  // known_hosts line of its SSH server
 *   gitea.api(method, path, body)  // any other API call as the admin (e.g. commit statuses:
 *                                  // GET /repos/{owner}/{repo}/commits/{sha}/statuses)
 *
 * The notifications tests (commit status on Gitea) reuse it the same way.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './eventually.ts';
import { git, gitEnvironment } from './git-repositories.ts';
import { freePorts } from './ports.ts';
import { isRunning, startProcess, stopProcess, tailLog } from './processes.ts';

const run = promisify(execFile);
const here = import.meta.dirname;

export interface GiteaRepository {
  owner: string;
  name: string;
  httpUrl: string;
  sshUrl: string;
}

export interface Gitea {
  url: string;
  sshPort: number;
  username: string;
  password: string;
  /** known_hosts line for its SSH server. */
  knownHosts: string;
  /** Its folder: app.ini, sqlite, repositories, log. */
  dir: string;
  logFile: string;
  api<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
  createRepository(name: string): Promise<GiteaRepository>;
  addDeployKey(repository: GiteaRepository, publicKey: string, title?: string): Promise<void>;
  addWebhook(repository: GiteaRepository, hook: { url: string; secret: string; events?: string[]; contentType?: 'json' | 'form' }): Promise<number>;
  /** Writes files into `work` (a clone made on first use), commits and pushes to main over HTTP; returns the commit. */
  push(repository: GiteaRepository, work: string, files: Record<string, string>, message: string): Promise<string>;
  stop(): Promise<void>;
}

let built: Promise<string> | undefined;

/** Runs build-gitea.sh (a no-op when cached) and returns the folder of the binary, templates and options. */
export function buildGitea(log: (line: string) => void = (line) => { process.stderr.write(`${line}\n`); }): Promise<string> {
  built ??= (async () => {
    const script = path.join(here, 'build-gitea.sh');
    const started = performance.now();
    const child = execFile('bash', [script], { maxBuffer: 64 * 1024 * 1024, timeout: 75 * 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    // Progress lines go to the test's stderr as they come (a cold build takes many minutes).
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      for (const line of text.split('\n')) if (line.startsWith('[build-gitea]')) log(line);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`building Gitea failed (${script}):\n${stderr.slice(-4000)}`);
    const seconds = (performance.now() - started) / 1000;
    if (seconds > 5) log(`[build-gitea] built in ${seconds.toFixed(0)} s`);
    return stdout.trim().split('\n').pop() ?? '';
  })();
  return built;
}

function appIni(dir: string, assets: string, ports: { http: number; ssh: number }): string {
  return `APP_NAME = Berth test Gitea
RUN_MODE = prod
RUN_USER = ${os.userInfo().username}
WORK_PATH = ${dir}
; CI runs as root; this Gitea listens on loopback only.
I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = ${process.getuid?.() === 0 ? 'true' : 'false'}

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = ${ports.http}
ROOT_URL = http://127.0.0.1:${ports.http}/
DOMAIN = 127.0.0.1
START_SSH_SERVER = true
SSH_DOMAIN = 127.0.0.1
SSH_LISTEN_HOST = 127.0.0.1
SSH_PORT = ${ports.ssh}
SSH_LISTEN_PORT = ${ports.ssh}
SSH_USER = git
BUILTIN_SSH_SERVER_USER = git
SSH_SERVER_HOST_KEYS = ${path.join(dir, 'ssh_host_ed25519_key')}
OFFLINE_MODE = true
STATIC_ROOT_PATH = ${assets}
APP_DATA_PATH = ${path.join(dir, 'data')}
LFS_START_SERVER = false

[database]
DB_TYPE = sqlite3
PATH = ${path.join(dir, 'gitea.db')}
SQLITE_JOURNAL_MODE = WAL

[security]
INSTALL_LOCK = true
SECRET_KEY = berth-test-secret-key-${Math.random().toString(36).slice(2)}
PASSWORD_COMPLEXITY = off
MIN_PASSWORD_LENGTH = 6

[repository]
ROOT = ${path.join(dir, 'repositories')}
DEFAULT_BRANCH = main

[service]
DISABLE_REGISTRATION = true
REQUIRE_SIGNIN_VIEW = false
DEFAULT_KEEP_EMAIL_PRIVATE = true

[webhook]
; Berth's controller listens on loopback.
ALLOWED_HOST_LIST = loopback
DELIVER_TIMEOUT = 10

[mailer]
ENABLED = false

[actions]
ENABLED = false

[oauth2]
ENABLED = false

[cron]
ENABLED = false

[log]
MODE = console
LEVEL = Info
`;
}

/** Starts a Gitea of its own for this test file (building it first when the cache lacks it). */
export async function startGitea(options: { log?: (line: string) => void } = {}): Promise<Gitea> {
  const log = options.log ?? ((line: string) => { process.stderr.write(`${line}\n`); });
  const assets = await buildGitea(log);
  const binary = path.join(assets, 'gitea');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-gitea-'));
  const ports = await freePorts(['http', 'ssh']);
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'berth-test-gitea', '-f', hostKey]);
  const config = path.join(dir, 'app.ini');
  fs.writeFileSync(config, appIni(dir, assets, ports));
  const env = { ...process.env, GITEA_WORK_DIR: dir, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' };
  const cli = (...args: string[]) => run(binary, [...args, '--config', config, '--work-path', dir], { env, cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  await cli('migrate');
  const username = 'berth';
  const password = 'berth-gitea-password';
  await cli('admin', 'user', 'create', '--username', username, '--password', password, '--email', 'berth@example.com', '--admin', '--must-change-password=false');
  const server = startProcess({ name: 'gitea', command: binary, args: ['web', '--config', config, '--work-path', dir], logDir: dir, env, cwd: dir });
  server.child.unref();
  process.once('exit', () => { if (isRunning(server)) server.child.kill('SIGKILL'); });
  const url = `http://127.0.0.1:${ports.http}`;
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

  async function api<T = unknown>(method: string, route: string, body?: unknown): Promise<T> {
    const response = await fetch(`${url}/api/v1${route}`, {
      method, headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Gitea ${method} ${route}: ${response.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  try {
    await eventually('Gitea to answer its API', async () => {
      if (!isRunning(server)) throw new Error(`gitea exited while starting:\n${tailLog(server)}`);
      return (await fetch(`${url}/api/v1/version`).then((r) => r.ok, () => false)) || undefined;
    }, { timeoutMs: 120_000 });
  } catch (error) {
    await stopProcess(server);
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${tailLog(server, 40)}`, { cause: error });
  }
  const hostPublic = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');

  const gitea: Gitea = {
    url, sshPort: ports.ssh, username, password, dir, logFile: server.logFile,
    knownHosts: `[127.0.0.1]:${ports.ssh} ${hostPublic}\n`,
    api,
    async createRepository(name) {
      const created = await api<{ clone_url: string; ssh_url: string; name: string; owner: { login: string } }>('POST', '/user/repos', {
        name, private: true, auto_init: false, default_branch: 'main',
      });
      return {
        owner: created.owner.login, name: created.name, httpUrl: created.clone_url,
        sshUrl: `ssh://git@127.0.0.1:${ports.ssh}/${created.owner.login}/${created.name}.git`,
      };
    },
    async addDeployKey(repository, publicKey, title = 'berth') {
      await api('POST', `/repos/${repository.owner}/${repository.name}/keys`, { title, key: publicKey, read_only: true });
    },
    async addWebhook(repository, hook) {
      const created = await api<{ id: number }>('POST', `/repos/${repository.owner}/${repository.name}/hooks`, {
        type: 'gitea', active: true, events: hook.events ?? ['push'], branch_filter: '*',
        config: { url: hook.url, content_type: hook.contentType ?? 'json', secret: hook.secret },
      });
      return created.id;
    },
    async push(repository, work, files, message) {
      if (!fs.existsSync(path.join(work, '.git'))) {
        fs.mkdirSync(work, { recursive: true });
        await git(work, 'init', '-q', '-b', 'main');
        const remote = new URL(repository.httpUrl);
        remote.username = username;
        remote.password = password;
        await git(work, 'remote', 'add', 'origin', remote.toString());
      }
      for (const [file, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
        fs.writeFileSync(path.join(work, file), content);
      }
      await git(work, 'add', '-A');
      await git(work, 'commit', '-q', '-m', message);
      await run('git', ['push', '-q', 'origin', 'HEAD:main'], { cwd: work, env: gitEnvironment });
      return git(work, 'rev-parse', 'HEAD');
    },
    async stop() {
      await stopProcess(server);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return gitea;
}

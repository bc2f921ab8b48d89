/**
 * A real OpenSSH server (Debian's openssh-server, installed with apt-get when
 * /usr/sbin/sshd is missing) on a loopback port, serving Git repositories
 * read-only to one deploy key, as a Git host's deploy keys do:
 *   - its own host key, config, authorized_keys and log in a temp folder;
 *     nothing of the system's sshd is read or touched;
 *   - the login is the user running the tests (root in CI: PermitRootLogin
 *     forced-commands-only), so repositories in temp folders are readable;
 *   - the deploy key may only run git-upload-pack: authorized_keys forces a
 *     command that hands SSH_ORIGINAL_COMMAND to git-shell only when it is
 *     `git-upload-pack '<path>'` (git-shell quotes and runs no shell);
 *     no pty, forwarding or agent (`restrict`).
 *
 * One server per run, started by global-setup.ts and found by test files
 * through BERTH_TEST_SSHD (a JSON file); `sharedSshd()` starts a private one
 * when the variable is missing. A test that stops the server starts its own
 * with `startSshd()`.
 *
 *   const sshd = await sharedSshd();
 *   const url = sshd.urlOf(repository.bare);               // ssh://user@127.0.0.1:port/<path>
 *   const secretData = { sshPrivateKey: sshd.clientKey, knownHosts: sshd.knownHosts };
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';
import { isRunning, startProcess, stopProcess, tailLog, type ManagedProcess } from './processes.ts';

const run = promisify(execFile);
const sshdBinary = '/usr/sbin/sshd';

export interface SshdDescriptor {
  port: number;
  /** The login name. */
  user: string;
  /** The authorized deploy key (OpenSSH private key text). */
  clientKey: string;
  /** known_hosts lines for `[127.0.0.1]:port`. */
  knownHosts: string;
  /** Its folder: config, keys, log. */
  dir: string;
  logFile: string;
}

export interface Sshd extends SshdDescriptor {
  /** `ssh://user@127.0.0.1:port/<absolute path>`. */
  urlOf(repositoryPath: string): string;
  /** A file holding the deploy key (mode 600), for `git -c core.sshCommand`. */
  clientKeyFile: string;
  /** GIT_SSH_COMMAND for the `git` command against this server (the same key and known hosts). */
  gitSshCommand: string;
  /** Stops the server and removes its folder, unless `keepFiles` (to start it again as it was: same host key). */
  stop(options?: { keepFiles?: boolean }): Promise<void>;
}

/** Installs openssh-server when /usr/sbin/sshd is missing (a clean CI machine), printing what it does. */
export async function ensureSshd(log: (line: string) => void = (line) => { process.stderr.write(`[sshd] ${line}\n`); }): Promise<void> {
  if (fs.existsSync(sshdBinary)) return;
  if (process.getuid?.() !== 0) throw new Error(`${sshdBinary} is missing; install it with: sudo apt-get install -y openssh-server`);
  log('installing openssh-server from Debian\'s packages');
  const started = performance.now();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'openssh-server'], { env, maxBuffer: 64 * 1024 * 1024 })
    .catch(async () => {
      await run('apt-get', ['update', '-qq'], { env, maxBuffer: 64 * 1024 * 1024 });
      await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'openssh-server'], { env, maxBuffer: 64 * 1024 * 1024 });
    });
  log(`openssh-server installed in ${((performance.now() - started) / 1000).toFixed(1)}s`);
}

/** A new ed25519 key pair from ssh-keygen: OpenSSH private key text and the `ssh-ed25519 AAAA... comment` line. */
export async function generateSshKey(comment = 'berth-test'): Promise<{ privateKey: string; publicKey: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-key-'));
  try {
    const file = path.join(dir, 'key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
    return { privateKey: fs.readFileSync(file, 'utf8'), publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The forced command: only `git-upload-pack '<path>'`, run by git-shell (no shell parses the path). */
const forcedCommand = `#!/bin/sh
case "$SSH_ORIGINAL_COMMAND" in
  "git-upload-pack '"*) exec git-shell -c "$SSH_ORIGINAL_COMMAND" ;;
  *) echo "berth test sshd: only git-upload-pack is allowed" >&2; exit 1 ;;
esac
`;

async function waitForPort(port: number, server: ManagedProcess, deadlineMs = 15_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (!isRunning(server)) throw new Error(`sshd exited while starting:\n${tailLog(server)}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => { socket.end(); resolve(true); });
      socket.on('error', () => { resolve(false); });
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within ${deadlineMs} ms:\n${tailLog(server)}`);
}

function withHelpers(descriptor: SshdDescriptor, stop: Sshd['stop']): Sshd {
  const clientKeyFile = path.join(descriptor.dir, 'client_key');
  const knownHostsFile = path.join(descriptor.dir, 'client_known_hosts');
  if (!fs.existsSync(clientKeyFile)) fs.writeFileSync(clientKeyFile, descriptor.clientKey, { mode: 0o600 });
  if (!fs.existsSync(knownHostsFile)) fs.writeFileSync(knownHostsFile, descriptor.knownHosts);
  return {
    ...descriptor,
    clientKeyFile,
    gitSshCommand: `ssh -F /dev/null -i ${clientKeyFile} -o IdentitiesOnly=yes -o UserKnownHostsFile=${knownHostsFile} -o StrictHostKeyChecking=yes -o BatchMode=yes`,
    urlOf: (repositoryPath) => `ssh://${descriptor.user}@127.0.0.1:${descriptor.port}${path.resolve(repositoryPath)}`,
    stop,
  };
}

/** Starts a private sshd for this process (a test that stops or restarts its server uses its own). */
export async function startSshd(options: { port?: number; dir?: string } = {}): Promise<Sshd> {
  await ensureSshd();
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sshd-'));
  const port = options.port ?? await freePort();
  const user = os.userInfo().username;
  const hostKeyFile = path.join(dir, 'ssh_host_ed25519_key');
  if (!fs.existsSync(hostKeyFile)) await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'berth-test-host', '-f', hostKeyFile]);
  const hostPublic = fs.readFileSync(`${hostKeyFile}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const clientFile = path.join(dir, 'deploy_key.json');
  if (!fs.existsSync(clientFile)) fs.writeFileSync(clientFile, JSON.stringify(await generateSshKey('berth-deploy-key')), { mode: 0o600 });
  const client = JSON.parse(fs.readFileSync(clientFile, 'utf8')) as { privateKey: string; publicKey: string };
  const forced = path.join(dir, 'git-upload-pack-only');
  fs.writeFileSync(forced, forcedCommand, { mode: 0o755 });
  const authorizedKeys = path.join(dir, 'authorized_keys');
  fs.writeFileSync(authorizedKeys, `restrict,command="${forced}" ${client.publicKey}\n`, { mode: 0o600 });
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(config, [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${hostKeyFile}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    `AllowUsers ${user}`,
    'PermitRootLogin forced-commands-only',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The folder is a temp folder: its modes are not the ones StrictModes wants.
    'StrictModes no',
    'AllowTcpForwarding no',
    'X11Forwarding no',
    'PermitTTY no',
    'MaxStartups 200',
    'MaxSessions 64',
    'LogLevel VERBOSE',
    '',
  ].join('\n'));
  // Privilege separation needs its empty folder when sshd runs as root.
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const server = startProcess({ name: 'sshd', command: sshdBinary, args: ['-D', '-e', '-f', config], logDir: dir });
  await waitForPort(port, server);
  const descriptor: SshdDescriptor = {
    port, user, clientKey: client.privateKey, knownHosts: `[127.0.0.1]:${port} ${hostPublic}\n`, dir, logFile: server.logFile,
  };
  const stop = async (stopOptions: { keepFiles?: boolean } = {}): Promise<void> => {
    await stopProcess(server);
    if (!stopOptions.keepFiles) fs.rmSync(dir, { recursive: true, force: true });
  };
  // Never what keeps a test process alive: it is killed when the process exits.
  server.child.unref();
  process.once('exit', () => { if (isRunning(server)) server.child.kill('SIGKILL'); });
  return withHelpers(descriptor, stop);
}

/** What global-setup.ts writes for the test files (BERTH_TEST_SSHD names the file). */
export function writeDescriptor(sshd: Sshd): string {
  const file = path.join(sshd.dir, 'descriptor.json');
  const { port, user, clientKey, knownHosts, dir, logFile } = sshd;
  fs.writeFileSync(file, JSON.stringify({ port, user, clientKey, knownHosts, dir, logFile } satisfies SshdDescriptor), { mode: 0o600 });
  return file;
}

let shared: Promise<Sshd> | undefined;

/** The run's sshd (global-setup.ts), or a private one for this process when there is none. */
export function sharedSshd(): Promise<Sshd> {
  shared ??= (async () => {
    const file = process.env.BERTH_TEST_SSHD;
    if (file && fs.existsSync(file)) {
      const descriptor = JSON.parse(fs.readFileSync(file, 'utf8')) as SshdDescriptor;
      // The run owns it: a test file never stops it.
      return withHelpers(descriptor, () => Promise.resolve());
    }
    return startSshd();
  })();
  return shared;
}

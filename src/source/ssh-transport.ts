/**
 * Git over SSH for isomorphic-git, which speaks only smart HTTP: an HttpClient
 * whose two requests are carried by `git-upload-pack` on an SSH channel.
 *
 *   GET  .../info/refs?service=git-upload-pack  runs git-upload-pack, reads its
 *        advertisement (protocol v0) up to the flush and answers with it framed as
 *        smart HTTP frames it (`# service=` pkt-line, flush). For a fetch the session
 *        stays open for the POST that follows. A ref listing's session is parked for
 *        two seconds: a changed ref is fetched right after it is listed, and that
 *        fetch takes the parked session over, so listing and fetching a new commit
 *        cost one git-upload-pack, as `git fetch` does; unclaimed, the session ends
 *        with a flush of its own (no wants: the server exits cleanly);
 *   POST .../git-upload-pack                    writes the request body (wants,
 *        shallow/deepen, haves, done: the stateless request is a valid stateful
 *        conversation, since git answers each part as it arrives) to that session
 *        (or a new one, its advertisement skipped), and streams what the server
 *        sends as the answer.
 *
 * isomorphic-git is given a placeholder https URL; this client is bound to one
 * repository and ignores the host of the URLs it is asked for. The limits are
 * the HTTPS client's: one deadline per request, one byte budget per operation,
 * the same stats, the same TransferLimitError.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import type { ClientChannel } from 'ssh2';
import { TransferLimitError, type HttpLimits, type TransferStats } from './http-client.ts';
import { acquireConnection, connectionKey, execChannel, SshTransportError, type SshCredentials, type SshTarget } from './ssh-connection.ts';
import { uploadPackCommand } from './ssh-url.ts';

/** What isomorphic-git is told the repository is; never connected to. */
export const sshPlaceholderUrl = 'https://ssh-transport.berth.invalid/repository.git';

export interface SshRepository extends SshTarget {
  remotePath: string;
  credentials: SshCredentials;
}

export interface SshClientOptions extends HttpLimits {
  trustOnFirstUse?: boolean;
  /** A fetch: keep the session of the ref advertisement for the pack request. */
  keepSessionForPack?: boolean;
}

/** How long a kept session waits for its pack request before it is ended. */
const keptSessionMs = 10_000;

function pktLine(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'ascii'), body]);
}

const flush = Buffer.from('0000', 'ascii');

/** An async iterable body of one chunk (isomorphic-git reads bodies as async iterables). */
async function* oneChunk(chunk: Uint8Array): AsyncGenerator<Uint8Array> {
  yield await Promise.resolve(chunk);
}
const stderrCap = 4096;

/** One git-upload-pack run: its stdout as chunks, its stderr, its exit code. */
class UploadPack {
  readonly channel: ClientChannel;
  stderr = '';
  exitCode: number | undefined;
  readonly closed: Promise<void>;
  readonly #chunks: Buffer[] = [];
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => {
    this.channel.close();
    this.#notify();
  };

  constructor(channel: ClientChannel, signal: AbortSignal) {
    this.channel = channel;
    this.watch(signal);
    channel.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < stderrCap) this.stderr += chunk.toString('utf8').slice(0, stderrCap - this.stderr.length);
    });
    channel.on('exit', (code: number | null) => { this.exitCode = code ?? undefined; });
    channel.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#notify();
    });
    this.closed = new Promise((resolve) => {
      channel.on('close', () => {
        this.#ended = true;
        this.#notify();
        resolve();
      });
    });
    channel.on('error', (error: Error) => {
      this.#error = error;
      this.#notify();
    });
  }

  /** The deadline of the request now using this session: passing it closes the channel. */
  watch(signal: AbortSignal): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#signal = signal;
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** The next chunk of stdout, or undefined at the end. */
  async next(signal: AbortSignal): Promise<Buffer | undefined> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk) return chunk;
      if (this.#error) throw this.#error;
      if (this.#ended) return undefined;
      if (signal.aborted) throw signal.reason as Error;
      await new Promise<void>((resolve) => { this.#wake = resolve; });
    }
  }

  /** The server closed the channel or it failed: nothing more can be asked. */
  get finished(): boolean {
    return this.#ended || this.#error !== undefined;
  }

  /** Puts back what was read past the advertisement. */
  unshift(chunk: Buffer): void {
    if (chunk.length > 0) this.#chunks.unshift(chunk);
  }
}

/** Ends a session that asks for nothing (a flush instead of wants), then hands its connection back. */
function endSession(run: UploadPack, release: () => void): void {
  run.channel.end(flush);
  void run.closed.then(release);
}

interface ParkedSession {
  run: UploadPack;
  release: () => void;
  advertisement: Buffer;
  timer: NodeJS.Timeout;
}

/** Ref listings' sessions waiting for the fetch that may follow, by repository (see the file's comment). */
const parked = new Map<string, ParkedSession>();
const parkedMs = 2_000;

function park(key: string, run: UploadPack, release: () => void, advertisement: Buffer): void {
  const previous = parked.get(key);
  if (previous) {
    clearTimeout(previous.timer);
    endSession(previous.run, previous.release);
  }
  const entry: ParkedSession = {
    run, release, advertisement,
    timer: setTimeout(() => {
      if (parked.get(key) !== entry) return;
      parked.delete(key);
      endSession(run, release);
    }, parkedMs),
  };
  entry.timer.unref();
  parked.set(key, entry);
}

function takeParked(key: string): ParkedSession | undefined {
  const entry = parked.get(key);
  if (!entry) return undefined;
  parked.delete(key);
  clearTimeout(entry.timer);
  if (!entry.run.finished) return entry;
  entry.release();
  return undefined;
}

/** Ends every parked session (tests, shutdown). */
export function endParkedSessions(): void {
  for (const [key, entry] of parked) {
    parked.delete(key);
    clearTimeout(entry.timer);
    endSession(entry.run, entry.release);
  }
}

/** Why upload-pack ended before its advertisement: the server's first stderr line says. */
function failureOf(run: UploadPack, location: string): SshTransportError {
  const said = run.stderr.split('\n').map((line) => line.trim()).find(Boolean) ?? '';
  const shown = said.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  if (/does not appear to be a git repository|not a git repository|does not exist|not found|no such/i.test(said)) {
    return new SshTransportError('RepositoryNotFound', `${location}: no repository at this path (the server said: ${shown})`);
  }
  if (/permission denied|access denied|not allowed|unauthori[sz]ed|forbidden/i.test(said)) {
    return new SshTransportError('AuthenticationFailed', `${location}: the server refused access to this repository (the server said: ${shown})`);
  }
  const exit = run.exitCode === undefined ? '' : ` with exit code ${run.exitCode}`;
  return new SshTransportError('Unreachable', `${location}: git-upload-pack ended${exit} before its ref advertisement${shown ? ` (the server said: ${shown})` : ''}`);
}

/**
 * Reads pkt-lines up to the first flush: the v0 advertisement. Returns it
 * (flush included) and puts back anything read past it.
 */
async function readAdvertisement(run: UploadPack, signal: AbortSignal, count: (bytes: number) => void, location: string): Promise<Buffer> {
  let buffered = Buffer.alloc(0);
  let offset = 0;
  for (;;) {
    while (buffered.length - offset >= 4) {
      const header = buffered.subarray(offset, offset + 4).toString('ascii');
      if (!/^[0-9a-f]{4}$/i.test(header)) throw new SshTransportError('Unreachable', `${location}: the server did not speak the Git protocol (a pkt-line header ${JSON.stringify(header.replace(/[^\x20-\x7e]/g, '?'))})`);
      const length = Number.parseInt(header, 16);
      if (length === 0) {
        run.unshift(buffered.subarray(offset + 4));
        return buffered.subarray(0, offset + 4);
      }
      if (length < 4) throw new SshTransportError('Unreachable', `${location}: the server sent a malformed pkt-line`);
      if (buffered.length - offset < length) break;
      const payload = buffered.subarray(offset + 4, offset + length).toString('utf8');
      if (offset === 0 && payload.startsWith('ERR ')) {
        const said = payload.slice(4).trim().replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
        run.stderr ||= said;
        throw failureOf(run, location);
      }
      if (payload.startsWith('version 2')) throw new SshTransportError('Unreachable', `${location}: the server answered with protocol v2, which was not asked for`);
      offset += length;
    }
    const chunk = await run.next(signal);
    if (!chunk) {
      await run.closed;
      throw failureOf(run, location);
    }
    count(chunk.length);
    buffered = Buffer.concat([buffered, chunk]);
  }
}

/** An isomorphic-git HttpClient for one operation on one SSH repository. */
export function createSshHttpClient(repository: SshRepository, limits: SshClientOptions): { client: HttpClient; stats: TransferStats } {
  const stats: TransferStats = { requests: 0, bytes: 0, packRequests: 0 };
  const location = `${repository.user}@${repository.host}${repository.port === 22 ? '' : `:${repository.port}`}:${repository.remotePath}`;
  const count = (bytes: number): void => {
    stats.bytes += bytes;
    if (stats.bytes > limits.maxBytes) throw new TransferLimitError('size', `the server sent more than ${limits.maxBytes} bytes, the limit of one fetch`);
  };

  const connectOptions = {
    timeoutMs: limits.requestTimeoutMs,
    ...(limits.network ? { network: limits.network } : {}),
    ...(limits.trustOnFirstUse ? { trustOnFirstUse: true } : {}),
  };
  const sessionKey = `${connectionKey(repository, repository.credentials, connectOptions)}:${repository.remotePath}`;

  async function open(signal: AbortSignal): Promise<{ run: UploadPack; release: () => void }> {
    const { client, release } = await acquireConnection(repository, repository.credentials, connectOptions);
    try {
      const channel = await execChannel(client, uploadPackCommand(repository.remotePath));
      const run = new UploadPack(channel, signal);
      return { run, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  const timeoutError = (): TransferLimitError => new TransferLimitError('timeout', `no answer within ${limits.requestTimeoutMs} ms`);
  /** The session of the last advertisement, kept for the pack request (keepSessionForPack). */
  let kept: { run: UploadPack; release: () => void; timer: NodeJS.Timeout } | undefined;
  const endKept = (): void => {
    if (!kept) return;
    clearTimeout(kept.timer);
    const { run, release } = kept;
    kept = undefined;
    endSession(run, release);
  };
  const keep = (run: UploadPack, release: () => void): void => {
    const timer = setTimeout(endKept, keptSessionMs);
    timer.unref();
    kept = { run, release, timer };
  };
  const advertised = (input: GitHttpRequest, advertisement: Buffer): GitHttpResponse => {
    const body = Buffer.concat([pktLine('# service=git-upload-pack\n'), flush, advertisement]);
    return {
      url: input.url, method: 'GET', statusCode: 200, statusMessage: 'OK',
      headers: { 'content-type': 'application/x-git-upload-pack-advertisement' },
      body: oneChunk(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)),
    };
  };

  async function request(input: GitHttpRequest): Promise<GitHttpResponse> {
    const method = input.method ?? 'GET';
    const url = new URL(input.url);
    stats.requests++;
    const discover = method === 'GET' && url.pathname.endsWith('/info/refs') && url.searchParams.get('service') === 'git-upload-pack';
    const pack = method === 'POST' && url.pathname.endsWith('/git-upload-pack');
    if (!discover && !pack) {
      // Berth only reads; git-receive-pack is never run.
      return { url: input.url, method, headers: {}, body: oneChunk(new Uint8Array(0)), statusCode: 403, statusMessage: 'Forbidden' };
    }
    if (pack && kept) {
      const session = kept;
      kept = undefined;
      clearTimeout(session.timer);
      const signal = AbortSignal.timeout(limits.requestTimeoutMs);
      session.run.watch(signal);
      return sendPack(session.run, session.release, input, signal);
    }
    endKept();
    if (discover && limits.keepSessionForPack) {
      const listed = takeParked(sessionKey);
      if (listed) {
        count(listed.advertisement.length);
        listed.run.watch(AbortSignal.timeout(limits.requestTimeoutMs));
        keep(listed.run, listed.release);
        return advertised(input, listed.advertisement);
      }
    }
    const signal = AbortSignal.timeout(limits.requestTimeoutMs);
    let opened: { run: UploadPack; release: () => void };
    try {
      opened = await open(signal);
    } catch (error) {
      if (signal.aborted) throw timeoutError();
      throw error;
    }
    const { run, release } = opened;
    try {
      const advertisement = await readAdvertisement(run, signal, count, location).catch((error: unknown) => {
        throw signal.aborted ? timeoutError() : error;
      });
      if (discover) {
        if (limits.keepSessionForPack) keep(run, release);
        else park(sessionKey, run, release, advertisement);
        return advertised(input, advertisement);
      }
      return await sendPack(run, release, input, signal);
    } catch (error) {
      run.channel.close();
      release();
      throw error;
    }
  }

  async function sendPack(run: UploadPack, release: () => void, input: GitHttpRequest, signal: AbortSignal): Promise<GitHttpResponse> {
    try {
      stats.packRequests++;
      for await (const chunk of input.body ?? []) run.channel.write(chunk);
      run.channel.end();
      const chunks = async function* (): AsyncGenerator<Uint8Array> {
        try {
          for (let chunk = await run.next(signal); chunk; chunk = await run.next(signal)) {
            count(chunk.length);
            yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          }
        } catch (error) {
          if (signal.aborted) throw new TransferLimitError('timeout', `the transfer did not finish within ${limits.requestTimeoutMs} ms`);
          throw error;
        } finally {
          // Stop the server when isomorphic-git stops reading (an error, or a limit).
          run.channel.close();
          release();
        }
      };
      return {
        url: input.url, method: 'POST', statusCode: 200, statusMessage: 'OK',
        headers: { 'content-type': 'application/x-git-upload-pack-result' },
        body: chunks(),
      };
    } catch (error) {
      run.channel.close();
      release();
      throw error;
    }
  }

  return { client: { request }, stats };
}

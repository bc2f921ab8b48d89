/**
 * Issue #13, finding 7: webhook bodies were buffered whole before their
 * signature was looked at, so 48 unsigned 24 MiB requests held open at once
 * took the controller to 1.28 GiB. Here a real `berth controller` process
 * takes 32 slow 8 MiB deliveries held open at once (20 without a signature,
 * 12 with a wrong one: 256 MiB in all) and its resident memory is read from
 * /proc. Unsigned requests must be refused from their headers, wrongly signed
 * ones may hold at most the in-flight budget (64 MiB by default) and the rest
 * are refused 503; a correctly signed delivery is still accepted afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { describe, it } from 'node:test';
import { startControllerProcess } from '../controller/controller-process.ts';
import { tempDir } from '../harness/git-repositories.ts';
import { writeApplicationsFile } from '../controller/replica-fixtures.ts';
import { uniqueName } from '../harness/env.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { githubHeaders, githubPushBody } from '../server/github-delivery.ts';

const mib = 1024 * 1024;
const bodyBytes = 8 * mib;
const unsignedCount = 20;
const wronglySignedCount = 12;
const chunkBytes = 256 * 1024;

/** A /proc/<pid>/status field in bytes: VmRSS now, VmHWM the peak so far. */
function memoryOf(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (kib === undefined) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(kib) * 1024;
}

interface SlowDelivery {
  /** Resolves when everything but the last byte is written, or the server has answered. */
  heldOpen: Promise<void>;
  /** Sends the last byte (when not answered yet) and resolves with the status. */
  finish(): Promise<number | string>;
  signed: 'none' | 'wrong';
}

/** A POST whose body goes out in chunks, honouring back-pressure, with its last byte held back. */
function slowDelivery(base: URL, headers: Record<string, string>, signed: SlowDelivery['signed']): SlowDelivery {
  const request = http.request({
    host: base.hostname, port: base.port, method: 'POST', path: '/api/v1/webhooks/github',
    headers: { ...headers, 'content-length': String(bodyBytes) }, agent: false,
  });
  let status: number | undefined;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const answered = new Promise<number>((resolve, reject) => {
    request.on('response', (response) => {
      status = response.statusCode ?? 0;
      response.resume();
      resolve(status);
      wake?.();
    });
    // The server may close a refused request while its body is still being sent: an EPIPE after the answer is the expected end.
    request.on('error', (error) => { failure ??= error; if (status === undefined) reject(error); wake?.(); });
  });
  answered.catch(() => undefined);
  const chunk = Buffer.alloc(chunkBytes, 'a');
  const heldOpen = (async () => {
    let sent = 0;
    while (sent < bodyBytes - 1 && status === undefined && failure === undefined) {
      const size = Math.min(chunkBytes, bodyBytes - 1 - sent);
      sent += size;
      if (!request.write(size === chunkBytes ? chunk : chunk.subarray(0, size))) {
        await new Promise<void>((resolve) => { wake = resolve; request.once('drain', resolve); });
      }
    }
  })();
  return {
    heldOpen, signed,
    async finish() {
      if (status === undefined && failure === undefined) request.end('a');
      try {
        return await answered;
      } catch (error) {
        return `${(error as NodeJS.ErrnoException).code ?? 'error'} before any answer`;
      } finally {
        request.destroy();
      }
    },
  };
}

describe('webhook bodies are verified while they stream', () => {
  it('32 slow 8 MiB deliveries without a valid signature cost the controller far less than their size', { timeout: 300_000 }, async (t) => {
    const secret = randomBytes(16).toString('hex');
    const root = await tempDir('webhook-memory');
    t.after(() => { fs.rmSync(root, { recursive: true, force: true }); });
    const appsFile = writeApplicationsFile(root, []);
    const prefix = uniqueName('berth-webhook-memory');
    cleanUpPrefix(t, prefix);
    const controller = startControllerProcess({ appsFile, queuePrefix: prefix, env: { BERTH_WEBHOOK_SECRET_GITHUB: secret, BERTH_LOG_LEVEL: 'info' } });
    t.after(async () => { await controller.stop(); });
    const base = new URL(await controller.explain(controller.baseUrl()));
    const pid = controller.child.pid;
    assert.ok(pid !== undefined, 'the controller runs');
    const before = memoryOf(pid, 'VmRSS');

    const push = githubPushBody({ repoURL: 'https://git.example.com/team/deploy.git', after: 'b'.repeat(40) });
    const signedHeaders = githubHeaders(push, secret);
    const unsigned = Object.fromEntries(Object.entries(signedHeaders).filter(([name]) => name !== 'x-hub-signature-256'));
    const wrong = { ...signedHeaders, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` };
    const deliveries = [
      ...Array.from({ length: unsignedCount }, () => slowDelivery(base, unsigned, 'none')),
      ...Array.from({ length: wronglySignedCount }, () => slowDelivery(base, wrong, 'wrong')),
    ];
    await controller.explain(Promise.all(deliveries.map((delivery) => delivery.heldOpen)));
    const heldOpen = memoryOf(pid, 'VmRSS');
    const statuses = await controller.explain(Promise.all(deliveries.map((delivery) => delivery.finish())));
    const peak = memoryOf(pid, 'VmHWM');

    const tally = (signed: SlowDelivery['signed']): Record<number | string, number> => {
      const counts: Record<number | string, number> = {};
      deliveries.forEach((delivery, index) => {
        const code = statuses[index] ?? 0;
        if (delivery.signed === signed) counts[code] = (counts[code] ?? 0) + 1;
      });
      return counts;
    };
    const unsignedAnswers = tally('none');
    const wrongAnswers = tally('wrong');
    t.diagnostic(`controller RSS ${Math.round(before / mib)} MiB before, ${Math.round(heldOpen / mib)} MiB with all held open, peak ${Math.round(peak / mib)} MiB`
      + ` (${(unsignedCount + wronglySignedCount) * bodyBytes / mib} MiB of bodies); unsigned ${JSON.stringify(unsignedAnswers)}, wrongly signed ${JSON.stringify(wrongAnswers)}`);

    // Refused from its headers, an unsigned delivery is answered while its body is still on the way; the server
    // then closes the connection (the client asked for no keep-alive), so a client still writing may see EPIPE first.
    const closedEarly = (unsignedAnswers['EPIPE before any answer'] ?? 0) + (unsignedAnswers['ECONNRESET before any answer'] ?? 0);
    assert.equal((unsignedAnswers[401] ?? 0) + closedEarly, unsignedCount, `every unsigned delivery is refused 401: ${JSON.stringify(unsignedAnswers)}`);
    assert.equal((wrongAnswers[401] ?? 0) + (wrongAnswers[503] ?? 0), wronglySignedCount, 'a wrong signature is refused 401, or 503 over the in-flight budget');
    assert.ok(peak - before < 128 * mib, `the controller grew by ${Math.round((peak - before) / mib)} MiB for bodies nobody signed`);
    assert.ok((wrongAnswers[503] ?? 0) > 0, `96 MiB of wrongly signed bodies exceed the 64 MiB budget: ${JSON.stringify(wrongAnswers)}`);

    // The budget was given back: a signed delivery is read and answered as usual.
    const accepted = await fetch(`${base.origin}/api/v1/webhooks/github`, { method: 'POST', headers: githubHeaders(push, secret), body: push });
    assert.equal(accepted.status, 202, await accepted.text());
  });
});

/**
 * Reads a webhook delivery's body while verifying it, within a process-wide
 * byte budget. The chunks are kept (a verified delivery still has to be
 * parsed) but every byte is counted against the budget before it is kept: a
 * declared Content-Length is taken whole before the first byte is read, a
 * chunked body chunk by chunk with the request paused while it waits. A body
 * that does not fit in time is refused (503), one over the size limit is
 * refused as soon as it crosses it (413), and one whose HMAC does not match
 * is dropped at its end (401). The bytes are given back by `release`, which the
 * caller must call once whatever the outcome; an aborted request gives them
 * back too. Memory held by unverified bodies is therefore at most the budget,
 * whatever the number of requests.
 */
import type { IncomingMessage } from 'node:http';
import type { BeforeBody, Rejected } from '../../webhooks/index.ts';
import type { ByteBudget } from './byte-budget.ts';

export type BodyReading =
  | { readonly kind: 'verified'; readonly body: Buffer }
  | { readonly kind: 'rejected'; readonly rejection: Rejected }
  | { readonly kind: 'over-budget' }
  | { readonly kind: 'aborted' };

export interface ReadWebhookBodyOptions {
  maxBodyBytes: number;
  budget: ByteBudget;
}

export interface WebhookBodyRead {
  readonly reading: Promise<BodyReading>;
  /** Gives the budgeted bytes back; call once the body (or its refusal) is done with. */
  release(): void;
}

export function readWebhookBody(request: IncomingMessage, checked: BeforeBody, options: ReadWebhookBodyOptions): WebhookBodyRead {
  const { budget, maxBodyBytes } = options;
  let held = 0;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    budget.release(held);
    held = 0;
  };
  const take = async (bytes: number): Promise<boolean> => {
    const granted = await budget.acquire(bytes);
    // Granted after the caller let go (an aborted request): give it straight back.
    if (granted && released) budget.release(bytes);
    else if (granted) held += bytes;
    return granted && !released;
  };

  const reading = (async (): Promise<BodyReading> => {
    const declared = checked.declaredBytes;
    if (declared !== undefined && declared > 0 && !(await take(declared))) return { kind: 'over-budget' };
    // The client may have gone while this waited for room: its 'close' has passed and would never come again.
    if (request.destroyed) return { kind: 'aborted' };
    return new Promise<BodyReading>((resolve) => {
      const chunks: Buffer[] = [];
      let received = 0;
      let settled = false;
      const settle = (outcome: BodyReading): void => {
        if (settled) return;
        settled = true;
        request.off('data', onData);
        request.off('end', onEnd);
        request.off('close', onClose);
        request.off('error', onClose);
        chunks.length = 0;
        // What is left of a refused body is read and dropped, so the answer reaches the client.
        if (outcome.kind !== 'verified' && outcome.kind !== 'aborted' && !request.complete) request.resume();
        resolve(outcome);
      };
      const keep = (chunk: Buffer): void => {
        checked.verifier.update(chunk);
        chunks.push(chunk);
      };
      const onData = (chunk: Buffer): void => {
        received += chunk.length;
        if (received > maxBodyBytes) {
          settle({ kind: 'rejected', rejection: { kind: 'rejected', status: 413, reason: `body is over the limit of ${maxBodyBytes} bytes` } });
          return;
        }
        const covered = declared !== undefined && received <= declared;
        if (covered) {
          keep(chunk);
          return;
        }
        request.pause();
        take(chunk.length).then((granted) => {
          if (settled) return;
          if (!granted) {
            settle({ kind: 'over-budget' });
            return;
          }
          keep(chunk);
          request.resume();
        }, () => { settle({ kind: 'over-budget' }); });
      };
      const onEnd = (): void => {
        const refusal = checked.verifier.finish();
        if (refusal) {
          settle({ kind: 'rejected', rejection: refusal });
          return;
        }
        const body = Buffer.concat(chunks, received);
        settle({ kind: 'verified', body });
      };
      const onClose = (): void => {
        if (!request.complete) settle({ kind: 'aborted' });
      };
      request.on('data', onData);
      request.on('end', onEnd);
      request.on('close', onClose);
      request.on('error', onClose);
    });
  })();
  return { reading, release };
}

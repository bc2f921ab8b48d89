/**
 * A process-wide budget of bytes held at once, for request bodies read before
 * they can be trusted. `acquire` takes bytes at once when they fit, else waits
 * in line (first come, first served) up to `maxWaitMs` and gives up; every
 * acquired byte must be given back with `release`. One request can never take
 * more than the whole budget, so a refusal is certain, not a matter of luck.
 */
export interface ByteBudgetOptions {
  /** Bytes all holders may hold together. */
  maxBytes: number;
  /** How long an `acquire` that does not fit waits for others to release. */
  maxWaitMs: number;
}

export interface ByteBudget {
  /** True when `bytes` were taken (within the wait); false when they were not and never will be for this call. */
  acquire(bytes: number): Promise<boolean>;
  release(bytes: number): void;
  /** Bytes held now. */
  readonly inUse: number;
  readonly maxBytes: number;
}

interface Waiter {
  bytes: number;
  grant(granted: boolean): void;
}

export function createByteBudget(options: ByteBudgetOptions): ByteBudget {
  let inUse = 0;
  const waiting: Waiter[] = [];

  const fits = (bytes: number): boolean => inUse + bytes <= options.maxBytes;
  const serve = (): void => {
    // In order: a large waiter at the head is not overtaken by small ones, so it cannot starve.
    while (waiting.length > 0 && fits((waiting[0] as Waiter).bytes)) {
      const next = waiting.shift() as Waiter;
      inUse += next.bytes;
      next.grant(true);
    }
  };

  return {
    get inUse() { return inUse; },
    maxBytes: options.maxBytes,
    acquire(bytes) {
      if (bytes <= 0) return Promise.resolve(true);
      if (bytes > options.maxBytes) return Promise.resolve(false);
      if (waiting.length === 0 && fits(bytes)) {
        inUse += bytes;
        return Promise.resolve(true);
      }
      return new Promise<boolean>((resolve) => {
        const waiter: Waiter = {
          bytes,
          grant: (granted) => { clearTimeout(timer); resolve(granted); },
        };
        const timer = setTimeout(() => {
          const index = waiting.indexOf(waiter);
          if (index >= 0) waiting.splice(index, 1);
          resolve(false);
          // The head may have been the one in the way of smaller waiters behind it.
          serve();
        }, options.maxWaitMs);
        timer.unref();
        waiting.push(waiter);
      });
    },
    release(bytes) {
      if (bytes <= 0) return;
      inUse = Math.max(0, inUse - bytes);
      serve();
    },
  };
}

/**
 * Follows the JSON log of a `berth controller` process as it grows, and keeps
 * what the scale benchmark asks of it: the last reconcile outcome of every
 * Application (the `reconciled` line carries `state` and `sync`), reconciles by
 * reason, warnings and errors. Reading the log costs the cluster nothing, so it
 * can be polled often without disturbing what is measured.
 */
import { closeSync, openSync, readSync } from 'node:fs';

interface Outcome { state: string | undefined; sync: string | undefined; at: number }

export class ControllerLog {
  readonly #fd: number;
  #offset = 0;
  #partial = '';
  readonly outcomes = new Map<string, Outcome>();
  readonly reconcilesByReason = new Map<string, number>();
  readonly problems: string[] = [];
  warnings = 0;
  errors = 0;
  startedAt: number | undefined;

  constructor(file: string) {
    this.#fd = openSync(file, 'r');
  }

  /** Reads what was appended since the last call. */
  update(now = performance.now()): void {
    const buffer = Buffer.alloc(1 << 20);
    for (;;) {
      const read = readSync(this.#fd, buffer, 0, buffer.length, this.#offset);
      if (read === 0) break;
      this.#offset += read;
      const lines = (this.#partial + buffer.subarray(0, read).toString('utf8')).split('\n');
      this.#partial = lines.pop() ?? '';
      for (const line of lines) this.#take(line, now);
    }
  }

  #take(line: string, now: number): void {
    if (!line.startsWith('{')) {
      if (line.trim()) this.#problem(line);
      return;
    }
    const entry = JSON.parse(line) as { level?: number; msg?: string; app?: string; reason?: string; state?: string; sync?: string };
    if ((entry.level ?? 0) >= 50) this.errors++;
    else if ((entry.level ?? 0) >= 40) this.warnings++;
    if ((entry.level ?? 0) >= 40) this.#problem(line);
    if (entry.msg === 'controller started') this.startedAt = now;
    if (entry.msg === 'reconciled' && entry.app !== undefined) {
      this.outcomes.set(entry.app, { state: entry.state, sync: entry.sync, at: now });
      const reason = entry.reason ?? '?';
      this.reconcilesByReason.set(reason, (this.reconcilesByReason.get(reason) ?? 0) + 1);
    }
  }

  #problem(line: string): void {
    if (this.problems.length < 20) this.problems.push(line.slice(0, 600));
  }

  /** Applications whose last reconcile found them Healthy and Synced. */
  converged(): number {
    let count = 0;
    for (const outcome of this.outcomes.values()) if (outcome.state === 'Healthy' && outcome.sync === 'Synced') count++;
    return count;
  }

  /** How many Applications last ended in each `state/sync`. */
  outcomeCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const outcome of this.outcomes.values()) {
      const key = `${outcome.state ?? '-'}/${outcome.sync ?? '-'}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  reconciles(): number {
    return [...this.reconcilesByReason.values()].reduce((sum, n) => sum + n, 0);
  }

  close(): void {
    closeSync(this.#fd);
  }
}

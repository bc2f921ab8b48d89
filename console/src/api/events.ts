/**
 * Live updates: one EventSource per tab on /api/v1/events (CONTRACT.md §6),
 * shared by every view. The browser reconnects by itself after a dropped
 * connection and sends Last-Event-ID, so the server replays what was missed;
 * when the server refuses the stream (a 429, a restart answering 503) the
 * EventSource closes for good, so this module opens a new one after a growing
 * pause (2 s doubling to 30 s), never a tight loop.
 */
import type { AppEvent } from './types.ts';

export type LiveState = 'connecting' | 'live' | 'offline';

export interface LiveListener {
  app?(event: AppEvent): void;
  /** Events were lost: refetch what is shown. */
  resync?(): void;
}

const listeners = new Set<LiveListener>();
const stateListeners = new Set<(state: LiveState) => void>();
let source: EventSource | undefined;
let state: LiveState = 'offline';
let retryMs = 2_000;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let wanted = false;

function setState(next: LiveState): void {
  state = next;
  for (const listener of stateListeners) listener(next);
}

function parse(data: unknown): unknown {
  try {
    return typeof data === 'string' ? JSON.parse(data) as unknown : undefined;
  } catch {
    return undefined;
  }
}

function open(): void {
  retryTimer = undefined;
  if (!wanted) return;
  setState('connecting');
  const stream = new EventSource('/api/v1/events', { withCredentials: true });
  source = stream;
  stream.addEventListener('hello', (message) => {
    retryMs = 2_000;
    setState('live');
    if ((parse(message.data) as { resync?: boolean } | undefined)?.resync) for (const listener of listeners) listener.resync?.();
  });
  stream.addEventListener('open', () => { setState('live'); });
  stream.addEventListener('resync', () => { for (const listener of listeners) listener.resync?.(); });
  stream.addEventListener('app', (message) => {
    const event = parse(message.data) as AppEvent | undefined;
    if (!event || typeof event.key !== 'string') return;
    for (const listener of listeners) listener.app?.(event);
  });
  stream.addEventListener('error', () => {
    if (stream.readyState === EventSource.CONNECTING) {
      setState('connecting');
      return;
    }
    // Closed: the server refused the stream; try again later.
    stream.close();
    if (source === stream) source = undefined;
    setState('offline');
    if (wanted && retryTimer === undefined) {
      retryTimer = setTimeout(open, retryMs);
      retryMs = Math.min(30_000, retryMs * 2);
    }
  });
}

export function startLive(): void {
  wanted = true;
  if (!source && retryTimer === undefined) open();
}

export function stopLive(): void {
  wanted = false;
  if (retryTimer !== undefined) clearTimeout(retryTimer);
  retryTimer = undefined;
  source?.close();
  source = undefined;
  setState('offline');
}

/** Subscribes; returns the unsubscribe function (for a useEffect cleanup). */
export function subscribe(listener: LiveListener): () => void {
  listeners.add(listener);
  return () => { listeners.delete(listener); };
}

export function watchLiveState(listener: (state: LiveState) => void): () => void {
  stateListeners.add(listener);
  listener(state);
  return () => { stateListeners.delete(listener); };
}

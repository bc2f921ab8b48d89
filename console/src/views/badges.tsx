/** Small pieces every view shows the same way: status badges, times, errors. */
import { ApiError } from '../api/client.ts';
import { ago } from '../model/words.ts';

const syncClass: Record<string, string> = { Synced: 'ok', OutOfSync: 'warn', Missing: 'warn', Extraneous: 'warn' };
const healthClass: Record<string, string> = { Healthy: 'ok', Progressing: 'busy', Suspended: 'idle', Degraded: 'bad', Missing: 'warn' };
const syncIcon: Record<string, string> = { Synced: '✓', OutOfSync: '≠', Missing: '∅', Extraneous: '+' };
const healthIcon: Record<string, string> = { Healthy: '♥', Progressing: '◔', Suspended: '‖', Degraded: '✕', Missing: '∅' };

export function SyncBadge(props: { status: string | null | undefined }) {
  if (!props.status) return null;
  return <span class={`badge ${syncClass[props.status] ?? 'unknown'}`}><span aria-hidden="true">{syncIcon[props.status] ?? '?'}</span> {props.status}</span>;
}

export function HealthBadge(props: { status: string | null | undefined; message?: string | undefined }) {
  if (!props.status) return null;
  return (
    <span class={`badge ${healthClass[props.status] ?? 'unknown'}`} title={props.message}>
      <span aria-hidden="true">{healthIcon[props.status] ?? '?'}</span> {props.status}
    </span>
  );
}

export function Time(props: { at: string | null | undefined }) {
  if (!props.at) return <span class="muted">never</span>;
  return <time dateTime={props.at} title={props.at}>{ago(props.at)}</time>;
}

export function ErrorBox(props: { error: unknown; what: string }) {
  const detail = props.error instanceof ApiError ? props.error.detail : props.error instanceof Error ? props.error.message : String(props.error);
  return <p class="error" role="alert">{props.what}: {detail}</p>;
}

export function Loading(props: { what: string }) {
  return <p class="muted" aria-busy="true">Loading {props.what}…</p>;
}

/**
 * The last deliveries of an Application's notifications (issue 17): which
 * event went to which NotificationProvider, and what came of it. One request
 * (the API's delivery log, kept in Redis by the notify queue); refetched when
 * the page reloads its data on a live event. Never an address or a token: the
 * API names providers by their object.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, applicationPath } from '../api/client.ts';
import type { NotificationDeliveries, NotificationDelivery } from '../api/types.ts';
import { ErrorBox, Loading, Time } from './badges.tsx';

const resultClass: Record<NotificationDelivery['result'], string> = { delivered: 'ok', retry: 'warn', rateLimited: 'warn', skipped: 'idle', dropped: 'bad' };

function outcome(entry: NotificationDelivery): string {
  const parts = [entry.status === undefined ? '' : `HTTP ${String(entry.status)}`, entry.reason ?? '', entry.latencyMs === undefined ? '' : `${String(Math.round(entry.latencyMs))} ms after the transition`];
  return parts.filter(Boolean).join(' · ');
}

export function NotificationsView(props: { namespace: string; name: string; reload: number }) {
  const { namespace, name, reload } = props;
  const [data, setData] = useState<NotificationDeliveries | undefined>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    const abort = new AbortController();
    api.get<NotificationDeliveries>(`${applicationPath(namespace, name)}/notifications`, undefined, abort.signal)
      .then((answer) => { setData(answer); setError(undefined); }, (caught: unknown) => { if (!abort.signal.aborted) setError(caught); });
    return () => { abort.abort(); };
  }, [namespace, name, reload]);

  if (error !== undefined) return <ErrorBox error={error} what="the notifications could not be loaded" />;
  if (!data) return <Loading what="notifications" />;
  if (data.deliveries.length === 0) {
    return <p class="muted notifications-empty">No notification of this Application has been sent yet: no NotificationRule of its namespace (or of the controller's) selects it, or nothing happened since.</p>;
  }
  return (
    <div class="table-scroll">
      <table class="apps notifications">
        <caption class="muted">The last {String(data.deliveries.length)} deliveries, newest first</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Revision</th><th scope="col">Provider</th><th scope="col">Result</th><th scope="col">Details</th></tr></thead>
        <tbody>
          {data.deliveries.map((entry) => (
            <tr key={`${entry.id}-${String(entry.attempt)}-${entry.at}`} data-event={entry.type} data-result={entry.result}>
              <td><Time at={entry.at} /></td>
              <td>{entry.type}</td>
              <td><code class="sha">{entry.revision.replace(/^sha256:/, '').slice(0, 7)}</code></td>
              <td>{entry.provider} <span class="muted">({entry.providerType})</span></td>
              <td><span class={`badge ${resultClass[entry.result]}`}>{entry.result}</span>{entry.attempt > 1 ? <span class="muted"> attempt {String(entry.attempt)}</span> : null}</td>
              <td class="muted">{outcome(entry)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

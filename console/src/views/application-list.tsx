/**
 * The Applications list: filters (namespace, sync, health, text) kept in the
 * address, counts per state from the server, one page per request (cursor
 * pagination: 10,000 Applications cost one small request per page), and rows
 * replaced in place when a live event carries their new state.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Query } from '../api/client.ts';
import { subscribe } from '../api/events.ts';
import { healthStates, syncStates, type ApplicationPage, type ApplicationRow } from '../api/types.ts';
import { appHref, listHref, type ListFilters } from '../model/route.ts';
import { CommitLink, Link, navigate } from '../router.tsx';
import { ErrorBox, HealthBadge, Loading, SyncBadge, Time } from './badges.tsx';

export const pageSize = 50;

/** The query of one page of the list; main.tsx prefetches the first one with it. */
export function listQuery(filters: ListFilters, cursor?: string): Query {
  return {
    namespace: filters.namespace, sync: filters.sync.length ? filters.sync.join(',') : undefined,
    health: filters.health.length ? filters.health.join(',') : undefined, q: filters.q, limit: String(pageSize), cursor,
  };
}

export const listPath = '/api/v1/console/applications';

function toggled(values: readonly string[], value: string): string[] {
  return values.includes(value) ? values.filter((one) => one !== value) : [...values, value];
}

function Chips(props: { label: string; states: readonly string[]; counts: Partial<Record<string, number>>; chosen: string[]; onChange: (next: string[]) => void }) {
  return (
    <fieldset class="chips">
      <legend>{props.label}</legend>
      {props.states.map((state) => (
        <button key={state} type="button" class="chip" aria-pressed={props.chosen.includes(state)}
          onClick={() => { props.onChange(toggled(props.chosen, state)); }}>
          {state} <span class="count">{(props.counts[state] ?? 0).toLocaleString('en-US')}</span>
        </button>
      ))}
    </fieldset>
  );
}

function RollbackMark(props: { row: ApplicationRow }) {
  const rollback = props.row.rollback;
  if (!rollback) return null;
  return (
    <span class="badge rollback" title={rollback.message}>
      <span aria-hidden="true">↩</span> rolled back {rollback.from.slice(0, 7)} → {rollback.to.slice(0, 7)}
    </span>
  );
}

function Row(props: { row: ApplicationRow }) {
  const { row } = props;
  return (
    <tr data-key={row.key}>
      <td class="app-name">
        <Link href={appHref(row.namespace, row.name)}><span class="muted">{row.namespace}/</span>{row.name}</Link>
        {!row.valid && <span class="badge bad">invalid</span>}
      </td>
      <td><SyncBadge status={row.sync} /></td>
      <td><HealthBadge status={row.health} message={row.healthMessage} /></td>
      <td class="revision">
        {row.revision ? (
          <>
            <CommitLink short={row.revision.short} url={row.revision.url} />
            {row.revision.subject && <span class="subject"> {row.revision.subject}</span>}
            {row.revision.author && <span class="muted author"> · {row.revision.author}</span>}
          </>
        ) : <span class="muted">none yet</span>}
        <RollbackMark row={row} />
      </td>
      <td><Time at={row.lastSyncAt} /></td>
    </tr>
  );
}

export function ApplicationList(props: { filters: ListFilters }) {
  const { filters } = props;
  const [page, setPage] = useState<ApplicationPage | undefined>();
  const [error, setError] = useState<unknown>();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [text, setText] = useState(filters.q ?? '');
  const [reload, setReload] = useState(0);
  const cursor = cursors[cursors.length - 1];
  const filterKey = listHref(filters);

  useEffect(() => { setCursors([undefined]); setText(filters.q ?? ''); }, [filterKey]);

  useEffect(() => {
    const abort = new AbortController();
    api.get<ApplicationPage>(listPath, listQuery(filters, cursor), abort.signal).then((answer) => { setPage(answer); setError(undefined); }, (caught: unknown) => {
      if (!abort.signal.aborted) setError(caught);
    });
    return () => { abort.abort(); };
  }, [filterKey, cursor, reload]);

  // Live: a row on this page is replaced at once; counts follow with one refetch at most every 2 s.
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    const later = (): void => {
      refetchTimer.current ??= setTimeout(() => { refetchTimer.current = undefined; setReload((n) => n + 1); }, 2_000);
    };
    const unsubscribe = subscribe({
      app(event) {
        const row = event.row;
        if (row) setPage((current) => current && { ...current, items: current.items.map((item) => item.key === row.key ? row : item) });
        later();
      },
      resync() { setReload((n) => n + 1); },
    });
    return () => { unsubscribe(); if (refetchTimer.current) clearTimeout(refetchTimer.current); refetchTimer.current = undefined; };
  }, []);

  // Typing filters after a pause, so a word is one request, not one per letter.
  useEffect(() => {
    if (text === (filters.q ?? '')) return undefined;
    const timer = setTimeout(() => { navigate(listHref({ ...filters, q: text || undefined }), { replace: true }); }, 300);
    return () => { clearTimeout(timer); };
  }, [text]);

  const change = (next: Partial<ListFilters>): void => {
    const merged: ListFilters = { ...filters, ...next };
    if (!merged.namespace) delete merged.namespace;
    if (!merged.q) delete merged.q;
    navigate(listHref(merged));
  };
  const counts = page?.counts;
  const namespaces = Object.entries(counts?.namespaces ?? {}).sort(([a], [b]) => a.localeCompare(b));

  return (
    <main id="main">
      <h1>Applications</h1>
      <form class="filters" role="search" onSubmit={(event) => { event.preventDefault(); }}>
        <div class="field">
          <label for="filter-text">Find</label>
          <input id="filter-text" type="search" value={text} placeholder="name, commit or subject" maxLength={200}
            onInput={(event) => { setText(event.currentTarget.value); }} />
        </div>
        <div class="field">
          <label for="filter-namespace">Namespace</label>
          <select id="filter-namespace" value={filters.namespace ?? ''} onChange={(event) => { change({ namespace: event.currentTarget.value || undefined }); }}>
            <option value="">all namespaces</option>
            {namespaces.map(([name, count]) => <option key={name} value={name}>{name} ({count.toLocaleString('en-US')})</option>)}
          </select>
        </div>
        <Chips label="Sync" states={syncStates} counts={counts?.sync ?? {}} chosen={filters.sync} onChange={(sync) => { change({ sync }); }} />
        <Chips label="Health" states={healthStates} counts={counts?.health ?? {}} chosen={filters.health} onChange={(health) => { change({ health }); }} />
      </form>
      {error !== undefined && <ErrorBox error={error} what="The list could not be loaded" />}
      {!page && error === undefined && <Loading what="Applications" />}
      {page && (
        <>
          <p class="summary" aria-live="polite">
            {page.counts.matching.toLocaleString('en-US')} of {page.counts.total.toLocaleString('en-US')} Applications
            {cursors.length > 1 && `, page ${String(cursors.length)}`}
          </p>
          <div class="table-scroll">
            <table class="apps">
              <caption class="visually-hidden">Applications with their sync, health and revision</caption>
              <thead><tr><th scope="col">Application</th><th scope="col">Sync</th><th scope="col">Health</th><th scope="col">Revision</th><th scope="col">Last sync</th></tr></thead>
              <tbody>{page.items.map((row) => <Row key={row.key} row={row} />)}</tbody>
            </table>
          </div>
          {page.items.length === 0 && <p class="muted">No Application matches these filters.</p>}
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={cursors.length <= 1} onClick={() => { setCursors(cursors.slice(0, -1)); }}>← Previous page</button>
            <button type="button" disabled={!page.nextCursor} onClick={() => { if (page.nextCursor) setCursors([...cursors, page.nextCursor]); }}>Next page →</button>
          </nav>
        </>
      )}
    </main>
  );
}

/**
 * One Application in one request (CONTRACT.md §3): its source and commit,
 * conditions in words, the last operation, and a tab: the resource tree,
 * the history, or the drift of one object. A live event for this Application
 * refetches that one answer (at most one request per 300 ms).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, consoleApplicationPath } from '../api/client.ts';
import { subscribe } from '../api/events.ts';
import type { ApplicationPageData, Session } from '../api/types.ts';
import { appHref, type AppTab, type ObjectAddress } from '../model/route.ts';
import { conditionInWords, isTroubling } from '../model/words.ts';
import { CommitLink, Link } from '../router.tsx';
import { ActionBar } from './actions.tsx';
import { ErrorBox, HealthBadge, Loading, SyncBadge, Time } from './badges.tsx';
import { DriftView } from './drift-view.tsx';
import { HistoryView } from './history-view.tsx';
import { NotificationsView } from './notifications-view.tsx';
import { ResourceTreeView } from './resource-tree-view.tsx';

function Source(props: { data: ApplicationPageData }) {
  const { source, destination } = props.data;
  return (
    <dl class="facts-grid">
      <dt>Repository</dt><dd><code>{source.repoURL}</code></dd>
      <dt>Path</dt><dd><code>{source.path || '.'}</code></dd>
      <dt>Tracks</dt><dd><code>{source.targetRevision}</code>{props.data.automated ? ' · syncs by itself' : ' · manual sync'}</dd>
      <dt>Commit</dt>
      <dd>{source.commit ? (
        <><CommitLink short={source.commit.short} url={source.commit.url} />
          {source.commit.subject && ` ${source.commit.subject}`}{source.commit.author && <span class="muted"> · {source.commit.author}</span>}</>
      ) : <span class="muted">not resolved yet</span>}</dd>
      <dt>Destination</dt><dd><code>{destination.namespace ?? '(namespaces of the objects)'}</code></dd>
    </dl>
  );
}

function Conditions(props: { data: ApplicationPageData }) {
  const sorted = [...props.data.conditions].sort((a, b) => Number(isTroubling(b)) - Number(isTroubling(a)));
  if (sorted.length === 0 && !props.data.problems?.length) return null;
  return (
    <ul class="conditions">
      {props.data.problems?.map((problem) => <li key={problem.path} class="bad">Invalid: <code>{problem.path}</code> {problem.message}</li>)}
      {sorted.map((condition) => (
        <li key={condition.type} class={isTroubling(condition) ? 'bad' : ''}>
          {conditionInWords(condition)} <span class="muted">(<Time at={condition.lastTransitionTime} />)</span>
        </li>
      ))}
    </ul>
  );
}

function LastOperation(props: { data: ApplicationPageData }) {
  const report = props.data.lastOperation;
  if (!report) return null;
  return (
    <p class="muted last-operation">
      Last {report.dryRun ? 'dry run' : 'operation'}: {report.kind} of {report.revision.slice(0, 7)} {report.phase.toLowerCase()}
      {report.requestedBy ? ` (by ${report.requestedBy})` : ''}, <Time at={report.finishedAt} />: {report.message}
    </p>
  );
}

export function ApplicationPage(props: { namespace: string; name: string; tab: AppTab | 'drift'; object?: ObjectAddress; session: Session }) {
  const { namespace, name } = props;
  const key = `${namespace}/${name}`;
  const [data, setData] = useState<ApplicationPageData | undefined>();
  const [error, setError] = useState<unknown>();
  const [reload, setReload] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    const abort = new AbortController();
    api.get<ApplicationPageData>(consoleApplicationPath(namespace, name), undefined, abort.signal)
      .then((answer) => { setData(answer); setError(undefined); }, (caught: unknown) => { if (!abort.signal.aborted) setError(caught); });
    return () => { abort.abort(); };
  }, [key, reload]);

  useEffect(() => {
    const later = (): void => { timer.current ??= setTimeout(() => { timer.current = undefined; setReload((n) => n + 1); }, 300); };
    const unsubscribe = subscribe({ app(event) { if (event.key === key) later(); }, resync: later });
    return () => { unsubscribe(); if (timer.current) clearTimeout(timer.current); timer.current = undefined; };
  }, [key]);

  useEffect(() => { document.title = `${key} · Berth`; }, [key]);

  const admin = props.session.role === 'admin';
  return (
    <main id="main">
      <p class="crumbs"><Link href="/">Applications</Link> / <span class="muted">{namespace}</span></p>
      <div class="app-head">
        <h1>{namespace}/{name}</h1>
        {data && (
          <p class="facts">
            <SyncBadge status={data.app.sync} /> <HealthBadge status={data.app.health} message={data.app.healthMessage} />
            {data.app.rollback && <span class="badge rollback"><span aria-hidden="true">↩</span> rolled back {data.app.rollback.from.slice(0, 7)} → {data.app.rollback.to.slice(0, 7)}</span>}
            {data.app.healthMessage && <span class="muted"> {data.app.healthMessage}</span>}
          </p>
        )}
        {data && admin && <ActionBar data={data} />}
      </div>
      {error !== undefined && <ErrorBox error={error} what={`${key} could not be loaded`} />}
      {!data && error === undefined && <Loading what={key} />}
      {data && (
        <>
          <div class="overview">
            <section class="card" aria-label="Source"><Source data={data} /></section>
            <section class="card" aria-label="Conditions">
              <Conditions data={data} />
              <p class="muted">Drift: {data.drift.status}{data.drift.checkedAt && <>, checked <Time at={data.drift.checkedAt} /></>}
                {data.drift.counts.OutOfSync + data.drift.counts.Missing + data.drift.counts.Extraneous > 0 &&
                  ` · ${String(data.drift.counts.OutOfSync)} out of sync, ${String(data.drift.counts.Missing)} missing, ${String(data.drift.counts.Extraneous)} extraneous`}</p>
              <LastOperation data={data} />
            </section>
          </div>
          <nav class="tabs" aria-label="Application views">
            <Link href={appHref(namespace, name)} aria-current={props.tab === 'resources' || props.tab === 'drift' ? 'page' : undefined}>Resources</Link>
            <Link href={appHref(namespace, name, 'history')} aria-current={props.tab === 'history' ? 'page' : undefined}>History ({String(data.history.length)})</Link>
            <Link href={appHref(namespace, name, 'notifications')} aria-current={props.tab === 'notifications' ? 'page' : undefined}>Notifications</Link>
          </nav>
          {props.tab === 'resources' && <ResourceTreeView tree={data.tree} namespace={namespace} name={name} />}
          {props.tab === 'history' && <HistoryView data={data} admin={admin} />}
          {props.tab === 'notifications' && <NotificationsView namespace={namespace} name={name} reload={reload} />}
          {props.tab === 'drift' && props.object && <DriftView namespace={namespace} name={name} object={props.object} />}
        </>
      )}
    </main>
  );
}

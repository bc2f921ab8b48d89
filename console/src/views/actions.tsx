/**
 * Refresh, Sync and Rollback, shown only to an admin session (the API refuses
 * a read session anyway). Sync and Rollback show what would change first: a
 * server-side dry run is queued, its result arrives as an `operation` event,
 * and only then can the person confirm. A 409 (automated sync refuses a
 * rollback) is shown as the server words it.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, applicationPath, consoleApplicationPath } from '../api/client.ts';
import { subscribe } from '../api/events.ts';
import type { ApplicationPageData, HistoryItem, OperationReport } from '../api/types.ts';
import { notify } from '../notices.tsx';
import { ErrorBox } from './badges.tsx';
import { DiffTable, LayoutSwitch, type DiffLayout } from './diff-table.tsx';

function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => { dialog?.close(); };
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="dialog-title" onClose={props.onClose}>
      <h2 id="dialog-title">{props.title}</h2>
      {props.children}
    </dialog>
  );
}

type DryRunState = { phase: 'waiting' } | { phase: 'done'; report: OperationReport } | { phase: 'failed'; error: unknown };

/** Queues a dry run and follows the Application's last operation until a new dry run of `revision` (or any) reports. */
function useDryRun(namespace: string, name: string, body: { revision?: string }): DryRunState {
  const [state, setState] = useState<DryRunState>({ phase: 'waiting' });
  useEffect(() => {
    let finished = false;
    // Until the dry run is queued, a report seen is an older one (the previous dry run of the same revision, say).
    let queued = false;
    let before: string | undefined;
    const key = `${namespace}/${name}`;
    const check = async (): Promise<void> => {
      if (finished || !queued) return;
      const page = await api.get<ApplicationPageData>(consoleApplicationPath(namespace, name));
      const report = page.lastOperation;
      if (report?.dryRun && report.finishedAt !== before && (body.revision === undefined || report.revision === body.revision)) {
        finished = true;
        setState({ phase: 'done', report });
      }
    };
    const fail = (error: unknown): void => { if (!finished) { finished = true; setState({ phase: 'failed', error }); } };
    const unsubscribe = subscribe({ app(event) { if (event.key === key && event.changed.includes('operation')) check().catch(fail); } });
    // A safety net when events are not flowing: one look every 5 s while the dialog waits.
    const timer = setInterval(() => { check().catch(fail); }, 5_000);
    (async () => {
      before = (await api.get<ApplicationPageData>(consoleApplicationPath(namespace, name))).lastOperation?.finishedAt;
      await api.post(`${applicationPath(namespace, name)}/sync`, { ...body, dryRun: true });
      queued = true;
      await check();
    })().catch(fail);
    return () => { finished = true; unsubscribe(); clearInterval(timer); };
  }, [namespace, name, body.revision]);
  return state;
}

function DryRunResult(props: { state: DryRunState; what: string }) {
  const { state } = props;
  if (state.phase === 'waiting') return <p aria-busy="true" class="muted">Asking the cluster what {props.what} would change (server-side dry run)…</p>;
  if (state.phase === 'failed') return <ErrorBox error={state.error} what="The dry run could not run" />;
  const { report } = state;
  return (
    <div class="dry-run" role="status">
      <p><strong>Dry run {report.phase === 'Succeeded' ? 'succeeded' : 'failed'}</strong>: {report.message}</p>
      {report.changes && report.changes.length > 0
        ? <ul class="changes">{report.changes.map((line) => <li key={line}><code>{line}</code></li>)}</ul>
        : <p class="muted">Nothing would change.</p>}
    </div>
  );
}

/** The whole Application's diff as text (one request): what a sync of the tracked revision changes. */
function CurrentDrift(props: { namespace: string; name: string }) {
  const [diff, setDiff] = useState<string | undefined>();
  const [layout, setLayout] = useState<DiffLayout>('unified');
  useEffect(() => {
    fetch(`${applicationPath(props.namespace, props.name)}/drift?format=text`, { credentials: 'same-origin', cache: 'no-store' })
      .then(async (response) => (response.ok ? response.text() : ''), () => '').then(setDiff, () => { setDiff(''); });
  }, [props.namespace, props.name]);
  if (diff === undefined) return null;
  if (!diff) return <p class="muted">The last drift check found no difference.</p>;
  return <details class="card" open><summary>Diff of live against Git</summary><LayoutSwitch layout={layout} onChange={setLayout} /><DiffTable diff={diff} layout={layout} label="What a sync changes" /></details>;
}

function SyncDialog(props: { data: ApplicationPageData; onClose: () => void }) {
  const { namespace, name } = props.data.app;
  const state = useDryRun(namespace, name, {});
  const [error, setError] = useState<unknown>();
  const confirm = async (): Promise<void> => {
    try {
      await api.post(`${applicationPath(namespace, name)}/sync`, {});
      notify(`Sync of ${namespace}/${name} queued`);
      props.onClose();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <Dialog title={`Sync ${namespace}/${name}`} onClose={props.onClose}>
      <p>Applies {props.data.source.targetRevision} ({props.data.source.commit?.short ?? 'its newest commit'}) to the cluster.</p>
      <DryRunResult state={state} what="a sync" />
      <CurrentDrift namespace={namespace} name={name} />
      {error !== undefined && <ErrorBox error={error} what="Sync refused" />}
      <div class="buttons">
        <button type="button" class="primary" disabled={state.phase !== 'done'} onClick={() => { void confirm(); }}>Confirm sync</button>
        <button type="button" onClick={props.onClose}>Cancel</button>
      </div>
    </Dialog>
  );
}

export function RollbackDialog(props: { data: ApplicationPageData; entry: HistoryItem; onClose: () => void }) {
  const { namespace, name } = props.data.app;
  const state = useDryRun(namespace, name, { revision: props.entry.revision });
  const [error, setError] = useState<unknown>();
  const confirm = async (): Promise<void> => {
    try {
      await api.post(`${applicationPath(namespace, name)}/rollback`, { id: props.entry.id });
      notify(`Rollback of ${namespace}/${name} to ${props.entry.short} queued`);
      props.onClose();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <Dialog title={`Roll back ${namespace}/${name} to ${props.entry.short}`} onClose={props.onClose}>
      <p>Applies {props.entry.short}{props.entry.subject ? ` (“${props.entry.subject}”)` : ''}, history entry {String(props.entry.id)}, to the cluster.</p>
      {props.data.automated && <p class="warning">This Application syncs by itself: the API refuses a rollback until automated sync is turned off.</p>}
      <DryRunResult state={state} what="the rollback" />
      {error !== undefined && <ErrorBox error={error} what="Rollback refused" />}
      <div class="buttons">
        <button type="button" class="primary danger" disabled={state.phase !== 'done'} onClick={() => { void confirm(); }}>Confirm rollback</button>
        <button type="button" onClick={props.onClose}>Cancel</button>
      </div>
    </Dialog>
  );
}

export function ActionBar(props: { data: ApplicationPageData }) {
  const { namespace, name, valid } = props.data.app;
  const [syncing, setSyncing] = useState(false);
  const refresh = async (): Promise<void> => {
    try {
      await api.post(`${applicationPath(namespace, name)}/refresh`);
      notify(`Refresh of ${namespace}/${name} queued`);
    } catch (caught) {
      notify(`Refresh refused: ${caught instanceof Error ? caught.message : String(caught)}`, 'error');
    }
  };
  return (
    <div class="actions" role="group" aria-label="Actions">
      <button type="button" onClick={() => { void refresh(); }}>Refresh</button>
      <button type="button" class="primary" disabled={!valid} onClick={() => { setSyncing(true); }}>Sync…</button>
      {syncing && <SyncDialog data={props.data} onClose={() => { setSyncing(false); }} />}
    </div>
  );
}

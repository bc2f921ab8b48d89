/**
 * The drift of one object: its unified or side-by-side diff of live against
 * what a sync would make of it (Secret values arrive masked), the fields that
 * differ, and, on request, why a field is not drift (an ignore rule, another
 * field manager, a field Berth never compares), answered by the server.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, consoleApplicationPath } from '../api/client.ts';
import { subscribe } from '../api/events.ts';
import type { Explanation, ObjectDrift } from '../api/types.ts';
import { appHref, type ObjectAddress } from '../model/route.ts';
import { Link } from '../router.tsx';
import { ErrorBox, HealthBadge, Loading, SyncBadge, Time } from './badges.tsx';
import { DiffTable, LayoutSwitch, type DiffLayout } from './diff-table.tsx';

const verdictWords: Record<Explanation['verdict'], string> = {
  drift: 'It is drift',
  'ignored-by-rule': 'Ignored by a rule',
  'ignored-manager': 'Owned by an ignored field manager',
  'owned-by-other-manager': 'Owned by another field manager',
  normalized: 'Never compared',
  equal: 'Equal to Git',
  absent: 'Not in the live object',
};

const objectQuery = (object: ObjectAddress): Record<string, string> =>
  ({ group: object.group, version: object.version, kind: object.kind, namespace: object.namespace, name: object.name });

export const objectLabel = (object: ObjectAddress): string => `${object.kind}/${object.namespace ? `${object.namespace}/` : ''}${object.name}`;

function Explain(props: { base: string; object: ObjectAddress; suggestions: string[] }) {
  const [pointer, setPointer] = useState('');
  const [answer, setAnswer] = useState<Explanation | undefined>();
  const [error, setError] = useState<unknown>();
  const ask = async (given: string): Promise<void> => {
    setPointer(given);
    setError(undefined);
    setAnswer(undefined);
    try {
      setAnswer(await api.get<Explanation>(`${props.base}/drift-object/explain`, { ...objectQuery(props.object), pointer: given }));
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <section class="card explain" aria-labelledby="explain-title">
      <h2 id="explain-title">Why is a field not drift?</h2>
      <form onSubmit={(event) => { event.preventDefault(); void ask(pointer); }}>
        <label for="pointer">Field, as a JSON pointer</label>
        <div class="inline">
          <input id="pointer" value={pointer} placeholder="/spec/replicas" maxLength={1024} required pattern="/.*"
            onInput={(event) => { setPointer(event.currentTarget.value); }} />
          <button type="submit">Explain</button>
        </div>
      </form>
      <p class="muted">Try: {props.suggestions.map((one, index) => (
        <span key={one}>{index > 0 && ', '}<button type="button" class="link" onClick={() => { void ask(one); }}>{one}</button></span>
      ))}</p>
      {error !== undefined && <ErrorBox error={error} what="No answer" />}
      {answer && (
        <div class={`verdict ${answer.verdict}`} role="status">
          <p><strong>{verdictWords[answer.verdict]}</strong> <code>{answer.pointer}</code></p>
          <p>{answer.message}</p>
          {answer.managers.length > 0 && <p class="muted">Field managers: {answer.managers.map((one) => `${one.manager} (${one.operation})`).join(', ')}</p>}
          {answer.rule && <p class="muted">Rule {String(answer.rule.index + 1)} of ignoreDifferences{answer.rule.jsonPointers ? `: ${answer.rule.jsonPointers.join(', ')}` : ''}</p>}
        </div>
      )}
    </section>
  );
}

export function DriftView(props: { namespace: string; name: string; object: ObjectAddress }) {
  const base = consoleApplicationPath(props.namespace, props.name);
  const [drift, setDrift] = useState<ObjectDrift | undefined>();
  const [error, setError] = useState<unknown>();
  const [layout, setLayout] = useState<DiffLayout>('unified');
  const [reload, setReload] = useState(0);
  const key = `${props.namespace}/${props.name}`;
  const query = objectQuery(props.object);

  useEffect(() => {
    const abort = new AbortController();
    api.get<ObjectDrift>(`${base}/drift-object`, query, abort.signal)
      .then((answer) => { setDrift(answer); setError(undefined); }, (caught: unknown) => { if (!abort.signal.aborted) setError(caught); });
    return () => { abort.abort(); };
  }, [base, JSON.stringify(query), reload]);

  useEffect(() => subscribe({
    app(event) { if (event.key === key && (event.changed.includes('drift') || event.changed.includes('status'))) setReload((n) => n + 1); },
    resync() { setReload((n) => n + 1); },
  }), [key]);

  const label = objectLabel(props.object);
  const suggestions = ['/spec/replicas', '/metadata/annotations', '/status'];
  for (const op of drift?.patch ?? []) if (!suggestions.includes(op.path) && suggestions.length < 6) suggestions.unshift(op.path);

  return (
    <section aria-labelledby="drift-title">
      <p><Link href={appHref(props.namespace, props.name)}>← Resources of {key}</Link></p>
      <h2 id="drift-title">Drift of {label}</h2>
      {error !== undefined && <ErrorBox error={error} what="No drift report for this object" />}
      {!drift && error === undefined && <Loading what="the drift" />}
      {drift && (
        <>
          <p class="facts">
            <SyncBadge status={drift.status} /> <HealthBadge status={drift.health?.status} message={drift.health?.message} />
            {drift.health?.message && <span class="muted"> {drift.health.message}</span>}
            <span class="muted"> · checked <Time at={drift.checkedAt} />{drift.mode ? ` by ${drift.mode}` : ''}</span>
          </p>
          {drift.truncated && <p class="warning">This diff was cut to keep the drift report small; the object's status above is exact.</p>}
          {drift.diff ? (
            <>
              <LayoutSwitch layout={layout} onChange={setLayout} />
              <DiffTable diff={drift.diff} layout={layout} label={`Diff of ${label}`} />
            </>
          ) : <p class="ok-text">No drift: the live object matches what Git wants.</p>}
          {(drift.patch ?? []).length > 0 && (
            <details class="card">
              <summary>Fields that differ ({String(drift.patch?.length ?? 0)}, RFC 6902)</summary>
              <ul class="patch">{(drift.patch ?? []).map((op, index) => <li key={index}><code>{op.op} {op.path}</code></li>)}</ul>
            </details>
          )}
          <Explain base={base} object={props.object} suggestions={suggestions.slice(0, 6)} />
        </>
      )}
    </section>
  );
}

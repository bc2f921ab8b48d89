/**
 * The history timeline, newest first: who or what started each operation, the
 * commit, the result, and a rollback drawn as one (its own mark and the
 * sentence "a1b2c3d failed on ...; rolled back to 9f8e7d6; ...").
 */
import { useState } from 'preact/hooks';
import type { ApplicationPageData, HistoryItem } from '../api/types.ts';
import { changesInWords, initiatorInWords, rollbackInWords } from '../model/words.ts';
import { CommitLink } from '../router.tsx';
import { RollbackDialog } from './actions.tsx';
import { Time } from './badges.tsx';

const phaseClass: Record<HistoryItem['phase'], string> = { Succeeded: 'ok', Failed: 'bad', Running: 'busy' };

function Entry(props: { entry: HistoryItem; canRollBack: (entry: HistoryItem) => boolean; onRollback: (entry: HistoryItem) => void }) {
  const { entry } = props;
  const rollback = rollbackInWords(entry);
  const changes = changesInWords(entry.changes);
  return (
    <li class={`event ${phaseClass[entry.phase]}${rollback ? ' rollback' : ''}`} data-history-id={entry.id}>
      <span class="mark" aria-hidden="true">{rollback ? '↩' : entry.phase === 'Failed' ? '✕' : entry.phase === 'Running' ? '◔' : '●'}</span>
      <div class="body">
        <p class="headline">
          <span class={`badge ${phaseClass[entry.phase]}`}>{rollback ? 'Rolled back' : entry.phase}</span>{' '}
          <CommitLink short={entry.short} url={entry.url} />
          {entry.subject && <span class="subject"> {entry.subject}</span>}
          {entry.author && <span class="muted"> · {entry.author}</span>}
        </p>
        {rollback && <p class="rollback-words">{rollback}</p>}
        <p class="muted">
          #{entry.id} · {initiatorInWords(entry.initiator)} · <Time at={entry.startedAt} />
          {changes && ` · ${changes}`}
        </p>
        {entry.message && !rollback && <p class="message-text">{entry.message}</p>}
        {props.canRollBack(entry) && (
          <button type="button" onClick={() => { props.onRollback(entry); }}>Roll back to {entry.short}…</button>
        )}
      </div>
    </li>
  );
}

export function HistoryView(props: { data: ApplicationPageData; admin: boolean }) {
  const [target, setTarget] = useState<HistoryItem | undefined>();
  const current = props.data.app.revision?.sha;
  // A revision that failed once is no target (it would fail again); an automated Application refuses rollbacks (409).
  const failed = new Set(props.data.history.filter((entry) => entry.phase === 'Failed').map((entry) => entry.revision));
  const canRollBack = (entry: HistoryItem): boolean => props.admin && !props.data.automated && entry.phase === 'Succeeded'
    && entry.revision !== current && !failed.has(entry.revision);
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {props.admin && props.data.automated && <p class="muted">This Application syncs by itself, so it cannot be rolled back by hand: revert the commit in Git, or turn automated sync off first.</p>}
      {props.data.history.length === 0 && <p class="muted">No operation yet.</p>}
      <ol class="timeline">
        {props.data.history.map((entry) => <Entry key={entry.id} entry={entry} canRollBack={canRollBack} onRollback={setTarget} />)}
      </ol>
      {target && <RollbackDialog data={props.data} entry={target} onClose={() => { setTarget(undefined); }} />}
    </section>
  );
}

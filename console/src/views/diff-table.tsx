/**
 * A unified diff drawn unified (one column, both line numbers) or side by side
 * (live left, what Git wants right). Lines are text nodes: a diff quotes
 * repository content and is never read as markup.
 */
import { useMemo } from 'preact/hooks';
import { parseUnifiedDiff, sideBySide, type DiffLine } from '../model/unified-diff.ts';

export type DiffLayout = 'unified' | 'split';

const sign: Record<DiffLine['kind'], string> = { add: '+', del: '-', context: ' ', hunk: '', file: '', note: '' };

function Cell(props: { line: DiffLine | undefined; side: 'old' | 'new' }) {
  const line = props.line;
  if (!line) return <><td class="no empty" /><td class="code empty" /></>;
  const number = props.side === 'old' ? line.oldNo : line.newNo;
  return <><td class="no">{number ?? ''}</td><td class={`code ${line.kind}`}><span class="sign" aria-hidden="true">{sign[line.kind]}</span>{line.text}</td></>;
}

export function DiffTable(props: { diff: string; layout: DiffLayout; label: string }) {
  const lines = useMemo(() => parseUnifiedDiff(props.diff), [props.diff]);
  const pairs = useMemo(() => (props.layout === 'split' ? sideBySide(lines) : []), [lines, props.layout]);
  if (props.layout === 'unified') {
    return (
      <div class="diff-scroll">
        <table class="diff unified" aria-label={props.label}>
          <thead class="visually-hidden"><tr><th scope="col">live line</th><th scope="col">Git line</th><th scope="col">text</th></tr></thead>
          <tbody>
            {lines.map((line, index) => line.kind === 'file' || line.kind === 'hunk' || line.kind === 'note'
              ? <tr key={index} class={line.kind}><td colSpan={3}>{line.text}</td></tr>
              : (
                <tr key={index} class={line.kind}>
                  <td class="no">{line.oldNo ?? ''}</td><td class="no">{line.newNo ?? ''}</td>
                  <td class={`code ${line.kind}`}><span class="sign" aria-hidden="true">{sign[line.kind]}</span>{line.text}
                    {line.kind !== 'context' && <span class="visually-hidden">{line.kind === 'add' ? ' (added)' : ' (removed)'}</span>}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <div class="diff-scroll">
      <table class="diff split" aria-label={props.label}>
        <thead><tr><th scope="col" colSpan={2}>Live in the cluster</th><th scope="col" colSpan={2}>What a sync makes of it</th></tr></thead>
        <tbody>
          {pairs.map((row, index) => row.kind === 'pair'
            ? <tr key={index}><Cell line={row.left} side="old" /><Cell line={row.right} side="new" /></tr>
            : <tr key={index} class={row.kind}><td colSpan={4}>{row.text}</td></tr>)}
        </tbody>
      </table>
    </div>
  );
}

export function LayoutSwitch(props: { layout: DiffLayout; onChange: (layout: DiffLayout) => void }) {
  return (
    <div class="segmented" role="group" aria-label="Diff layout">
      <button type="button" aria-pressed={props.layout === 'unified'} onClick={() => { props.onChange('unified'); }}>Unified</button>
      <button type="button" aria-pressed={props.layout === 'split'} onClick={() => { props.onChange('split'); }}>Side by side</button>
    </div>
  );
}

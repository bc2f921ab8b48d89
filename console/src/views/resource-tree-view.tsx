/**
 * The resource tree, virtualised: the rows are computed from the one answer
 * of the Application page (never a request per node), and only the rows in
 * view (plus a few either side) are in the DOM, so 5,000 Pods cost as much as
 * 40. Rows have one height; Tab moves through the rendered rows and the
 * browser scrolls a focused row into view, which renders the next ones.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Tree } from '../api/types.ts';
import { filterNodes, initiallyOpen, resourceNodes, type ResourceNode } from '../model/resource-tree.ts';
import { driftHref } from '../model/route.ts';
import { visibleRows, windowOf, type TreeRow } from '../model/tree-rows.ts';
import { Link } from '../router.tsx';
import { HealthBadge, SyncBadge } from './badges.tsx';

export const rowHeight = 34;

function Row(props: { row: TreeRow<ResourceNode['item']>; app: { namespace: string; name: string }; onToggle: (id: string) => void }) {
  const { row } = props;
  const { item } = row.node;
  const indent = { paddingLeft: `${String(0.5 + row.depth * 1.25)}rem` };
  const toggle = row.hasChildren ? (
    <button type="button" class="twisty" aria-expanded={row.expanded} onClick={() => { props.onToggle(row.node.id); }}
      aria-label={`${row.expanded ? 'Collapse' : 'Expand'} ${item.type === 'section' ? item.label : `${item.node.kind} ${item.node.name}`}`}>
      <span aria-hidden="true">{row.expanded ? '▾' : '▸'}</span>
    </button>
  ) : <span class="twisty-space" aria-hidden="true" />;
  if (item.type === 'section') {
    return (
      <li class="tree-row section" style={indent}>
        {toggle}
        <span class="label">{item.label}</span>
        <span class="count">{item.total.toLocaleString('en-US')}</span>
        {item.unwell > 0 && <span class="badge warn">{item.unwell.toLocaleString('en-US')} need attention</span>}
      </li>
    );
  }
  const { node } = item;
  const name = <><span class="kind">{node.kind}</span> {node.name}</>;
  return (
    <li class={`tree-row object${node.managed ? '' : ' live-child'}`} style={indent}>
      {toggle}
      {node.managed
        ? <Link href={driftHref(props.app.namespace, props.app.name, node)} title={`Drift of ${node.kind}/${node.name}`}>{name}</Link>
        : <span>{name}</span>}
      <SyncBadge status={node.sync} />
      <HealthBadge status={node.health?.status} message={node.health?.message} />
      {node.health?.message && <span class="message" title={node.health.message}>{node.health.message}</span>}
      {!row.expanded && item.unwell > 0 && row.hasChildren && <span class="badge warn">{item.unwell.toLocaleString('en-US')} below</span>}
    </li>
  );
}

export function ResourceTreeView(props: { tree: Tree; namespace: string; name: string }) {
  const roots = useMemo(() => resourceNodes(props.tree), [props.tree]);
  const [open, setOpen] = useState<Set<string>>(() => initiallyOpen(roots));
  const [text, setText] = useState('');
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const viewport = useRef<HTMLDivElement>(null);
  const frame = useRef<number | undefined>(undefined);

  // A refetched tree keeps what the person opened; ids are stable.
  const known = useRef(roots);
  useEffect(() => {
    if (known.current === roots) return;
    known.current = roots;
    setOpen((current) => new Set([...initiallyOpen(roots), ...current]));
  }, [roots]);

  const filtered = useMemo(() => filterNodes(roots, text), [roots, text]);
  const rows = useMemo(() => visibleRows(filtered.roots, text ? new Set([...open, ...filtered.open]) : open), [filtered, open, text]);
  const shown = windowOf(rows.length, rowHeight, scrollTop, height);

  useLayoutEffect(() => {
    const element = viewport.current;
    if (!element) return undefined;
    const measure = (): void => { setHeight(element.clientHeight); };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => { observer.disconnect(); };
  }, []);

  const onScroll = (): void => {
    if (frame.current !== undefined) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = undefined;
      setScrollTop(viewport.current?.scrollTop ?? 0);
    });
  };
  const toggle = (id: string): void => {
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  };
  const allSections = (): string[] => {
    const ids: string[] = [];
    const stack = [...roots];
    for (let node = stack.pop(); node; node = stack.pop()) {
      if (node.children.length > 0 && node.item.type === 'section') ids.push(node.id);
      stack.push(...node.children);
    }
    return ids;
  };

  const app = { namespace: props.namespace, name: props.name };
  return (
    <section class="tree" aria-labelledby="tree-title">
      <div class="tree-head">
        <h2 id="tree-title">Resources <span class="count">{props.tree.total.toLocaleString('en-US')}</span></h2>
        <div class="field inline">
          <label for="tree-filter">Find an object</label>
          <input id="tree-filter" type="search" value={text} placeholder="kind or name" onInput={(event) => { setText(event.currentTarget.value); }} />
        </div>
        <button type="button" onClick={() => { setOpen(new Set([...open, ...allSections()])); }}>Open all groups</button>
        <button type="button" onClick={() => { setOpen(new Set(roots.map((root) => root.id))); }}>Collapse all</button>
      </div>
      {props.tree.live === 'unavailable' && <p class="warning">Live children (ReplicaSets, Pods) could not be listed: {props.tree.liveMessage ?? 'unknown reason'}. The Application's own objects are shown.</p>}
      {props.tree.truncated && <p class="warning">Live children were capped at 5,000 Pods per namespace.</p>}
      <div class="tree-viewport" ref={viewport} onScroll={onScroll} tabIndex={-1} data-rows={rows.length}
        style={{ height: `min(62vh, 640px, ${String(Math.max(rows.length, 3) * rowHeight + 2)}px)` }}>
        <div class="tree-spacer" style={{ height: `${String(rows.length * rowHeight)}px` }}>
          <ul class="tree-rows" aria-label={`Resources, ${String(rows.length)} rows shown of ${String(props.tree.total)} objects`}
            style={{ transform: `translateY(${String(shown.start * rowHeight)}px)` }}>
            {rows.slice(shown.start, shown.end).map((row) => <Row key={row.node.id} row={row} app={app} onToggle={toggle} />)}
          </ul>
        </div>
      </div>
      {rows.length === 0 && <p class="muted">{text ? 'No object matches.' : 'This Application has no objects yet.'}</p>}
    </section>
  );
}

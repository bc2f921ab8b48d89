/**
 * The console's addresses, so every view can be bookmarked and reloaded (the
 * server answers index.html for any path outside /api/):
 *
 *   /                                            Applications (filters in the query)
 *   /applications/<ns>/<name>                    one Application, its resource tree
 *   /applications/<ns>/<name>/history            its history
 *   /applications/<ns>/<name>/notifications      the last deliveries of its notifications
 *   /applications/<ns>/<name>/drift?group=&version=&kind=&namespace=&name=
 *                                                the drift of one of its objects
 *
 * Pure: parse and format, no DOM; unit-tested beside.
 */

export interface ListFilters {
  namespace?: string;
  sync: string[];
  health: string[];
  q?: string;
}

export interface ObjectAddress {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

/** The tabs of one Application's page. */
export type AppTab = 'resources' | 'history' | 'notifications';

export type Route =
  | { view: 'list'; filters: ListFilters }
  | { view: 'app'; namespace: string; name: string; tab: AppTab }
  | { view: 'drift'; namespace: string; name: string; object: ObjectAddress }
  | { view: 'not-found'; path: string };

const listOf = (search: URLSearchParams, name: string): string[] =>
  search.getAll(name).flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function parseRoute(pathname: string, searchText: string): Route {
  const search = new URLSearchParams(searchText);
  const parts = pathname.split('/').filter(Boolean).map(decode);
  if (parts.some((part) => part === undefined)) return { view: 'not-found', path: pathname };
  const [first, namespace, name, tab, ...rest] = parts as string[];
  if (first === undefined) {
    const filters: ListFilters = { sync: listOf(search, 'sync'), health: listOf(search, 'health') };
    const ns = search.get('namespace');
    const q = search.get('q');
    if (ns) filters.namespace = ns;
    if (q) filters.q = q;
    return { view: 'list', filters };
  }
  if (first !== 'applications' || namespace === undefined || name === undefined || rest.length > 0) return { view: 'not-found', path: pathname };
  if (tab === undefined) return { view: 'app', namespace, name, tab: 'resources' };
  if (tab === 'history' || tab === 'notifications') return { view: 'app', namespace, name, tab };
  if (tab === 'drift') {
    const object: ObjectAddress = {
      group: search.get('group') ?? '', version: search.get('version') ?? '', kind: search.get('kind') ?? '',
      namespace: search.get('namespace') ?? '', name: search.get('name') ?? '',
    };
    if (!object.kind || !object.name || !object.version) return { view: 'not-found', path: pathname };
    return { view: 'drift', namespace, name, object };
  }
  return { view: 'not-found', path: pathname };
}

export function listHref(filters: ListFilters): string {
  const search = new URLSearchParams();
  if (filters.namespace) search.set('namespace', filters.namespace);
  if (filters.sync.length) search.set('sync', filters.sync.join(','));
  if (filters.health.length) search.set('health', filters.health.join(','));
  if (filters.q) search.set('q', filters.q);
  const text = search.toString();
  return text ? `/?${text}` : '/';
}

export function appHref(namespace: string, name: string, tab: AppTab = 'resources'): string {
  const base = `/applications/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
  return tab === 'resources' ? base : `${base}/${tab}`;
}

export function driftHref(namespace: string, name: string, object: ObjectAddress): string {
  const search = new URLSearchParams({ group: object.group, version: object.version, kind: object.kind, namespace: object.namespace, name: object.name });
  return `${appHref(namespace, name)}/drift?${search.toString()}`;
}

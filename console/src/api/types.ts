/**
 * The shapes the console reads, as src/server/console/CONTRACT.md defines them.
 * Every string in them came from a repository, an Application or the cluster:
 * the views only ever put them into text nodes and attributes through Preact,
 * never into HTML, and only `url` fields the server built become links.
 */

export type Role = 'admin' | 'read';

export interface Session {
  role: Role;
  via: 'cookie' | 'bearer' | 'public';
  csrfToken?: string;
  expiresAt?: string;
  publicRead: boolean;
}

export const syncStates = ['Synced', 'OutOfSync', 'Unknown'] as const;
export type SyncState = (typeof syncStates)[number];
export const healthStates = ['Healthy', 'Progressing', 'Suspended', 'Degraded', 'Missing', 'Unknown'] as const;
export type HealthState = (typeof healthStates)[number];
export type ObjectSync = 'Synced' | 'OutOfSync' | 'Missing' | 'Extraneous';

export interface Commit {
  sha: string;
  short: string;
  subject?: string;
  author?: string;
  url?: string;
}

export interface RollbackMarker {
  from: string;
  to: string;
  at?: string;
  message?: string;
}

export interface ApplicationRow {
  key: string;
  namespace: string;
  name: string;
  valid: boolean;
  sync: SyncState;
  health: HealthState;
  healthMessage?: string;
  revision: Commit | null;
  lastSyncAt: string | null;
  release: string | null;
  rollback: RollbackMarker | null;
  updatedAt: string | null;
}

export interface ApplicationPage {
  items: ApplicationRow[];
  nextCursor: string | null;
  counts: {
    total: number;
    matching: number;
    sync: Partial<Record<SyncState, number>>;
    health: Partial<Record<HealthState, number>>;
    namespaces: Record<string, number>;
  };
}

export interface Health {
  status: string;
  message?: string;
}

export interface TreeNode {
  id: string;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  managed: boolean;
  sync: ObjectSync | null;
  health: Health | null;
  children: TreeNode[];
}

export interface KindGroup {
  group: string;
  kind: string;
  nodes: TreeNode[];
}

export interface Tree {
  total: number;
  truncated: boolean;
  live: 'ok' | 'unavailable';
  liveMessage?: string;
  namespaces: { name: string; node: TreeNode | null; workloads: TreeNode[]; groups: KindGroup[] }[];
  clusterScoped: KindGroup[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export type Initiator = 'poll' | 'webhook' | 'manual' | 'rollback';

export interface HistoryItem {
  id: number;
  revision: string;
  short: string;
  subject?: string;
  author?: string;
  url?: string;
  initiator: Initiator;
  phase: 'Running' | 'Succeeded' | 'Failed';
  startedAt: string;
  finishedAt: string | null;
  changes: Record<string, number> | null;
  message: string;
  rollback: { from: string; to: string; why: string; heldBack: boolean } | null;
}

export interface OperationReport {
  kind: 'sync' | 'rollback' | 'refresh';
  dryRun: boolean;
  revision: string;
  phase: 'Succeeded' | 'Failed';
  message: string;
  summary?: Record<string, number>;
  changes?: string[];
  requestedBy?: string;
  finishedAt: string;
}

export interface ApplicationPageData {
  app: ApplicationRow;
  source: { repoURL: string; path: string; targetRevision: string; commit: Commit | null };
  destination: { namespace?: string; server?: string };
  automated: boolean;
  conditions: Condition[];
  problems?: { path: string; message: string }[];
  drift: {
    status: 'OutOfSync' | 'Synced' | 'Unknown';
    revision: string | null;
    checkedAt: string | null;
    counts: Record<ObjectSync, number>;
    truncated: boolean;
  };
  tree: Tree;
  history: HistoryItem[];
  lastOperation: OperationReport | null;
}

export interface ObjectRef {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface ObjectDrift {
  ref: ObjectRef;
  status: ObjectSync;
  mode: string | null;
  revision: string | null;
  checkedAt: string;
  diff: string;
  patch?: { op: string; path: string; value?: unknown; from?: string }[];
  truncated: boolean;
  health: Health | null;
}

export type Verdict = 'drift' | 'ignored-by-rule' | 'ignored-manager' | 'owned-by-other-manager' | 'normalized' | 'equal' | 'absent';

export interface Explanation {
  pointer: string;
  verdict: Verdict;
  message: string;
  rule: { index: number; group?: string; kind?: string; jsonPointers?: string[] } | null;
  managers: { manager: string; operation: string }[];
}

export interface AppEvent {
  key: string;
  changed: ('status' | 'drift' | 'operation')[];
  row?: ApplicationRow;
}

/** One delivery of a notification (GET .../applications/<name>/notifications; src/notify/delivery-log.ts). */
export interface NotificationDelivery {
  id: string;
  /** The event: Synced, Healthy, RolledBack, ... */
  type: string;
  revision: string;
  /** `<namespace>/<name>` of the NotificationProvider; never its address. */
  provider: string;
  providerType: string;
  result: 'delivered' | 'retry' | 'dropped' | 'skipped' | 'rateLimited';
  attempt: number;
  status?: number;
  reason?: string;
  at: string;
  latencyMs?: number;
}

export interface NotificationDeliveries {
  application: string;
  deliveries: NotificationDelivery[];
}

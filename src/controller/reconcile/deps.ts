/** What a reconcile is handed: the real clients, the stores, and the policy (wired in src/controller/controller.ts). */
import type { Logger } from '../../log.ts';
import type { KubeClusterClient } from '../../kube/cluster-client.ts';
import type { Renderer } from '../../render/render.ts';
import type { GitSource } from '../../source/git-source.ts';
import type { ChartSources } from '../../source/helm-source.ts';
import type { CredentialTable } from '../../source/helm-credentials.ts';
import type { GitCredentials } from '../../source/repository.ts';
import type { TrustedKeys } from '../../source/verify-commit.ts';
import type { NamespacePolicy, SecurityPolicy } from '../../policy/policy.ts';
import type { AppRegistry, RegisteredApp } from '../../application/app-registry.ts';
import type { DriftMemo } from '../drift-memo.ts';
import type { ReleaseStore } from '../release-store.ts';
import type { StatusSink } from '../status-sink.ts';
import type { CelHealthRule } from '../../../health/index.ts';
import type { EventSink } from '../../notify/event-sink.ts';

/**
 * The destination of one Application for one reconcile (src/clusters): the
 * cluster client to work through (released when the reconcile ends), a wait
 * (its cluster is not answering, or has its share of workers), or a refusal.
 */
export type AppDestination =
  | { kind: 'ready'; cluster: string; client: KubeClusterClient; release(): void; unavailable(): boolean }
  | { kind: 'wait'; cluster: string; message: string | undefined }
  | { kind: 'refused'; cluster: string; message: string };

export interface ReconcilerDeps {
  registry: AppRegistry;
  git: GitSource;
  /** Helm repository and OCI sources (helm-source.ts); without it such Applications fail as unsupported. */
  charts?: ChartSources;
  /** The credential table of a chart or OCI source (its credentialsSecret, read as the Application). */
  chartCredentials?(app: Extract<RegisteredApp, { valid: true }>): Promise<CredentialTable>;
  renderer: Renderer;
  cluster: KubeClusterClient;
  releases: ReleaseStore;
  status: StatusSink;
  /** Credentials of an Application's repository (its credentialsSecret, else the controller's). */
  credentials(app: Extract<RegisteredApp, { valid: true }>): Promise<GitCredentials | undefined>;
  /** The keys of an Application's source.verify Secret, read as the Application (verify-keys.ts); asked only when verify is set. */
  verifyKeys?(app: Extract<RegisteredApp, { valid: true }>): Promise<TrustedKeys>;
  log: Logger;
  now?: () => Date;
  /** The controller-wide security policy (allowed repositories, destinations, cluster-scoped kinds). */
  policy?: SecurityPolicy;
  /** The policy of an Application's namespace (its berth-policy ConfigMap), which narrows `policy`. */
  namespacePolicy?(namespace: string): Promise<NamespacePolicy | undefined>;
  /**
   * The cluster client one Application syncs, prunes and reads through: one that
   * impersonates its ServiceAccount, so RBAC decides what it may do. Default: `cluster`.
   */
  clusterFor?(app: Extract<RegisteredApp, { valid: true }>): KubeClusterClient;
  /** Where an Application deploys (issue 19: many clusters); it wins over clusterFor. Absent: `cluster` for all. */
  destination?(app: Extract<RegisteredApp, { valid: true }>): Promise<AppDestination>;
  /** Whether the destination cluster of this reconcile stopped answering (sync/release.ts counts no attempt then). */
  destinationUnavailable?(): boolean;
  /** When a poll tick may reuse the last drift check (drift-memo.ts); one per process by default. */
  driftMemo?: DriftMemo;
  /** The cluster's HealthRules (src/health-rules/health-rule-watch.ts); none when absent. */
  clusterHealthRules?(): readonly CelHealthRule[];
  /** Queue the Applications whose spec.dependsOn names `key`: its release moved (a new revision, a health change). */
  enqueueDependants?(key: string): Promise<void>;
  /** Where release transitions and drift moves become notifications (src/notify); none when absent. */
  events?: EventSink;
}

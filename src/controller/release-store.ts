/**
 * Where an Application's release record lives between jobs: a ConfigMap
 * `berth-release-<uid>` in the controller's own namespace (--controller-namespace),
 * where tenants have no rights. Kubernetes rather than Redis, because the record
 * holds the prune inventory: losing it would leave objects nobody prunes, and a
 * Redis without persistence may lose everything. Written with server-side apply
 * by the controller's own field manager.
 *
 * Promises:
 * - a record is named by the Application's UID (an Application deleted and
 *   created again under its name starts afresh), or, for one read from a file,
 *   by a hash of `namespace/name`; it carries its owner, and one whose owner is
 *   not the Application being loaded is refused like any invalid one;
 * - a record that cannot be read (not JSON, another version, a field of the wrong
 *   type, another owner) throws `InvalidReleaseRecordError`, which is never
 *   retried: the reconciler stops the Application (Stalled) and prunes nothing;
 * - the old location (`berth-release-<name>` beside the Application, which its
 *   tenant could write) is read once, only while no record exists here, and only
 *   what cannot widen what Berth deletes is taken from it: history, the failed
 *   revision, and inventory entries whose live object carries the Application's
 *   `berth.dev/app` mark. The result is written here at once and the old
 *   ConfigMap deleted, so it is never read again.
 */
import { createHash } from 'node:crypto';
import {
  UnrecoverableSyncError, initialReleaseRecord, inventoryOf, parseLegacyReleaseRecord, parseReleaseRecord, serializeReleaseRecord,
  type ClusterClient, type ReleaseOwner, type ReleaseRecord,
} from '../../sync/index.ts';
import { annotations, type ObjectRef } from '../../objects.ts';
import { KubeApiError, type RestClient } from '../kube/rest.ts';

export type { ReleaseOwner } from '../../sync/index.ts';

const dataKey = 'release.json';
const fieldManager = 'berth-controller';
const prefix = 'berth-release-';

export const releaseRecordLabels = { 'app.kubernetes.io/managed-by': 'berth', 'berth.dev/release-record': 'true' } as const;
export const releaseRecordAnnotations = {
  namespace: 'berth.dev/application-namespace',
  name: 'berth.dev/application-name',
} as const;

export interface ReleaseStore {
  load(app: ReleaseOwner): Promise<ReleaseRecord>;
  save(app: ReleaseOwner, record: ReleaseRecord): Promise<void>;
}

export interface ReleaseStoreOptions {
  /** The controller's namespace (--controller-namespace), where records live. */
  namespace: string;
  /** Reads live objects to check the mark of an old record's inventory entries; without it none is taken. */
  live?: Pick<ClusterClient, 'get'>;
  log?: { warn(fields: Record<string, unknown>, message: string): void; info(fields: Record<string, unknown>, message: string): void };
}

/** A record the store refuses to read; never retried (retrying reads the same record). */
export class InvalidReleaseRecordError extends UnrecoverableSyncError {
  /** `<namespace>/<name>` of the ConfigMap. */
  readonly configMap: string;
  constructor(configMap: string, problem: string, options: { cause?: unknown } = {}) {
    super('InvalidManifests', [`ConfigMap ${configMap}: release record invalid: ${problem}`], options);
    this.name = 'InvalidReleaseRecordError';
    this.configMap = configMap;
  }
}

// UIDs are lower-case UUIDs; anything else would not make a ConfigMap name.
const uidPattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `berth-release-<uid>`, or `berth-release-file-<hash>` for an Application read from a file. */
export function releaseRecordName(app: ReleaseOwner): string {
  if (app.uid === undefined || app.uid === '') {
    return `${prefix}file-${createHash('sha256').update(`${app.namespace}/${app.name}`).digest('hex').slice(0, 40)}`;
  }
  if (!uidPattern.test(app.uid)) throw new Error(`Application ${app.namespace}/${app.name}: uid ${JSON.stringify(app.uid)} cannot name a release record`);
  return `${prefix}${app.uid}`;
}

/** The ConfigMap of the old location, in the Application's own namespace. */
export function legacyReleaseConfigMapName(app: ReleaseOwner): string {
  return `${prefix}${app.name}`.slice(0, 253);
}

function configMapPath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`;
}

/** The API path of `app`'s record in the controller namespace `namespace`. */
export function releaseRecordPath(namespace: string, app: ReleaseOwner): string {
  return configMapPath(namespace, releaseRecordName(app));
}

const isStatus = (error: unknown, ...codes: number[]): boolean => error instanceof KubeApiError && codes.includes(error.status);
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function getConfigMap(rest: RestClient, apiPath: string): Promise<{ data?: Record<string, string> } | undefined> {
  try {
    return (await rest.request('GET', apiPath)).body as { data?: Record<string, string> };
  } catch (error) {
    if (isStatus(error, 404)) return undefined;
    throw error;
  }
}

export function createReleaseStore(rest: RestClient, options: ReleaseStoreOptions): ReleaseStore {
  const { namespace } = options;
  // The text last read or written per Application: a record that comes back
  // unchanged from a reconcile (a poll that found nothing new) is not written
  // again, so a steady state costs the API server no writes.
  const known = new Map<string, string>();

  async function write(app: ReleaseOwner, text: string): Promise<void> {
    const name = releaseRecordName(app);
    const body = {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: {
        name, namespace, labels: releaseRecordLabels,
        annotations: { [releaseRecordAnnotations.namespace]: app.namespace, [releaseRecordAnnotations.name]: app.name },
      },
      data: { [dataKey]: text },
    };
    const apply = () => rest.request('PATCH', configMapPath(namespace, name), {
      query: { fieldManager, force: 'true' }, contentType: 'application/apply-patch+yaml', body,
    });
    try {
      await apply();
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
      // The controller namespace is missing (a controller run outside its chart): create it once, then write.
      try {
        await rest.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
      } catch (created) {
        if (!isStatus(created, 409)) {
          throw new Error(`ConfigMap ${namespace}/${name}: namespace ${namespace} (--controller-namespace) does not exist and cannot be created: ${messageOf(created)}`, { cause: created });
        }
      }
      await apply();
    }
  }

  /** The record of the old location, reduced to what cannot widen a prune; undefined when there is none to take. */
  async function migrate(app: ReleaseOwner): Promise<ReleaseRecord | undefined> {
    const legacyPath = configMapPath(app.namespace, legacyReleaseConfigMapName(app));
    let text: string | undefined;
    try {
      text = (await getConfigMap(rest, legacyPath))?.data?.[dataKey];
    } catch (error) {
      options.log?.warn({ app: `${app.namespace}/${app.name}`, err: messageOf(error) }, 'old release record not read; starting afresh');
      return undefined;
    }
    if (text === undefined) return undefined;
    const legacy = parseLegacyReleaseRecord(text);
    const mark = `${app.namespace}/${app.name}`;
    const kept: ObjectRef[] = [];
    for (const ref of legacy?.inventory ?? []) {
      const live = await options.live?.get(ref).catch(() => undefined);
      if (live?.metadata.annotations?.[annotations.app] === mark) kept.push(ref);
    }
    const initial = initialReleaseRecord(inventoryOf(kept));
    const record: ReleaseRecord = {
      ...initial,
      state: { ...initial.state, failedRevision: legacy?.failedRevision },
      history: legacy?.history ?? [],
    };
    options.log?.info({
      app: mark, from: `${app.namespace}/${legacyReleaseConfigMapName(app)}`, to: `${namespace}/${releaseRecordName(app)}`,
      readable: legacy !== undefined, inventory: `${kept.length} of ${legacy?.inventory.length ?? 0} entries carry the mark`,
    }, 'release record moved to the controller namespace');
    return record;
  }

  async function save(app: ReleaseOwner, record: ReleaseRecord): Promise<void> {
    const name = releaseRecordName(app);
    const text = serializeReleaseRecord(record, app);
    if (known.get(name) === text) return;
    await write(app, text);
    known.set(name, text);
  }

  return {
    async load(app) {
      const name = releaseRecordName(app);
      const body = await getConfigMap(rest, configMapPath(namespace, name));
      if (body !== undefined) {
        const text = body.data?.[dataKey];
        if (text === undefined) throw new InvalidReleaseRecordError(`${namespace}/${name}`, `no ${dataKey}`);
        const parsed = parseReleaseRecord(text, app);
        if (!parsed.ok) throw new InvalidReleaseRecordError(`${namespace}/${name}`, parsed.problem);
        known.set(name, text);
        return parsed.record;
      }
      const migrated = await migrate(app);
      if (migrated === undefined) return initialReleaseRecord();
      // Written here before the old one goes, so that a crash in between reads the new one next time.
      await save(app, migrated);
      await rest.request('DELETE', configMapPath(app.namespace, legacyReleaseConfigMapName(app))).catch((error: unknown) => {
        if (!isStatus(error, 404)) options.log?.warn({ app: `${app.namespace}/${app.name}`, err: messageOf(error) }, 'old release record not deleted; it is not read again');
      });
      return migrated;
    },
    save,
  };
}

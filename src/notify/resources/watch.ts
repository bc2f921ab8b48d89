/**
 * NotificationProviders and NotificationRules as the controller knows them:
 * one list/watch per kind and namespace scope on the shared engine
 * (src/kube/list-watch.ts: resume, backoff, relist on 410), each object parsed
 * by its zod schema when it arrives. An invalid one is logged (naming the
 * object and the field) and ignored, never half-used. Without the CRDs
 * installed there is nothing to send to; the watch keeps retrying, so
 * installing them later starts notifications without a restart.
 */
import type { KubeObject } from '../../../objects.ts';
import { createListWatchTransport, startListWatch, type ListWatch } from '../../kube/list-watch.ts';
import type { RestClient } from '../../kube/rest.ts';
import type { KnownRule } from './match.ts';
import {
  notificationPath, notificationProviderPlural, notificationProviderSpecSchema, notificationRulePlural, notificationRuleSpecSchema,
  type NotificationProviderSpec,
} from './schema.ts';

export interface KnownProvider {
  namespace: string;
  name: string;
  spec: NotificationProviderSpec;
}

export interface NotificationResources {
  start(): Promise<void>;
  stop(): void;
  rules(): KnownRule[];
  provider(namespace: string, name: string): KnownProvider | undefined;
}

export interface NotificationResourcesOptions {
  rest: RestClient;
  /** Namespaces watched (the controller's is added); empty: all. */
  namespaces: readonly string[];
  controllerNamespace: string;
  log: { warn(fields: object, message: string): void };
}

function problemOf(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues.slice(0, 3).map((issue) => `spec.${issue.path.map(String).join('.')}: ${issue.message}`).join('; ');
}

export function watchNotificationResources(options: NotificationResourcesOptions): NotificationResources {
  const transport = createListWatchTransport(options.rest);
  const scopes = options.namespaces.length === 0 ? [''] : [...new Set([...options.namespaces, options.controllerNamespace])];
  const warned = new Set<string>();
  const parse = <S>(kind: string, schema: { safeParse(value: unknown): { success: true; data: S } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } } }) =>
    (object: KubeObject): { namespace: string; name: string; spec: S } | undefined => {
      const namespace = object.metadata.namespace ?? '';
      const name = object.metadata.name ?? '';
      const parsed = schema.safeParse((object as { spec?: unknown }).spec);
      if (parsed.success) return { namespace, name, spec: parsed.data };
      const key = `${kind}/${namespace}/${name}@${object.metadata.resourceVersion ?? ''}`;
      if (!warned.has(key)) {
        warned.add(key);
        options.log.warn({ object: `${kind}/${namespace}/${name}` }, `${kind} ${namespace}/${name} is invalid and ignored: ${problemOf(parsed.error)}`);
      }
      return undefined;
    };
  const onError = (what: string) => (error: unknown): void => {
    options.log.warn({ watch: what, err: error instanceof Error ? error.message : String(error) }, `${what} watch interrupted; retrying`);
  };
  const providers: ListWatch<KnownProvider>[] = scopes.map((namespace) => startListWatch<KnownProvider>({
    transport, path: notificationPath(notificationProviderPlural, namespace || undefined),
    remember: parse('NotificationProvider', notificationProviderSpecSchema), onEvent: () => undefined, onError: onError('NotificationProvider'),
  }));
  const rules: ListWatch<KnownRule>[] = scopes.map((namespace) => startListWatch<KnownRule>({
    transport, path: notificationPath(notificationRulePlural, namespace || undefined),
    remember: parse('NotificationRule', notificationRuleSpecSchema), onEvent: () => undefined, onError: onError('NotificationRule'),
  }));
  const all = [...providers, ...rules];
  return {
    async start() {
      // A missing CRD must not stop the controller: the engine keeps retrying by itself.
      await Promise.all(all.map((watch) => watch.start().catch(onError('notification resources'))));
    },
    stop() {
      for (const watch of all) watch.stop();
    },
    rules: () => rules.flatMap((watch) => watch.values()),
    provider(namespace, name) {
      for (const watch of providers) {
        const found = watch.get(namespace, name);
        if (found) return found;
      }
      return undefined;
    },
  };
}

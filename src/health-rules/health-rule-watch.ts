/**
 * The cluster's HealthRules as the controller knows them: one list/watch on the
 * shared engine (src/kube/list-watch.ts: resume, backoff, relist on 410), each
 * object parsed by its zod schema as it arrives. An invalid one is logged
 * (naming the object and the field) and ignored, never half-used. Without the
 * CRD installed there are no cluster rules; the watch keeps retrying, so
 * installing it later takes effect without a restart.
 *
 * `rules()` orders the rules by HealthRule name, so when two name one kind the
 * result does not depend on the order the watch delivered them: the later name wins.
 */
import type { CelHealthRule } from '../../health/index.ts';
import type { KubeObject } from '../../objects.ts';
import { createListWatchTransport, startListWatch, type ListWatch, type ListWatchTransport } from '../kube/list-watch.ts';
import type { RestClient } from '../kube/rest.ts';
import { healthRulesPath, healthRuleSpecSchema } from './health-rule-schema.ts';
import { clusterHealthRules } from './to-rules.ts';

export interface ClusterHealthRules {
  start(): Promise<void>;
  stop(): void;
  /** Every valid HealthRule's rules, by HealthRule name. */
  rules(): readonly CelHealthRule[];
}

export interface ClusterHealthRulesOptions {
  rest?: RestClient;
  /** For tests; default: the REST client's. */
  transport?: ListWatchTransport;
  log: { warn(fields: object, message: string): void };
  /** Called when the rules changed (a HealthRule added, changed or deleted after the first list). */
  onChange?(): void;
}

interface Known {
  name: string;
  rules: CelHealthRule[];
}

export function watchClusterHealthRules(options: ClusterHealthRulesOptions): ClusterHealthRules {
  const transport = options.transport ?? (options.rest ? createListWatchTransport(options.rest) : undefined);
  if (!transport) throw new Error('watchClusterHealthRules: a REST client or a transport is needed');
  const warned = new Set<string>();
  let sorted: readonly CelHealthRule[] | undefined;
  const remember = (object: KubeObject): Known | undefined => {
    const name = object.metadata.name ?? '';
    const parsed = healthRuleSpecSchema.safeParse((object as { spec?: unknown }).spec);
    if (parsed.success) return { name, rules: clusterHealthRules(name, parsed.data.rules) };
    const key = `${name}@${object.metadata.resourceVersion ?? ''}`;
    if (!warned.has(key)) {
      warned.add(key);
      const problems = parsed.error.issues.slice(0, 3).map((issue) => `spec.${issue.path.map(String).join('.')}: ${issue.message}`).join('; ');
      options.log.warn({ object: `HealthRule/${name}` }, `HealthRule ${name} is invalid and ignored: ${problems}`);
    }
    return undefined;
  };
  const watch: ListWatch<Known> = startListWatch<Known>({
    transport, path: healthRulesPath, remember,
    onEvent: (event) => {
      sorted = undefined;
      if (!event.initial) options.onChange?.();
    },
    onError: (error) => {
      options.log.warn({ watch: 'HealthRule', err: error instanceof Error ? error.message : String(error) }, 'HealthRule watch interrupted; retrying');
    },
  });
  return {
    async start() {
      // A missing CRD must not stop the controller: the engine keeps retrying by itself.
      await watch.start().catch((error: unknown) => {
        options.log.warn({ watch: 'HealthRule', err: error instanceof Error ? error.message : String(error) }, 'HealthRules not listed; retrying');
      });
    },
    stop() {
      watch.stop();
    },
    rules() {
      sorted ??= watch.values().sort((a, b) => a.name.localeCompare(b.name)).flatMap((known) => known.rules);
      return sorted;
    },
  };
}

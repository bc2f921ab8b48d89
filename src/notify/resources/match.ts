/**
 * Which providers an event of an Application goes to: a pure function of the
 * NotificationRules known now. A rule picks Applications of its own namespace
 * (or of every namespace when it lives in the controller's), and always names
 * providers of its own namespace: the tenant boundary is the namespace, and no
 * field of a rule can cross it.
 */
import type { NotificationEventType, NotificationSeverity } from '../providers/event.ts';
import { isAtLeast } from '../transitions.ts';
import type { NotificationRuleSpec } from './schema.ts';

export interface KnownRule {
  namespace: string;
  name: string;
  spec: NotificationRuleSpec;
}

export interface MatchedApplication {
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
}

export interface ProviderRef {
  namespace: string;
  name: string;
}

export function ruleSelects(rule: KnownRule, app: MatchedApplication, event: { type: NotificationEventType; severity: NotificationSeverity }, controllerNamespace: string): boolean {
  const { spec } = rule;
  if (spec.suspend === true) return false;
  if (rule.namespace !== app.namespace && rule.namespace !== controllerNamespace) return false;
  const selector = spec.applications;
  if (selector?.names && !selector.names.includes(app.name)) return false;
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (app.labels[key] !== value) return false;
  }
  if (spec.events && !spec.events.includes(event.type)) return false;
  return isAtLeast(event.severity, spec.severity ?? 'info');
}

/** The providers (each once) the rules send this event to. */
export function providersFor(rules: readonly KnownRule[], app: MatchedApplication, event: { type: NotificationEventType; severity: NotificationSeverity }, controllerNamespace: string): ProviderRef[] {
  const found = new Map<string, ProviderRef>();
  for (const rule of rules) {
    if (!ruleSelects(rule, app, event, controllerNamespace)) continue;
    for (const { name } of rule.spec.providerRefs) found.set(`${rule.namespace}/${name}`, { namespace: rule.namespace, name });
  }
  return [...found.values()].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

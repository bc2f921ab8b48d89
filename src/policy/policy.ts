/**
 * The controller-wide security policy and the shape of its decisions. A policy
 * only ever narrows what Applications may do: which repositories they read,
 * which namespaces they write to, whether they may touch cluster-scoped kinds,
 * and which networks Berth's Git client may reach. Every refusal names the rule
 * (the flag that set it) so the person reading a Stalled condition knows what to
 * change, and the allowed values, so they know what would have been accepted.
 */
import path from 'node:path';
import { BerthError } from '../../sync/errors.ts';

export interface SecurityPolicy {
  /** Glob patterns of repository URLs; empty means any. */
  allowedRepos: readonly string[];
  /** Glob patterns of destination namespaces; empty means any. */
  allowedDestinations: readonly string[];
  allowClusterScoped: boolean;
  allowHttpRepos: boolean;
  /** Loopback and private (RFC 1918, RFC 4193, CGNAT) addresses. */
  allowPrivateRepos: boolean;
  /** Link-local addresses and cloud metadata endpoints. */
  allowLinkLocalRepos: boolean;
}

/** What Argo CD and Flux do out of the box, minus metadata endpoints and plain http. */
export const defaultSecurityPolicy: SecurityPolicy = {
  allowedRepos: [],
  allowedDestinations: [],
  allowClusterScoped: true,
  allowHttpRepos: false,
  allowPrivateRepos: true,
  allowLinkLocalRepos: false,
};

/** The flag behind each rule: refusals name it. */
export const policyRules = {
  allowedRepos: '--allowed-repos',
  allowedDestinations: '--allowed-destinations',
  allowClusterScoped: '--allow-cluster-scoped',
  allowHttpRepos: '--allow-http-repos',
  allowPrivateRepos: '--allow-private-repos',
  allowLinkLocalRepos: '--allow-link-local-repos',
  scheme: 'https-only',
  /** Objects that are Berth's own state or policy (berth-state.ts). */
  berthState: 'berth-state',
} as const;
export type PolicyRule = (typeof policyRules)[keyof typeof policyRules];

/**
 * What one BerthPolicy (a cluster-scoped object tenants cannot write) asks of
 * the Applications in the namespaces it names. It can only narrow: a value must
 * match the controller's patterns and those of every matching BerthPolicy.
 */
export interface NamespaceRules {
  /** `BerthPolicy <name>`: refusals name it, with the field. */
  source: string;
  /** Empty: no narrowing. */
  allowedRepos: readonly string[];
  allowedDestinations: readonly string[];
  /** false forbids cluster-scoped kinds even where the controller allows them. */
  allowClusterScoped: boolean;
  /** `group/Kind` globs (core group `core`); empty: no narrowing. */
  allowedKinds: readonly string[];
  deniedKinds: readonly string[];
  /** Globs of other namespaces whose Applications spec.dependsOn may name; absent or empty: only the Application's own. */
  dependsOnNamespaces?: readonly string[];
  /** Globs of destination cluster names (`in-cluster` is Berth's own); empty: no narrowing. */
  allowedClusters: readonly string[];
}

/**
 * Everything that narrows the controller's policy for the Applications of one
 * namespace: the BerthPolicies naming it, and where Berth keeps its own state.
 */
export interface NamespacePolicy {
  /** The Applications' namespace. */
  namespace: string;
  /** The controller's namespace (--controller-namespace): tenants elsewhere may not write there. */
  controllerNamespace: string;
  /** Every BerthPolicy whose spec.namespaces matches `namespace`; each narrows. */
  rules: readonly NamespaceRules[];
}

/** `rule` is a flag (PolicyRule), a BerthPolicy's field (`BerthPolicy team-a allowedRepos`) or `berth-state`. */
export type PolicyDecision =
  | { allowed: true }
  | { allowed: false; rule: string; message: string };

export const allowed: PolicyDecision = { allowed: true };

export function refused(rule: string, message: string): PolicyDecision {
  return { allowed: false, rule, message };
}

/** Thrown where a refusal must stop work; `rule` is the flag to change. */
/** A refusal by policy: the same Application asks the same thing again, so a retry cannot help. */
export class PolicyError extends BerthError {
  override readonly name = 'PolicyError';
  readonly retryable = false;
  readonly rule: string;
  constructor(rule: string, message: string) {
    super(message);
    this.rule = rule;
  }
}

/**
 * Whether `value` matches a glob pattern: `*` is any run of characters except
 * `/`, `**` any run including `/`, `?` one character; everything else is literal
 * and the whole value must match. `https://github.com/acme/*` admits
 * `https://github.com/acme/deploy.git` but not `https://github.com/acme/x/y.git`
 * nor `https://github.com/acme-evil/...`.
 */
export function matchesGlob(pattern: string, value: string): boolean {
  return path.posix.matchesGlob(value, pattern);
}

export function matchesAny(patterns: readonly string[], value: string): boolean {
  return patterns.length === 0 || patterns.some((pattern) => matchesGlob(pattern, value));
}

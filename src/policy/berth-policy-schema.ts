/**
 * The spec of a BerthPolicy (`berth.dev/v1alpha1`, cluster-scoped): which
 * Application namespaces it governs and how it narrows the controller-wide
 * policy for them. charts/berth/crds/berthpolicies.berth.dev.yaml mirrors it
 * field for field (its example is parsed by this schema in the unit test).
 * Defaults are the values that narrow nothing, so an omitted field never widens.
 */
import { z } from 'zod';

export const berthPolicyKind = 'BerthPolicy';
export const berthPolicyPlural = 'berthpolicies';
/** The collection path of BerthPolicies (cluster-scoped). */
export const berthPoliciesPath = '/apis/berth.dev/v1alpha1/berthpolicies';

/** A namespace glob: DNS-label characters plus `*` and `?`. */
export const namespaceGlobPattern = '^[a-z0-9*?-]+$';
/** A `group/Kind` glob; the core group is written `core` (a CRD group always has a dot). */
export const kindGlobPattern = '^[a-z0-9.*?-]+/[A-Za-z0-9*?]+$';

const namespaceGlob = z.string().min(1).max(63)
  .regex(new RegExp(namespaceGlobPattern), { message: 'must be a namespace glob: lower-case letters, digits, -, * and ?' });
const kindGlob = z.string().min(3)
  .regex(new RegExp(kindGlobPattern), { message: 'must be a group/Kind glob such as apps/Deployment, core/* or *.example.com/*' });

/** A BerthPolicy as a cluster admin writes one; the CRD carries it as its example. */
export const berthPolicyExample = {
  namespaces: ['team-a', 'team-a-*'],
  allowedRepos: ['https://github.com/team-a/*'],
  allowedDestinations: ['team-a-*'],
  allowClusterScoped: false,
  allowedKinds: ['core/*', 'apps/*', 'networking.k8s.io/Ingress'],
  deniedKinds: ['core/Secret'],
};

export const berthPolicySpecSchema = z.strictObject({
  namespaces: z.array(namespaceGlob).min(1, { message: 'must name at least one namespace glob' })
    .describe('Globs of the Application namespaces this policy applies to (`*` any run of characters, `?` one).'),
  allowedRepos: z.array(z.string().min(1)).default([])
    .describe('Globs of repository URLs (`*` within a path segment, `**` across); empty: no narrowing.'),
  allowedDestinations: z.array(namespaceGlob).default([])
    .describe('Globs of the namespaces the Applications may write to; empty: no narrowing.'),
  allowClusterScoped: z.boolean().default(true)
    .describe('false forbids cluster-scoped kinds; true (the default) leaves the controller\'s rule as it is.'),
  allowedKinds: z.array(kindGlob).default([])
    .describe('Globs of `group/Kind` (the core group is `core`) the Applications may write; empty: no narrowing.'),
  deniedKinds: z.array(kindGlob).default([])
    .describe('Globs of `group/Kind` the Applications may never write; wins over allowedKinds.'),
  dependsOnNamespaces: z.array(namespaceGlob).default([])
    .describe('Globs of other namespaces whose Applications these may name in spec.dependsOn (an allowance: without one, only their own namespace).'),
  allowedClusters: z.array(z.string().min(1).max(253).regex(/^[a-z0-9.*?-]+$/, { message: 'must be a cluster name glob: lower-case letters, digits, ., -, * and ?' })).default([])
    .describe('Globs of the destination clusters (cluster Secret names; in-cluster is the cluster Berth runs in) the Applications may deploy to; empty: no narrowing.'),
}).meta({ example: berthPolicyExample });

export type BerthPolicySpec = z.output<typeof berthPolicySpecSchema>;

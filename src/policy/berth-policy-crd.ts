/**
 * The BerthPolicy CRD, made from berthPolicySpecSchema as the Application CRD is
 * made from its schemas: `npm run generate` writes it to charts/berth/crds/, and
 * a test fails when the committed file differs. Cluster-scoped, no status.
 */
import { dump } from 'js-yaml';
import { apiGroup } from '../application/schema.ts';
import { customResourceDefinition } from '../kube/crd.ts';
import { berthPolicyKind, berthPolicyPlural, berthPolicySpecSchema } from './berth-policy-schema.ts';

export const berthPolicyCrdFile = 'charts/berth/crds/berthpolicies.berth.dev.yaml';

const header = `# The BerthPolicy CRD of Berth, generated from src/policy/berth-policy-schema.ts by
# \`npm run generate\`: edit that, not this file. A BerthPolicy says what the
# Applications of the namespaces it names may do. Cluster-scoped on purpose (like
# Argo CD's AppProject, but out of every tenant's reach): a tenant who is admin of
# its namespace cannot write one, and Berth refuses to apply one from any
# repository. Every BerthPolicy matching an Application's namespace narrows the
# controller-wide policy; none can widen it; an invalid one fails closed.
`;

export function berthPolicyCrd(): object {
  return customResourceDefinition({
    group: apiGroup,
    version: 'v1alpha1',
    kind: berthPolicyKind,
    plural: berthPolicyPlural,
    singular: 'berthpolicy',
    scope: 'Cluster',
    shortNames: ['bpol'],
    categories: ['berth'],
    description: 'Narrows what the Applications of the matching namespaces may read and write.',
    labels: { 'app.kubernetes.io/name': 'berth', 'app.kubernetes.io/component': 'crd' },
    spec: berthPolicySpecSchema,
    printerColumns: [
      { name: 'Namespaces', type: 'string', jsonPath: '.spec.namespaces' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
}

export function berthPolicyCrdYaml(): string {
  return header + dump(berthPolicyCrd(), { lineWidth: 140, noRefs: true });
}

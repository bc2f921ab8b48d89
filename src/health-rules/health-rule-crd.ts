/**
 * The HealthRule CRD, made from healthRuleSpecSchema as the BerthPolicy CRD is:
 * `npm run generate` writes it to charts/berth/crds/, and a test fails when the
 * committed file differs. Cluster-scoped, no status.
 */
import { dump } from 'js-yaml';
import { apiGroup } from '../application/schema.ts';
import { customResourceDefinition } from '../kube/crd.ts';
import { healthRuleKind, healthRulePlural, healthRuleSpecSchema } from './health-rule-schema.ts';

export const healthRuleCrdFile = 'charts/berth/crds/healthrules.berth.dev.yaml';

const header = `# The HealthRule CRD of Berth, generated from src/health-rules/health-rule-schema.ts by
# \`npm run generate\`: edit that, not this file. A HealthRule teaches Berth the health
# of an operator's kinds (CEL over the live object) for every Application of the
# cluster. Cluster-scoped on purpose: a tenant cannot write one, so no tenant decides
# what counts as Healthy for another. Its rules override the built-in library; an
# Application's spec.healthChecks override them for that Application alone.
`;

export function healthRuleCrd(): object {
  return customResourceDefinition({
    group: apiGroup,
    version: 'v1alpha1',
    kind: healthRuleKind,
    plural: healthRulePlural,
    singular: 'healthrule',
    scope: 'Cluster',
    shortNames: ['bhr'],
    categories: ['berth'],
    description: 'CEL health rules for the kinds of the cluster\'s operators.',
    labels: { 'app.kubernetes.io/name': 'berth', 'app.kubernetes.io/component': 'crd' },
    spec: healthRuleSpecSchema,
    printerColumns: [
      { name: 'Kinds', type: 'string', jsonPath: '.spec.rules[*].kind' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
}

export function healthRuleCrdYaml(): string {
  return header + dump(healthRuleCrd(), { lineWidth: 140, noRefs: true });
}

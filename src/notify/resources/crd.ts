/**
 * The NotificationProvider and NotificationRule CRDs, made from their zod
 * schemas (schema.ts) as the Application CRD is made from its own:
 * `npm run generate` writes them to charts/berth/crds/, and a test fails when a
 * committed file differs. Namespaced, no status (deliveries are listed by the
 * API: GET /api/v1/applications/:namespace/:name/notifications).
 */
import { dump } from 'js-yaml';
import { apiGroup } from '../../application/schema.ts';
import { customResourceDefinition } from '../../kube/crd.ts';
import {
  notificationProviderKind, notificationProviderPlural, notificationProviderSpecSchema,
  notificationRuleKind, notificationRulePlural, notificationRuleSpecSchema,
} from './schema.ts';

export const notificationProviderCrdFile = 'charts/berth/crds/notificationproviders.berth.dev.yaml';
export const notificationRuleCrdFile = 'charts/berth/crds/notificationrules.berth.dev.yaml';

const header = (kind: string): string => `# The ${kind} CRD of Berth, generated from src/notify/resources/schema.ts by
# \`npm run generate\`: edit that, not this file. See README.md, "Notifications".
`;
const labels = { 'app.kubernetes.io/name': 'berth', 'app.kubernetes.io/component': 'crd' };

export function notificationProviderCrd(): object {
  return customResourceDefinition({
    group: apiGroup, version: 'v1alpha1', kind: notificationProviderKind, plural: notificationProviderPlural, singular: 'notificationprovider',
    scope: 'Namespaced', shortNames: ['bnp'], categories: ['berth'], labels,
    description: 'A receiver of Berth\'s notifications: a chat webhook, a signed CloudEvents webhook, or a Git host\'s commit status or comment.',
    spec: notificationProviderSpecSchema,
    printerColumns: [
      { name: 'Type', type: 'string', jsonPath: '.spec.type' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
}

export function notificationRuleCrd(): object {
  return customResourceDefinition({
    group: apiGroup, version: 'v1alpha1', kind: notificationRuleKind, plural: notificationRulePlural, singular: 'notificationrule',
    scope: 'Namespaced', shortNames: ['bnr'], categories: ['berth'], labels,
    description: 'Which Applications\' events (by type or severity) go to which NotificationProviders.',
    spec: notificationRuleSpecSchema,
    printerColumns: [
      { name: 'Events', type: 'string', jsonPath: '.spec.events' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
}

export function notificationProviderCrdYaml(): string {
  return header(notificationProviderKind) + dump(notificationProviderCrd(), { lineWidth: 140, noRefs: true });
}

export function notificationRuleCrdYaml(): string {
  return header(notificationRuleKind) + dump(notificationRuleCrd(), { lineWidth: 140, noRefs: true });
}

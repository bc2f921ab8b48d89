/**
 * The Application CRD, made from the zod schemas Berth validates with
 * (schema.ts, status-schema.ts): `npm run generate` writes it to
 * charts/berth/crds/, and a test fails when the committed file differs.
 */
import { dump } from 'js-yaml';
import { customResourceDefinition } from '../kube/crd.ts';
import { apiGroup, applicationKind, applicationPlural, applicationSpecSchema } from './schema.ts';
import { applicationStatusSchema } from './status-schema.ts';

export const applicationCrdFile = 'charts/berth/crds/applications.berth.dev.yaml';

const header = `# The Application CRD of Berth, generated from src/application/schema.ts and
# status-schema.ts by \`npm run generate\`: edit those, not this file. Helm installs
# the files of a chart's crds/ folder before anything else and never deletes them
# on uninstall (an uninstall must not take every Application with it). No
# defaults here: Berth resolves them in one place, so a stored object shows what
# its author wrote. Short name \`bapp\`: \`app\`/\`apps\` belong to Argo CD.
`;

export function applicationCrd(): object {
  return customResourceDefinition({
    group: apiGroup,
    version: 'v1alpha1',
    kind: applicationKind,
    plural: applicationPlural,
    singular: 'application',
    scope: 'Namespaced',
    shortNames: ['bapp'],
    categories: ['berth'],
    description: 'A Git source Berth renders, applies to a namespace, follows to health, and rolls back on failure.',
    labels: { 'app.kubernetes.io/name': 'berth', 'app.kubernetes.io/component': 'crd' },
    spec: applicationSpecSchema,
    status: applicationStatusSchema,
    printerColumns: [
      { name: 'Sync', type: 'string', jsonPath: '.status.sync.status' },
      { name: 'Health', type: 'string', jsonPath: '.status.health.status' },
      { name: 'Revision', type: 'string', jsonPath: '.status.sync.revision' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', priority: 1 },
      { name: 'Repository', type: 'string', jsonPath: '.spec.source.repoURL', priority: 1 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
}

/** The file's text: the header and the CRD as YAML. */
export function applicationCrdYaml(): string {
  return header + dump(applicationCrd(), { lineWidth: 140, noRefs: true });
}

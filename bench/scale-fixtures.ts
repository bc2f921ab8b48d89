/**
 * The workload of the controller scale benchmark, in the shape of Flux's
 * published one: per Application a folder with a Deployment scaled to 0, a
 * ServiceAccount, a Service and an Ingress, and an Applications file naming them.
 *
 * Two concessions to the local control plane: the Services are headless
 * (`clusterIP: None`) because its service CIDR (10.0.0.0/24) holds only ~250
 * ClusterIPs, and the Ingresses carry `berth.dev/health-ignore` because no
 * ingress controller runs there to write their address (health/networking.ts).
 */
import { dump } from 'js-yaml';

export interface ScaleLayout {
  apps: number;
  /** Destination namespaces; Applications are spread over them evenly. */
  namespaces: number;
  /** Where the Applications themselves (and so their release ConfigMaps) live. */
  appsNamespace: string;
}

export const appName = (index: number): string => `app-${String(index).padStart(4, '0')}`;

export function destinationOf(layout: ScaleLayout, index: number): string {
  const perNamespace = Math.ceil(layout.apps / layout.namespaces);
  return `bench-${String(Math.floor(index / perNamespace)).padStart(2, '0')}`;
}

export function destinationNamespaces(layout: ScaleLayout): string[] {
  return [...new Set(Array.from({ length: layout.apps }, (_, i) => destinationOf(layout, i)))];
}

/** The files of one Application's folder, by name. */
function appFiles(name: string): Record<string, string> {
  const labels = { app: name, 'app.kubernetes.io/part-of': 'berth-bench' };
  return {
    'deployment.yaml': dump({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            containers: [{
              name: 'web', image: 'registry.example.com/podinfo:6.7.0',
              ports: [{ name: 'http', containerPort: 9898 }],
              resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
            }],
          },
        },
      },
    }),
    'serviceaccount.yaml': dump({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, labels } }),
    'service.yaml': dump({
      apiVersion: 'v1', kind: 'Service', metadata: { name, labels },
      spec: { clusterIP: 'None', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    }),
    'ingress.yaml': dump({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { name, labels, annotations: { 'berth.dev/health-ignore': 'true' } },
      spec: {
        rules: [{
          host: `${name}.bench.example.com`,
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }] },
        }],
      },
    }),
  };
}

/** Every file of the repository: `apps/<name>/<file>`. */
export function repositoryFiles(layout: ScaleLayout): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < layout.apps; i++) {
    const name = appName(i);
    for (const [file, text] of Object.entries(appFiles(name))) files[`apps/${name}/${file}`] = text;
  }
  return files;
}

export interface ApplicationsFileOptions {
  repoURL: string;
  pollInterval: string;
}

/** One `kind: List` of every Application. */
export function applicationsFile(layout: ScaleLayout, options: ApplicationsFileOptions): string {
  const items = Array.from({ length: layout.apps }, (_, i) => ({
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application',
    metadata: { name: appName(i), namespace: layout.appsNamespace },
    spec: {
      source: { repoURL: options.repoURL, targetRevision: 'main', path: `apps/${appName(i)}` },
      destination: { namespace: destinationOf(layout, i) },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        pollInterval: options.pollInterval,
        rollback: { enabled: true, healthTimeout: '5m' },
      },
    },
  }));
  return dump({ apiVersion: 'v1', kind: 'List', items });
}

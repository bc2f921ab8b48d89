/**
 * Small Git-side manifests for the drift tests: a Deployment with the fields people
 * change by hand (replicas, image, an env var, a label), a Secret, a ConfigMap.
 */
import type { KubeObject } from '../../objects.ts';

export interface DeploymentSpec {
  replicas?: number;
  image?: string;
}

export function deployment(namespace: string, name: string, spec: DeploymentSpec = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name, team: 'shop' } },
    spec: {
      ...(spec.replicas === undefined ? {} : { replicas: spec.replicas }),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{
            name: 'web',
            image: spec.image ?? 'registry.example.com/web:1.0',
            env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'PORT', value: '8080' }],
            resources: { requests: { cpu: '100m', memory: '64Mi' } },
          }],
        },
      },
    },
  };
}

export function secret(namespace: string, name: string, stringData: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', stringData };
}

export function configMap(namespace: string, name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

export function hpa(namespace: string, name: string, minReplicas: number): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas,
      maxReplicas: minReplicas + 2,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    },
  };
}

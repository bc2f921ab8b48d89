/**
 * kwok's part of the harness: the Stage configuration it runs (its standard fast
 * stages, plus one that keeps marked pods Running but never Ready) and the fake
 * Nodes it manages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as yaml from 'js-yaml';
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { Layout } from './components.ts';

/** Pods whose template carries this annotation run but never become Ready. */
export const neverReadyAnnotation = 'berth.dev/test-never-ready';

const standardStages = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-complete.yaml',
  'pod/fast/pod-delete.yaml',
];

interface Stage {
  metadata: { name: string };
  spec: { selector: { matchExpressions: { key: string; operator: string; values?: string[] }[] } };
}

export function writeKwokConfig(l: Layout, neverReadyStageFile: string): void {
  const documents = standardStages.map((file) => {
    const stage = yaml.load(fs.readFileSync(path.join(l.binaries.kwokStages, file), 'utf8')) as Stage;
    if (stage.metadata.name === 'pod-ready') {
      stage.spec.selector.matchExpressions.push({
        key: `.metadata.annotations["${neverReadyAnnotation}"]`,
        operator: 'NotIn',
        values: ['true'],
      });
    }
    return yaml.dump(stage);
  });
  documents.push(fs.readFileSync(neverReadyStageFile, 'utf8'));
  fs.writeFileSync(l.kwokConfig, documents.join('\n---\n'));
}

function client(kubeconfig: string): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc.makeApiClient(CoreV1Api);
}

export async function createFakeNodes(kubeconfig: string, count: number): Promise<void> {
  const api = client(kubeconfig);
  for (let i = 0; i < count; i++) {
    const name = `kwok-node-${i}`;
    const node: V1Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
      },
    };
    await api.createNode({ body: node });
  }
}

export async function waitForNodesReady(kubeconfig: string, count: number, timeoutMs: number, checkAlive: () => void): Promise<void> {
  const api = client(kubeconfig);
  const deadline = Date.now() + timeoutMs;
  let ready = 0;
  while (Date.now() < deadline) {
    checkAlive();
    const nodes = await api.listNode({ labelSelector: 'type=kwok' });
    ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready >= count) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${count} kwok nodes to be Ready (${ready} ready)`);
}

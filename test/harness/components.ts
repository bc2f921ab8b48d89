/**
 * The command lines of the control plane's components. Each is a pure function
 * of the run's layout, so a component can be stopped and started again with the
 * very same ports and folders (fault tests restart the API server and Redis).
 */
import path from 'node:path';
import type { ControlPlaneBinaries } from './assets.ts';
import type { Pki } from './pki.ts';

export interface Layout {
  dir: string;
  binaries: ControlPlaneBinaries;
  pki: Pki;
  kubeconfig: string;
  kwokConfig: string;
  ports: {
    etcdClient: number;
    etcdPeer: number;
    apiServer: number;
    controllerManager: number;
    scheduler: number;
    kwok: number;
    redis: number;
  };
  redisPersistence: boolean;
}

export interface Command {
  command: string;
  args: string[];
}

export const componentNames = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'redis'] as const;
export type ComponentName = (typeof componentNames)[number];

export function etcd(l: Layout): Command {
  const client = `http://127.0.0.1:${l.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${l.ports.etcdPeer}`;
  return {
    command: l.binaries.etcd,
    args: [
      '--name=berth', `--data-dir=${path.join(l.dir, 'etcd')}`,
      `--listen-client-urls=${client}`, `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=berth=${peer}`,
      // Test data is thrown away after the run: durability buys nothing here.
      '--unsafe-no-fsync', '--quota-backend-bytes=4294967296', '--log-level=warn',
    ],
  };
}

export function kubeApiserver(l: Layout): Command {
  return {
    command: l.binaries.kubeApiserver,
    args: [
      `--etcd-servers=http://127.0.0.1:${l.ports.etcdClient}`,
      '--bind-address=127.0.0.1', `--secure-port=${l.ports.apiServer}`,
      // Needed where the machine has no default route to derive an address from.
      '--advertise-address=127.0.0.1',
      `--cert-dir=${path.join(l.dir, 'apiserver-certs')}`,
      `--tls-cert-file=${l.pki.servingCert}`, `--tls-private-key-file=${l.pki.servingKey}`,
      `--client-ca-file=${l.pki.caCert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${l.pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${l.pki.serviceAccountKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=RBAC',
      // TaintNodesByCondition puts a not-ready taint on every new Node until the
      // node-lifecycle controller clears it; kwok's nodes are ready at once, so the
      // taint would only delay scheduling by a monitor period.
      '--disable-admission-plugins=TaintNodesByCondition',
      '--allow-privileged=true', '--profiling=false', '--event-ttl=1h',
    ],
  };
}

function componentAuth(l: Layout): string[] {
  return [
    `--kubeconfig=${l.kubeconfig}`,
    `--authentication-kubeconfig=${l.kubeconfig}`,
    `--authorization-kubeconfig=${l.kubeconfig}`,
    '--bind-address=127.0.0.1', '--leader-elect=false',
  ];
}

export function kubeControllerManager(l: Layout): Command {
  return {
    command: l.binaries.kubeControllerManager,
    args: [
      ...componentAuth(l), `--secure-port=${l.ports.controllerManager}`,
      // The default set: deployment, replicaset, statefulset, daemonset, job,
      // cronjob, garbage collector, namespace, serviceaccount(-token), endpoints,
      // node lifecycle, HPA and the rest, as a real cluster runs them.
      '--controllers=*',
      `--root-ca-file=${l.pki.caCert}`,
      `--service-account-private-key-file=${l.pki.serviceAccountKey}`,
      `--cluster-signing-cert-file=${l.pki.caCert}`, `--cluster-signing-key-file=${l.pki.caKey}`,
      '--use-service-account-credentials=false',
      '--kube-api-qps=200', '--kube-api-burst=400',
      '--concurrent-deployment-syncs=10', '--concurrent-replicaset-syncs=10',
    ],
  };
}

export function kubeScheduler(l: Layout): Command {
  return {
    command: l.binaries.kubeScheduler,
    args: [...componentAuth(l), `--secure-port=${l.ports.scheduler}`],
  };
}

export function kwok(l: Layout): Command {
  return {
    command: l.binaries.kwok,
    args: [
      `--kubeconfig=${l.kubeconfig}`, `--config=${l.kwokConfig}`,
      '--manage-all-nodes=false', '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-ip=127.0.0.1', '--cidr=10.244.0.0/16',
      `--server-address=127.0.0.1:${l.ports.kwok}`, '--node-lease-duration-seconds=40',
    ],
  };
}

export function redis(l: Layout): Command {
  const persistence = l.redisPersistence
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec']
    : ['--appendonly', 'no', '--save', ''];
  return {
    command: 'redis-server',
    args: [
      '--bind', '127.0.0.1', '--port', String(l.ports.redis), '--protected-mode', 'no',
      '--dir', path.join(l.dir, 'redis'), '--daemonize', 'no', ...persistence,
    ],
  };
}

export const commands: Record<ComponentName, (l: Layout) => Command> = {
  etcd,
  'kube-apiserver': kubeApiserver,
  'kube-controller-manager': kubeControllerManager,
  'kube-scheduler': kubeScheduler,
  kwok,
  redis,
};

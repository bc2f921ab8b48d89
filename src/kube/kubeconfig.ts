/**
 * Where Berth's cluster credentials come from: an explicit kubeconfig file, else
 * in-cluster credentials when running in a pod, else the usual KUBECONFIG /
 * ~/.kube/config. client-node does the parsing and every auth flavour (client
 * certificates, tokens, exec plugins).
 */
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConfigOptions {
  /** Path of a kubeconfig file; wins over everything else. */
  kubeconfig?: string;
  /** Context to use instead of the file's current-context. */
  context?: string;
}

export function loadKubeConfig(options: KubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfig) {
    kc.loadFromFile(options.kubeconfig);
  } else if (process.env.KUBERNETES_SERVICE_HOST && !process.env.KUBECONFIG) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  if (options.context) kc.setCurrentContext(options.context);
  if (!kc.getCurrentCluster()) {
    throw new Error(`kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''}: no current cluster (context ${kc.getCurrentContext() || 'unset'})`);
  }
  return kc;
}

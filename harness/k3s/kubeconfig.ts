/**
 * The kubeconfig k3s writes (/etc/rancher/k3s/k3s.yaml), pointed at the host's 127.0.0.1 port forward. Done on
 * client-node's KubeConfig objects, never on text: k3s names its cluster, context and user all `default`, and
 * a textual rename easily leaves the context pointing at a user that no longer exists.
 */
import * as k8s from '@kubernetes/client-node';

/**
 * Parses a kubeconfig, keeps only its current context, names cluster/context/user `name`, and points the
 * cluster at https://127.0.0.1:<hostPort>. Throws when the current context, its cluster or its user is missing.
 */
export function rewriteKubeconfig(text: string, hostPort: number, name = 'n3x'): k8s.KubeConfig {
  const src = new k8s.KubeConfig();
  src.loadFromString(text);
  const ctx = src.getContextObject(src.getCurrentContext());
  if (!ctx) throw new Error(`kubeconfig has no current context '${src.getCurrentContext()}'`);
  const cluster = src.getCluster(ctx.cluster);
  if (!cluster?.server?.startsWith('https://')) throw new Error(`kubeconfig context '${ctx.name}': cluster '${ctx.cluster}' has no server: https://… entry`);
  const user = src.getUser(ctx.user);
  if (!user) throw new Error(`kubeconfig context '${ctx.name}' names user '${ctx.user}', which the file does not define`);
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, name, server: `https://127.0.0.1:${hostPort}` }],
    users: [{ ...user, name }],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return kc;
}

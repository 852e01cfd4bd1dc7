/**
 * Node and pod tables for the report from what @kubernetes/client-node returns. The k3s code records them with
 * `recordK3s(cluster, k3sTables(await core.listNode(), await core.listPodForAllNamespaces()))`. Pure; unit-tested.
 */
import type { V1NodeList, V1PodList } from '@kubernetes/client-node';
import type { K3sNodeRow, K3sPodRow } from './events.js';

/** Rows of `kubectl get nodes -o wide` and `kubectl get pods -A -o wide`, as the API reported them. */
export function k3sTables(nodes: V1NodeList, pods: V1PodList): { nodes: K3sNodeRow[]; pods: K3sPodRow[] } {
  return {
    nodes: nodes.items.map((n) => ({
      name: n.metadata?.name ?? '?',
      ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      roles: Object.keys(n.metadata?.labels ?? {}).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.split('/')[1]).sort().join(',') || undefined,
      internalIP: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address,
      version: n.status?.nodeInfo?.kubeletVersion,
    })),
    pods: pods.items.map((p) => ({
      namespace: p.metadata?.namespace ?? '',
      name: p.metadata?.name ?? '?',
      phase: p.status?.phase ?? 'Unknown',
      node: p.spec?.nodeName,
      ip: p.status?.podIP,
      restarts: (p.status?.containerStatuses ?? []).reduce((a, c) => a + (c.restartCount ?? 0), 0),
    })),
  };
}

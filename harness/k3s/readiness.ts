/**
 * Pod readiness as a wait must see it (pure; unit-tested on API objects shaped like k3s's): a pod counts when its
 * PodReady condition is True and its node is Ready. Pods on a node that died keep phase Running and ready
 * container statuses (only the node's Ready condition flips, and the pods' only after the eviction grace), so
 * neither counts; a terminating pod (deletionTimestamp set) is left out, or a wait would hang on it.
 */
import type * as k8s from '@kubernetes/client-node';
import { nodeReady } from './nodes.js';

export interface PodVerdict {
  name: string;
  ready: boolean;
  /** Why not, for the wait's message. */
  why?: string;
}

/** The PodReady condition of a pod is True (pure). */
export function podReadyCondition(p: k8s.V1Pod): boolean {
  return !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The verdict for every pod that is not terminating; `nodes` is the node list seen in the same attempt. */
export function podReadiness(pods: k8s.V1Pod[], nodes: k8s.V1Node[]): PodVerdict[] {
  const byName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]));
  return pods.filter((p) => !p.metadata?.deletionTimestamp).map((p): PodVerdict => {
    const name = p.metadata?.name ?? '?';
    if (!podReadyCondition(p)) return { name, ready: false, why: `${name}: PodReady ${p.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'absent'} (phase ${p.status?.phase ?? '?'})` };
    const node = p.spec?.nodeName;
    const n = node ? byName.get(node) : undefined;
    if (!n) return { name, ready: false, why: `${name}: on node ${node ?? '(none)'}, which the node list lacks` };
    if (!nodeReady(n)) return { name, ready: false, why: `${name}: on node ${node}, which is not Ready` };
    return { name, ready: true };
  });
}

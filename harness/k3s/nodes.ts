/** Node conditions (pure). */
import type * as k8s from '@kubernetes/client-node';

/** Node is Ready=True (pure). */
export function nodeReady(n: k8s.V1Node): boolean {
  return !!n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Watches the Ready condition of every node with a client-node Watch and records each transition, so that a
 * scenario can say "no node left Ready during this window" instead of sampling before and after.
 */
import * as k8s from '@kubernetes/client-node';
import { logger } from '../log.js';

const log = logger('k3s');

export interface ReadyTransition {
  node: string;
  from: string;
  to: string;
  /** Host time (ms) the event arrived. */
  at: number;
}

/** Ready status of a node: True, False, Unknown, or 'absent' (no condition yet / deleted). */
export function readyStatus(n: k8s.V1Node | undefined): string {
  return n?.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'absent';
}

/**
 * Folds one watch event into the per-node state; returns the transition it makes, if any (pure; unit-tested).
 * The first sighting of a node is its baseline, not a transition; a DELETED node counts as leaving Ready.
 */
export function applyReadyEvent(state: Map<string, string>, type: string, node: k8s.V1Node, at = Date.now()): ReadyTransition | undefined {
  const name = node.metadata?.name;
  if (!name || !['ADDED', 'MODIFIED', 'DELETED'].includes(type)) return undefined;
  const to = type === 'DELETED' ? 'absent' : readyStatus(node);
  const from = state.get(name);
  state.set(name, to);
  if (from === undefined || from === to) return undefined;
  return { node: name, from, to, at };
}

export interface ReadyWatch {
  /** Transitions seen so far. */
  readonly transitions: ReadyTransition[];
  /** Ready status per node as last seen. */
  readonly state: Map<string, string>;
  /** Watch errors (each one restarted the watch). */
  readonly errors: string[];
  /** Stops watching (also done when the signal fires). */
  stop(): void;
}

/** Starts watching /api/v1/nodes; restarts after a dropped connection until stop() or the signal. */
export async function watchNodeReady(kc: k8s.KubeConfig, signal?: AbortSignal): Promise<ReadyWatch> {
  const transitions: ReadyTransition[] = [];
  const state = new Map<string, string>();
  const errors: string[] = [];
  const w = new k8s.Watch(kc);
  let current: AbortController | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const stop = () => {
    stopped = true;
    clearTimeout(retry);
    current?.abort();
  };
  signal?.addEventListener('abort', stop, { once: true });
  const begin = async (): Promise<void> => {
    if (stopped) return;
    try {
      current = await w.watch('/api/v1/nodes', {}, (type, obj: k8s.V1Node) => {
        const t = applyReadyEvent(state, type, obj);
        if (t) {
          transitions.push(t);
          log.info(`node ${t.node}: Ready ${t.from} → ${t.to}`);
        }
      }, (err: unknown) => {
        if (stopped) return;
        if (err) errors.push(String((err as Error).message ?? err));
        retry = setTimeout(() => void begin(), 1000);
      });
    } catch (e) {
      if (stopped) return;
      errors.push((e as Error).message);
      retry = setTimeout(() => void begin(), 1000);
    }
  };
  await begin();
  return { transitions, state, errors, stop };
}

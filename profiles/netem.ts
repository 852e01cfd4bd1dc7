import type { NetemSpec } from '../harness/network/netem.js';

/** The seed's traffic-control profiles (k3s-network-constraints): applied to a node's cluster interface. */
export const netemProfiles = {
  latency: { delayMs: 50, jitterMs: 10 },
  loss: { lossPct: 5 },
  bandwidth: { rateMbit: 10 },
  /** Combined edge device: a slow, lossy, jittery uplink. */
  edge: { delayMs: 50, jitterMs: 10, lossPct: 5, rateMbit: 10 },
} as const satisfies Record<string, NetemSpec>;

export type NetemProfileName = keyof typeof netemProfiles;

import { type K3sPlan, netemProfiles } from '../../harness/index.js';
/**
 * The k3s plan of every k3s scenario file, in KVM seconds (harness/k3s/budget.ts scales it by the accelerator).
 * Each scenario takes every wait's deadline and every test's Vitest timeout from its plan, so the unit test
 * harness/k3s/budget.test.ts can prove, for every accelerator, that no wait outlasts its test.
 *
 * KVM figures, k3s v1.31 on 2 vCPUs with the airgap tarball imported at start: the first server's API 30–60 s,
 * a joining server a full etcd voter 30–60 s, every node Ready 60–90 s after the agents start, CoreDNS Ready
 * 60–120 s (image import + start). Each deadline is about three times the figure.
 */

const formation = { boot: 300, firstServer: 180, perServer: 180 };

/** The tests of k3s-simple, k3s-vlans and k3s-bonding-vlans (lib/k3s-formation.ts). */
const formationTests: K3sPlan['tests'] = {
  ready: { nodesReady: 300 },
  addresses: { nodesReady: 30 },
  etcd: { readyz: 60 },
  system: { coredns: 300, localPath: 180 },
  // trunkPing: 3 nodes × 2 peers × up to 2 networks; podPing: 3 pods × (mtu read, node → pod, pod → pod)
  frames: { trunkPing: { seconds: 30, times: 12 }, podsReady: 300, podPing: { seconds: 60, times: 9 } },
  workload: { webReady: 240, service: { seconds: 120, times: 3 } },
};

export const K3S_PLANS = {
  'k3s-simple': { ...formation, tests: formationTests },
  'k3s-vlans': { ...formation, tests: formationTests },
  'k3s-bonding-vlans': { ...formation, tests: formationTests },
  'k3s-network': {
    ...formation,
    tests: {
      daemonset: { nodesReady: 300, daemonSet: 300, podsReady: 60 },
      flannel: { link: { seconds: 30, times: 3 } },
      nodeToPod: { ping: { seconds: 60, times: 9 } },
      podToPod: { exec: { seconds: 60, times: 6 } },
      dns: { exec: { seconds: 120, times: 2 } },
    },
  },
  'k3s-network-constraints': {
    ...formation,
    tests: {
      forms: { nodesReady: 300, coredns: 300, daemonSet: 300 },
      // one entry per netem profile: the window, the API and DNS checks and the pods inside it
      netem: { readyz: 60, podsReady: 120, dns: 120, window: 50, clear: { seconds: 30, times: 6 } },
    },
    repeat: { netem: Object.keys(netemProfiles).length },
  },
  'k3s-storage': {
    ...formation,
    tests: {
      prerequisites: { nodesReady: 300, iscsid: { seconds: 60, times: 3 } },
      localPath: { podsReady: 300, exec: { seconds: 60, times: 3 }, deleted: 120, podsReadyAgain: 300 },
      statefulSet: { ready: 600, podsReady: 60, pvcs: 120, exec: { seconds: 60, times: 3 } },
    },
  },
  'k3s-ha': {
    ...formation,
    tests: {
      form: { nodesReady: 300, webReady: 240 },
      crash: { readyz: 120, notReady: 180, podsReady: 300, service: 120 },
      others: { readyz: 60 },
      restart: { unit: 300, nodesReady: 300, podsReady: 240 },
      loseFirst: { vip: 60, readyz: 180, notReady: 180, scale: 60, schedule: 300 },
    },
  },
  'mixed-arch-k3s': {
    ...formation,
    tests: {
      ready: { nodesReady: 600 },
      arm64Pod: { exec: 60, running: 600 },
    },
  },
  'k3s-longhorn': {
    ...formation,
    tests: {
      // kubectl: each `k3s kubectl apply/patch` and copy in the guest (120 s each)
      install: { nodesReady: 300, kubectl: { seconds: 120, times: 8 }, manager: 900, driver: { seconds: 600, times: 2 } },
      volume: { kubectl: { seconds: 120, times: 2 }, bound: 300, podsReady: 600, exec: { seconds: 60, times: 2 } },
      nodeLoss: { notReady: 180, podsReady: 600, exec: 60 },
    },
  },
  /** The stand-in (NOT k3s): a shell script and Debian's etcd, seconds to start; the plan is for the harness's machinery. */
  'k3s-rehearsal': {
    boot: 300, firstServer: 90, perServer: 90,
    tests: {
      prepared: { commands: 60 },
      order: { commands: 30 },
      kubeconfig: { readyz: 30, refused: 30 },
      nodes: { nodesReady: 60 },
      etcd: { memberList: { seconds: 30, times: 3 } },
      apply: { commands: 30 },
      frames: { trunkPing: { seconds: 30, times: 24 } }, // 4 nodes × 3 peers × up to 2 networks
      reboot: { reboot: 120, unit: 60, nodesReady: 60 },
      crash: { notReady: 90, watch: 30, unit: 60, nodesReady: 60 },
      loseFirst: { vip: 60, readyz: 60, notReady: 90, agentReady: 30 },
    },
  },
} satisfies Record<string, K3sPlan>;

export type K3sScenario = keyof typeof K3S_PLANS;

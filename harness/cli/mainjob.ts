/** Which scenario `npm start` runs, and why (pure; unit-tested). */
import { k3sBinaryStatus, podsUnavailableReason } from '../k3s/binary.js';

export interface MainJob {
  scenario: string;
  why: string;
  env: NodeJS.ProcessEnv;
}

export function chooseMainJob(env: NodeJS.ProcessEnv, exists: (scenario: string) => boolean, explicit?: string): MainJob {
  if (explicit) return { scenario: explicit, why: 'named on the command line', env };
  const k3s = k3sBinaryStatus(env);
  const noPods = podsUnavailableReason(k3s);
  if (!noPods && exists('k3s-vlans')) return { scenario: 'k3s-vlans', why: `k3s binary found (${k3s.path}) with airgap images`, env };
  const fallback = exists('etcd-ha') ? 'etcd-ha' : 'network-vlans';
  return {
    scenario: fallback,
    why: `${noPods}; running ${fallback === 'etcd-ha' ? 'the etcd HA scenario (the datastore k3s HA embeds)' : 'the VLAN network scenario'} on the vlans profile instead`,
    env: { ...env, N3X_ETCD_PROFILES: env.N3X_ETCD_PROFILES ?? 'vlans' },
  };
}

/** Which scenario `npm start` runs, and why (pure; unit-tested). */
import { k3sBinaryStatus } from '../k3s/binary.js';

export interface MainJob {
  scenario: string;
  why: string;
  env: NodeJS.ProcessEnv;
}

export function chooseMainJob(env: NodeJS.ProcessEnv, exists: (scenario: string) => boolean, explicit?: string): MainJob {
  if (explicit) return { scenario: explicit, why: 'named on the command line', env };
  const k3s = k3sBinaryStatus(env);
  if (k3s.available && exists('k3s-vlans')) return { scenario: 'k3s-vlans', why: `k3s binary found (${k3s.path})`, env };
  const fallback = exists('etcd-ha') ? 'etcd-ha' : 'network-vlans';
  return {
    scenario: fallback,
    why: `${k3s.reason}; running ${fallback === 'etcd-ha' ? 'the etcd HA scenario (the datastore k3s HA embeds)' : 'the VLAN network scenario'} on the vlans profile instead`,
    env: { ...env, N3X_ETCD_PROFILES: env.N3X_ETCD_PROFILES ?? 'vlans' },
  };
}

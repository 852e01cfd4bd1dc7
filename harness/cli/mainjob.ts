/** Which scenario `npm start` runs, and why (pure; unit-tested). */
import { ConfigError } from '../errors.js';
import { k3sBinaryStatus, podsUnavailableReason } from '../k3s/binary.js';

export interface MainJob {
  scenario: string;
  why: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The scenario to run: the one named (as `etcd-ha`, `etcd-ha.test.ts` or `scenarios/etcd-ha.test.ts`; an unknown
 * name is refused with the list of `available` ones), else k3s-vlans with a k3s binary, else the etcd HA scenario.
 */
export function chooseMainJob(env: NodeJS.ProcessEnv, exists: (scenario: string) => boolean, explicit?: string, available?: () => string[]): MainJob {
  if (explicit) {
    const name = explicit.replace(/^(\.\/)?scenarios\//, '').replace(/(\.test)?\.ts$/, '');
    if (!exists(name)) throw new ConfigError('scenario', `no scenario '${explicit}'`, `name one of: ${(available?.() ?? []).join(', ') || '(none found under scenarios/)'}`);
    return { scenario: name, why: 'named on the command line', env };
  }
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

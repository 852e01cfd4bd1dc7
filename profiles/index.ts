/** Profile registry: add a file here and one line below; tests and scenarios pick it up by name. */
import { ConfigError } from '../harness/errors.js';
import { validateProfile, type NetworkProfile } from '../harness/network/profile.js';
import { bondingVlans } from './bonding-vlans.js';
import { simple } from './simple.js';
import { vlans } from './vlans.js';

export const profiles: Record<string, NetworkProfile> = {
  simple,
  vlans,
  'bonding-vlans': bondingVlans,
};

/** Resolves a profile by name (or validates a custom one). */
export function getProfile(p: string | NetworkProfile): NetworkProfile {
  if (typeof p !== 'string') {
    validateProfile(p);
    return p;
  }
  const found = profiles[p];
  if (!found) throw new ConfigError('profile', `unknown profile '${p}'`, `use one of ${Object.keys(profiles).join(', ')}`);
  return found;
}

export { netemProfiles, type NetemProfileName } from './netem.js';

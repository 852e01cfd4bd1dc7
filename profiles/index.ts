/** Profile registry: add a file here and one line below; tests and scenarios pick it up by name. */
import { ConfigError } from '../harness/errors.js';
import { validateProfile, type NetworkProfile } from '../harness/network/profile.js';
import { bondingVlans } from './bonding-vlans.js';
import { simple } from './simple.js';
import { vlans } from './vlans.js';

export const profiles = {
  simple,
  vlans,
  'bonding-vlans': bondingVlans,
} as const satisfies Record<string, NetworkProfile>;

/** The built-in profile names (a typo such as 'vlan' does not compile); custom profiles are objects. */
export type ProfileName = keyof typeof profiles;

/** Resolves a profile by name (or validates a custom one). */
export function getProfile(p: ProfileName | NetworkProfile): NetworkProfile {
  if (typeof p !== 'string') {
    validateProfile(p);
    return p;
  }
  const found = (profiles as Record<string, NetworkProfile>)[p];
  if (!found) throw new ConfigError('profile', `unknown profile '${p}'`, `use one of ${Object.keys(profiles).join(', ')}`);
  return found;
}

/** A profile name from outside the code (CLI, environment), checked: throws a ConfigError naming the known ones. */
export function profileName(s: string): ProfileName {
  getProfile(s as ProfileName);
  return s as ProfileName;
}

export { netemProfiles, type NetemProfileName } from './netem.js';

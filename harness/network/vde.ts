/** VDE backend (rootless): one vde_switch in hub mode per segment; hubs pass 802.1Q-tagged frames untouched. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { InfraError } from '../errors.js';
import { sleep } from '../retry.js';
import { killProcessOf } from '../util/procs.js';

export interface VdeSwitch {
  sockDir: string;
  pid: number;
}

export async function startVdeSwitch(dir: string): Promise<VdeSwitch> {
  const sockDir = join(dir, 'sw');
  const pidFile = join(dir, 'sw.pid');
  const r = await execa('vde_switch', ['--sock', sockDir, '--hub', '--daemon', '--pidfile', pidFile, '--mode', '0700'], { reject: false });
  if (r.exitCode !== 0) {
    throw new InfraError(`vde_switch failed: ${r.stderr.trim() || r.stdout.trim()}`, { hint: 'install vde2 (apt-get install vde2), or use N3X_NET=bridge as root' });
  }
  for (let i = 0; i < 100 && !existsSync(pidFile); i++) await sleep(0.02);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!pid) throw new InfraError(`vde_switch wrote no pid to ${pidFile}`);
  return { sockDir, pid };
}

/** Stops the switch, only when its pid (read from a pid file) is still a vde_switch serving this segment. */
export function stopVdeSwitch(sw: VdeSwitch): boolean {
  return killProcessOf(sw.pid, 'vde_switch', dirname(sw.sockDir), 'SIGTERM');
}

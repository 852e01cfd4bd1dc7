/**
 * VDE backend (rootless): one vde_switch per segment. A hub passes every frame, 802.1Q-tagged ones untouched;
 * a segment that filters VLANs runs the switch in switch mode with its ports' VLANs set on its management socket.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { InfraError } from '../errors.js';
import { sleep } from '../retry.js';
import { killProcessOf } from '../util/procs.js';
import { vdePortCommands, type SwitchPort } from './fabric.js';

export interface VdeSwitch {
  sockDir: string;
  pid: number;
}

/** Starts a hub, or (ports given) a switch whose ports carry exactly their VLANs. */
export async function startVdeSwitch(dir: string, ports?: SwitchPort[]): Promise<VdeSwitch> {
  const sockDir = join(dir, 'sw');
  const pidFile = join(dir, 'sw.pid');
  const mgmt = join(dir, 'mgmt');
  const mode = ports ? ['--mgmt', mgmt, '--mgmtmode', '0600', '--numports', String(Math.max(32, ports.length + 1))] : ['--hub'];
  const r = await execa('vde_switch', ['--sock', sockDir, ...mode, '--daemon', '--pidfile', pidFile, '--mode', '0700'], { reject: false });
  if (r.exitCode !== 0) {
    throw new InfraError(`vde_switch failed: ${r.stderr.trim() || r.stdout.trim()}`, { hint: 'install vde2 (apt-get install vde2), or use N3X_NET=bridge as root' });
  }
  for (let i = 0; i < 100 && !existsSync(pidFile); i++) await sleep(0.02);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!pid) throw new InfraError(`vde_switch wrote no pid to ${pidFile}`);
  const sw = { sockDir, pid };
  if (ports) {
    try {
      await vdeManage(mgmt, vdePortCommands(ports));
    } catch (e) {
      stopVdeSwitch(sw);
      throw e;
    }
  }
  return sw;
}

/**
 * Sends commands to a vde_switch management socket, one at a time; throws on the first that does not answer 1000.
 * Returns each command's printed data ('' for none).
 */
export async function vdeManage(socket: string, commands: string[], timeout = 5): Promise<string[]> {
  for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(0.02);
  const conn = createConnection(socket);
  let buf = '';
  let error: Error | undefined;
  let wake = () => undefined as void;
  conn.setEncoding('utf8');
  conn.on('data', (d: string) => {
    buf += d;
    wake();
  });
  conn.on('error', (e) => {
    error = e;
    wake();
  });
  conn.on('connect', () => wake());
  /** Waits for the next event (data, error, connect) or the deadline. */
  const next = async (deadline: number) => {
    if (error) throw new InfraError(`vde_switch management socket ${socket}: ${error.message}`, {}, { cause: error });
    if (Date.now() > deadline) throw new InfraError(`vde_switch management socket ${socket}: no answer in ${timeout} s`);
    await new Promise<void>((r) => {
      const t = setTimeout(r, 100);
      wake = () => {
        clearTimeout(t);
        r();
      };
    });
  };
  try {
    const connected = Date.now() + timeout * 1000;
    while (conn.connecting || error) await next(connected);
    const out: string[] = [];
    for (const c of commands) {
      buf = '';
      conn.write(`${c}\n`);
      const deadline = Date.now() + timeout * 1000;
      let m: RegExpExecArray | null;
      while (!(m = /(?:^|\$ )(\d{4}) (.*)$/m.exec(buf.replace(/0000 DATA END WITH[\s\S]*?^\.$/m, '')))) await next(deadline);
      if (m[1] !== '1000') throw new InfraError(`vde_switch '${c}' answered ${m[1]} ${m[2]}`, { hint: 'the switch ports could not be set up: see the vde2 version (vde_switch -v)' });
      out.push(/0000 DATA END WITH '\.'\n([\s\S]*?)^\.$/m.exec(buf)?.[1] ?? '');
    }
    return out;
  } finally {
    conn.destroy();
  }
}

/** Stops the switch, only when its pid (read from a pid file) is still a vde_switch serving this segment. */
export function stopVdeSwitch(sw: VdeSwitch): boolean {
  return killProcessOf(sw.pid, 'vde_switch', dirname(sw.sockDir), 'SIGTERM');
}

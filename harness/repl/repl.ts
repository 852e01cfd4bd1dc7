/**
 * Interactive REPL on a running cluster: top-level await, every machine in scope (n100-1 → n100_1), tab
 * completion, persistent history, `.shell <machine>` (a real root terminal in the guest) and
 * `.console <machine>` (the live serial console). Ctrl-] returns from a terminal to the REPL.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import repl from 'node:repl';
import type { Socket } from 'node:net';
import type { Cluster } from '../cluster/cluster.js';
import { cacheRoot } from '../util/paths.js';
import { netemProfiles } from '../../profiles/index.js';
import { sleep } from '../retry.js';
import { liveTopology, writeLiveReport } from '../report/live.js';
import { reportLine } from '../report/build.js';
import { topologyText } from '../report/topology.js';

const ESCAPE = 0x1d; // Ctrl-]

/** REPL variable name for a machine: dashes become underscores. */
export const varName = (machine: string) => machine.replace(/-/g, '_');

export interface ReplOptions {
  /** What leaving the REPL does to the cluster. */
  onExit: 'stop' | 'detach';
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
  /** Printed after the greeting (e.g. a checkpoint's recorded steps). */
  banner?: string;
  /** More dot-commands (e.g. `.replay`): an action's errors are printed, never end the REPL. */
  commands?: Record<string, { help: string; action: (arg: string, write: (line: string) => void) => Promise<void> | void }>;
}

export async function openRepl(c: Cluster, o: ReplOptions): Promise<void> {
  const stdin = o.input ?? process.stdin;
  const stdout = o.output ?? process.stdout;
  const input = new PassThrough();
  let terminal: Socket | undefined;
  const raw = stdin.isTTY ? (on: boolean) => stdin.setRawMode(on) : () => undefined;
  raw(true);
  pumpStdin(stdin, input, () => terminal);

  const byName = Object.fromEntries(c.machines.map((m) => [varName(m.name), m]));
  stdout.write(`n3x: cluster ${c.id} (${c.profile.name}, ${c.machines.length} machines): ${Object.keys(byName).join(', ')} and \`cluster\` are in scope; .help lists commands\n`);
  if (o.banner) stdout.write(`${o.banner}\n`);
  const r = repl.start({ prompt: `n3x ${c.id}> `, input, output: stdout, terminal: !!stdout.isTTY, useGlobal: false, preview: false });
  Object.assign(r.context, byName, { cluster: c, netemProfiles, sleep });
  const history = join(cacheRoot(), 'repl_history');
  mkdirSync(dirname(history), { recursive: true });
  r.setupHistory(history, () => undefined);

  const attachTo = (sock: Socket, label: string) =>
    new Promise<void>((resolve) => {
      terminal = sock;
      stdout.write(`\n[${label} — Ctrl-] returns to the REPL]\n`);
      sock.on('data', (d) => stdout.write(d));
      sock.on('close', () => {
        terminal = undefined;
        stdout.write(`\n[back in the REPL]\n`);
        resolve();
      });
    });
  const machineArg = (arg: string) => {
    const m = byName[arg.trim()] ?? c.machines.find((x) => x.name === arg.trim());
    if (!m) stdout.write(`no machine '${arg.trim()}'; use one of ${Object.keys(byName).join(', ')}\n`);
    return m;
  };
  r.defineCommand('shell', {
    help: 'Open a root terminal in a machine: .shell n100_1 (Ctrl-] returns)',
    action: async (arg) => {
      const m = machineArg(arg);
      if (m) {
        r.pause();
        try {
          await attachTo(await m.openTerminal({ rows: stdout.rows ?? 40, cols: stdout.columns ?? 120 }, process.env.TERM ?? 'xterm'), `${m.name} root shell`);
        } catch (e) {
          stdout.write(`${(e as Error).message}\n`);
        }
        r.resume();
      }
      r.displayPrompt();
    },
  });
  r.defineCommand('console', {
    help: 'Attach to the live serial console of a machine: .console n100_1 (Ctrl-] returns)',
    action: async (arg) => {
      const m = machineArg(arg);
      if (m) {
        r.pause();
        await attachTo(await m.openSerial(), `${m.name} serial console`);
        r.resume();
      }
      r.displayPrompt();
    },
  });
  defineInfoCommands(r, c, stdout);
  for (const [name, cmd] of Object.entries(o.commands ?? {})) {
    r.defineCommand(name, {
      help: cmd.help,
      action: async (arg) => {
        try {
          await cmd.action(arg.trim(), (line) => stdout.write(`${line}\n`));
        } catch (e) {
          stdout.write(`.${name} failed: ${(e as Error).message}\n`);
        }
        r.displayPrompt();
      },
    });
  }
  await new Promise<void>((resolve) => r.on('exit', () => resolve()));
  raw(false);
  stdin.pause();
  await leave(c, o.onExit, stdout);
}

/** Keystrokes go to the REPL, or to the attached terminal until Ctrl-] (which closes it). */
function pumpStdin(stdin: NodeJS.ReadStream, input: PassThrough, terminal: () => Socket | undefined): void {
  stdin.on('data', (d: Buffer) => {
    const t = terminal();
    if (!t) return void input.write(d);
    const i = d.indexOf(ESCAPE);
    if (i >= 0) {
      if (i > 0) t.write(d.subarray(0, i));
      t.destroy();
      return;
    }
    t.write(d);
  });
  stdin.resume();
}

/** `.machines`, `.topology` and `.report`. */
function defineInfoCommands(r: repl.REPLServer, c: Cluster, stdout: NodeJS.WriteStream): void {
  r.defineCommand('machines', {
    help: 'List machines with their addresses',
    action() {
      for (const m of c.machines) stdout.write(`${varName(m.name).padEnd(12)} ${m.isUp() ? 'up  ' : 'down'} cluster ${c.address(m.name)} (${c.iface()}), storage ${c.address(m.name, 'storage')} (${c.iface('storage')})\n`);
      this.displayPrompt();
    },
  });
  r.defineCommand('topology', {
    help: 'Print the topology: segments, NICs, bond, VLAN interfaces with addresses, cut links, partitions, netem',
    action() {
      stdout.write(`${topologyText(liveTopology(c))}\n`);
      this.displayPrompt();
    },
  });
  r.defineCommand('report', {
    help: 'Write the HTML report of this cluster (topology, boots, commands, serial logs): .report [dir]',
    action(arg) {
      try {
        stdout.write(`${reportLine(writeLiveReport(c, arg.trim() || undefined))}\n`);
      } catch (e) {
        stdout.write(`report failed: ${(e as Error).message}\n`);
      }
      this.displayPrompt();
    },
  });
}

/** What leaving the REPL does to the cluster: stop it, or leave it running for another process. */
async function leave(c: Cluster, onExit: ReplOptions['onExit'], stdout: NodeJS.WriteStream): Promise<void> {
  if (onExit === 'stop') {
    stdout.write(`n3x: stopping cluster ${c.id}\n`);
    await c.stop();
  } else {
    c.detach();
    stdout.write(`n3x: left cluster ${c.id} running (npx n3x attach ${c.id} / npx n3x stop ${c.id})\n`);
  }
}

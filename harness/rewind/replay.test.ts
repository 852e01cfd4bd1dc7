import { describe, expect, it } from 'vitest';
import type { Cluster } from '../cluster/cluster.js';
import { Replay } from './replay.js';
import type { Step } from './steps.js';

/** A recording stand-in for the cluster: commands answer from `answers` (exit status by command), actions are logged. */
function standIn(answers: Record<string, number>) {
  const did: string[] = [];
  const machine = (name: string) => ({
    execute: async (command: string) => {
      did.push(`${name}$ ${command}`);
      return { status: answers[command] ?? 0, stdout: '', stderr: '' };
    },
  });
  const cluster = { machine, partition: async (a: string[], b: string[]) => void did.push(`partition ${a} | ${b}`) } as unknown as Cluster;
  return { cluster, did };
}

const cmd = (command: string, status: number): Step => ({ kind: 'command', machine: 'n1', command, status, stdout: '', stderr: '', repeats: 1 });
const steps: Step[] = [{ kind: 'partition', a: ['n2'], b: ['n1'] }, cmd('echo a', 0), cmd('ping n2', 1), cmd('echo after', 0)];

describe('replay', () => {
  it('runs the steps in order and stops where the original failed, saying whether it is reproduced', async () => {
    const { cluster, did } = standIn({ 'ping n2': 1 });
    const out: string[] = [];
    await new Replay(cluster, steps, 2, (l) => out.push(l)).run();
    expect(did).toEqual(['partition n2 | n1', 'n1$ echo a', 'n1$ ping n2']);
    expect(out.at(-1)).toBe('failure reproduced: step 3 fails as the original did (exit 1); stopped there');
  });

  it('says not reproduced when the failing step passes now, and .replay n / .replay continue from where it stopped', async () => {
    const { cluster, did } = standIn({});
    const out: string[] = [];
    const r = new Replay(cluster, steps, 2, (l) => out.push(l));
    await r.run(1);
    expect(did).toEqual(['partition n2 | n1']);
    await r.run();
    expect(did).toEqual(['partition n2 | n1', 'n1$ echo a', 'n1$ ping n2']);
    expect(out.at(-1)).toBe('not reproduced: step 3 exits 0 now, the original 1; stopped there');
    await r.run(4);
    expect(did.at(-1)).toBe('n1$ echo after');
  });

  it('shows a host step without running anything', async () => {
    const { cluster, did } = standIn({});
    const out: string[] = [];
    await new Replay(cluster, [cmd('true', 0), { kind: 'host', text: "host-side code failed after step 1: expected 'a' to be 'b'" }], 1, (l) => out.push(l)).run();
    expect(did).toEqual(['n1$ true']);
    expect(out).toContain("the original failed here, on the host side: expected 'a' to be 'b'; check it by hand in this REPL");
  });
});

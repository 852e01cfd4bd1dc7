import { describe, expect, it } from 'vitest';
import type { HarnessEvent } from '../events.js';
import { stepList, stepsFromEvents, withFailure } from './steps.js';

const t = 0;
const cmd = (machine: string, command: string, status = 0, extra: Partial<HarnessEvent> = {}) => ({ kind: 'command', cluster: 'c1', machine, command, status, ms: 1, timedOut: false, stdout: `${command}-out\n`, stderr: '', stdoutBytes: 1, t, ...extra }) as HarnessEvent;

describe('steps from the event stream', () => {
  const events: HarnessEvent[] = [
    { kind: 'partition', cluster: 'c1', a: ['n2'], b: ['n1', 'n3'], t },
    cmd('n1', 'tc qdisc add dev eth1 ingress', 0, { within: 'partition' }),
    cmd('n1', 'echo hi > /root/f'),
    cmd('n9', 'echo other cluster', 0, { cluster: 'c2' }),
    cmd('n1', 'curl x', 7),
    cmd('n1', 'curl x', 7),
    cmd('n1', 'curl x', 0),
    { kind: 'link', cluster: 'c1', machine: 'n3', nic: 'nic1', up: false, t },
    { kind: 'start', cluster: 'c1', machine: 'n3', restoring: true, t },
    { kind: 'crash', cluster: 'c1', machine: 'n3', cause: 'power-cut', t },
    { kind: 'start', cluster: 'c1', machine: 'n3', restoring: false, t },
    { kind: 'copy', cluster: 'c1', machine: 'n1', direction: 'in', src: '/h/a', dst: '/g/a', t },
    cmd('n1', 'ping -c1 n2', 1),
  ];

  it("keeps the test's commands and actions in order, without an action's own commands, other clusters or restores; a repeated command is one step", () => {
    expect(stepsFromEvents(events, 'c1').map((s) => s.kind)).toEqual(['partition', 'command', 'command', 'link', 'crash', 'start', 'copy', 'command']);
    expect(stepsFromEvents(events, 'c1')[2]).toMatchObject({ command: 'curl x', repeats: 3, status: 0 });
  });

  it('marks a failed last command as where the original failed, else adds a host step after the last one', () => {
    const steps = stepsFromEvents(events, 'c1');
    expect(withFailure(steps, 'Command failed').failedAt).toBe(7);
    const passedLast = steps.slice(0, 7);
    const f = withFailure(passedLast, "expected 'a' to be 'b'\nat x.ts:3");
    expect(f.failedAt).toBe(7);
    expect(f.steps[7]).toEqual({ kind: 'host', text: "host-side code failed after step 7: expected 'a' to be 'b'" });
    expect(withFailure(steps, undefined).failedAt).toBeUndefined();
  });

  it('lists the steps numbered, with the failure point and what is not recorded', () => {
    const { steps, failedAt } = withFailure(stepsFromEvents(events, 'c1'), 'boom');
    const text = stepList(steps, failedAt);
    expect(text).toContain('   1. partition {n2} | {n1, n3}');
    expect(text).toContain('   3. n1$ curl x   → exit 0 (run 3 times: a wait)');
    expect(text).toContain('   4. n3: link eth1 cut');
    expect(text).toContain('   8. n1$ ping -c1 n2   → exit 1   ← the original failed here');
    expect(text).toContain('(assertions, Kubernetes API calls) is not recorded and not replayed');
  });
});

/**
 * `.replay` in a REPL opened on a checkpoint: the recorded steps run again one by one on the restored cluster,
 * each command's output beside the original's, stopping where the original failed (or at step n). Harness
 * actions run through the same API the test used; host steps (assertions, a failure in host code) are only shown.
 */
import type { Cluster } from '../cluster/cluster.js';
import { sleep } from '../retry.js';
import { compareOutcome, type Outcome } from './compare.js';
import { describeStep, type Step } from './steps.js';

/** Seconds a replayed command may take, and a replayed wait may poll. */
const COMMAND_TIMEOUT = 120;

/** Runs one step on `c`; a command's outcome, nothing for an action. A wait (a command repeated) polls until it ends as the original did. */
async function perform(c: Cluster, s: Step): Promise<Outcome | undefined> {
  switch (s.kind) {
    case 'command': {
      const m = c.machine(s.machine);
      const until = Date.now() + COMMAND_TIMEOUT * 1000;
      for (;;) {
        const r = await m.execute(s.command, { timeout: COMMAND_TIMEOUT });
        if (s.repeats === 1 || r.status === s.status || Date.now() > until) return r;
        await sleep(1);
      }
    }
    case 'partition':
      return void (await c.partition(s.a, s.b));
    case 'heal':
      return void (await c.heal());
    case 'link':
      return void (await c.machine(s.machine).setLink(s.nic, s.up));
    case 'netem':
      return void (await (s.spec ? c.machine(s.machine).netem(s.iface, s.spec) : c.machine(s.machine).clearNetem(s.iface)));
    case 'crash':
      return void (await c.machine(s.machine).crash());
    case 'start':
      return void (await c.machine(s.machine).start());
    case 'stop':
      return void (await c.machine(s.machine).kill());
    case 'copy':
      return void (await (s.direction === 'in' ? c.machine(s.machine).copyFromHost(s.src, s.dst) : c.machine(s.machine).copyFromMachine(s.src, s.dst)));
    case 'host':
      return undefined;
  }
}

export class Replay {
  /** Index of the next step to replay. */
  private next = 0;

  constructor(
    private readonly c: Cluster,
    private readonly steps: Step[],
    private readonly failedAt: number | undefined,
    private readonly out: (line: string) => void,
  ) {}

  /** Replays from the next step through step `upTo` (1-based), or through the step where the original failed. */
  async run(upTo?: number): Promise<void> {
    const end = Math.min(this.steps.length, upTo ?? (this.failedAt === undefined ? this.steps.length : this.failedAt + 1));
    if (this.next >= end) return this.out(this.next >= this.steps.length ? 'nothing left to replay: every step has run (restore the checkpoint again with a new attach)' : `step ${this.next + 1} is next; .replay ${this.next + 1} or higher`);
    this.out('replaying (host-side assertions and Kubernetes API calls are not recorded: they are not replayed)');
    for (; this.next < end; this.next++) {
      const i = this.next;
      const s = this.steps[i];
      this.out(`#${i + 1} ${describeStep(s)}`);
      if (s.kind === 'host') {
        this.out('    not replayed: it ran on the host');
        if (i === this.failedAt) this.out(`the original failed here, on the host side: ${s.text.replace(/^host-side code failed [^:]*: /, '')}; check it by hand in this REPL`);
        continue;
      }
      let now: Outcome | undefined;
      try {
        now = await perform(this.c, s);
      } catch (e) {
        this.next = i + 1;
        return this.out(`    failed now: ${(e as Error).message.split('\n')[0]}\nstopped at step ${i + 1}`);
      }
      if (s.kind === 'command' && now) for (const l of compareOutcome(s, now).lines) this.out(l);
      else this.out('    done');
      if (i === this.failedAt && s.kind === 'command' && now) {
        this.next = i + 1;
        return this.out(now.status === s.status ? `failure reproduced: step ${i + 1} fails as the original did (exit ${s.status}); stopped there` : `not reproduced: step ${i + 1} exits ${now.status} now, the original ${s.status}; stopped there`);
      }
    }
    this.out(this.next < this.steps.length ? `stopped after step ${this.next}; .replay continues` : 'every step replayed');
  }
}

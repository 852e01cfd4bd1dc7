import { describe, expect, it } from 'vitest';
import { memoryEvents, recordBoot } from './record.js';
import type { BootPhases } from '../machine/boot-phases.js';

describe('recordBoot', () => {
  it("records this boot's host phases with the doneMs they add up to; a stale breakdown is left out", () => {
    const phases: BootPhases = { spawnAt: 1000, readyMs: 8000, doneMs: 9000, phases: [{ name: 'firmware', ms: 1000 }, { name: 'systemd', ms: 7000 }, { name: 'setup', ms: 1000 }] };
    recordBoot({ name: 'rec-a', lastBootMs: 8000, bootPhases: phases }, 1000);
    recordBoot({ name: 'rec-b', lastBootMs: 8000, bootPhases: phases }, 5000); // phases of an earlier boot
    const [a, b] = memoryEvents().filter((e) => e.kind === 'boot' && e.machine.startsWith('rec-')) as Extract<ReturnType<typeof memoryEvents>[number], { kind: 'boot' }>[];
    expect(a).toMatchObject({ spawnAt: 1000, readyMs: 8000, doneMs: 9000, phases: phases.phases });
    expect(b.phases).toBeUndefined();
    expect(b.doneMs).not.toBe(9000);
  });
});

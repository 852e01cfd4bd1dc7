import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { soloLast } from './vm-sequencer.js';
import { SOLO_SCENARIOS } from './test-projects.js';

describe('soloLast', () => {
  it('moves the solo files after the others, keeping the order within each group', () => {
    const f = (p: string) => ({ moduleId: `/r/${p}` });
    const files = [f('scenarios/a.test.ts'), f('scenarios/smoke.test.ts'), f('scenarios/b.test.ts'), f('scenarios/etcd-ha.test.ts'), f('scenarios/c.test.ts')];
    expect(soloLast(files, '/r').map((x) => x.moduleId)).toEqual(['/r/scenarios/a.test.ts', '/r/scenarios/b.test.ts', '/r/scenarios/c.test.ts', '/r/scenarios/smoke.test.ts', '/r/scenarios/etcd-ha.test.ts']);
  });
});

describe('SOLO_SCENARIOS', () => {
  it('names only scenario files that exist, each with a reason', () => {
    for (const [file, why] of Object.entries(SOLO_SCENARIOS)) {
      expect(existsSync(file), file).toBe(true);
      expect(why.length, file).toBeGreaterThan(10);
    }
  });
});

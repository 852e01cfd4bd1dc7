import { describe, expect, it } from 'vitest';
import { emit } from '../events.js';
import { memoryEvents } from './record.js';
import type { BootPhases } from '../console/boot-phases.js';

type Boot = Extract<ReturnType<typeof memoryEvents>[number], { kind: 'boot' }>;

describe('the recorder, listening to boot events', () => {
  it("records this boot's host phases with the doneMs they add up to; a stale breakdown is left out", () => {
    const phases: BootPhases = { spawnAt: 1000, readyMs: 8000, doneMs: 9000, phases: [{ name: 'firmware', ms: 1000 }, { name: 'systemd', ms: 7000 }, { name: 'setup', ms: 1000 }] };
    emit({ kind: 'boot', machine: 'rec-a', spawnAt: 1000, readyMs: 8000, doneMs: 9000, phases });
    emit({ kind: 'boot', machine: 'rec-b', spawnAt: 5000, readyMs: 8000, doneMs: 4000, phases }); // phases of an earlier boot
    const [a, b] = memoryEvents().filter((e) => e.kind === 'boot' && e.machine.startsWith('rec-')) as Boot[];
    expect(a).toMatchObject({ spawnAt: 1000, readyMs: 8000, doneMs: 9000, phases: phases.phases });
    expect(b.phases).toBeUndefined();
    expect(b.doneMs).toBe(4000);
  });

  it('records a command with its cluster, status and the output capped', () => {
    emit({ kind: 'command', machine: 'rec-c', cluster: 'beef', command: 'echo hi', status: 3, ms: 12, timedOut: false, stdout: 'x'.repeat(5000), stderr: '', stdoutBytes: 5000 });
    const c = memoryEvents('beef').find((e) => e.kind === 'command');
    expect(c).toMatchObject({ machine: 'rec-c', status: 3, ms: 12, command: { text: 'echo hi', omitted: 0 }, stdout: { omitted: 1000 } });
  });

  it('records starts, crashes and stops, nemesis events and test boundaries for the timeline', () => {
    emit({ kind: 'start', machine: 'rec-d', cluster: 'cafe', restoring: false });
    emit({ kind: 'crash', machine: 'rec-d', cluster: 'cafe', cause: 'power-cut' });
    emit({ kind: 'stop', machine: 'rec-d', cluster: 'cafe' });
    emit({ kind: 'nemesis', cluster: 'cafe', phase: 'begin', seed: 4, replay: false, faults: [{ kind: 'crash', at: 1, until: 2, nodes: ['rec-d'], label: 'x' }] });
    emit({ kind: 'nemesis', cluster: 'cafe', phase: 'on', seed: 4, index: 0 });
    const got = memoryEvents('cafe').map((e) => (e.kind === 'power' ? `${e.what} ${e.machine}${e.detail ? ` ${e.detail}` : ''}` : e.kind === 'nemesis' ? `nemesis ${e.phase} ${e.seed}${e.faults ? ` ${e.faults.length} fault(s)` : ` #${e.index}`}` : e.kind));
    expect(got).toEqual(['start rec-d', 'crash rec-d power-cut', 'stop rec-d', 'nemesis begin 4 1 fault(s)', 'nemesis on 4 #0']);
    emit({ kind: 'test', phase: 'begin', file: '/f.test.ts', test: 'rec-t1' });
    emit({ kind: 'test', phase: 'fail', file: '/f.test.ts', test: 'rec-t1' });
    emit({ kind: 'test', phase: 'end', file: '/f.test.ts', test: 'rec-t1' });
    const tests = memoryEvents().filter((e) => e.kind === 'test' && e.scope.test === 'rec-t1');
    expect(tests.map((e) => [e.kind === 'test' && e.phase, e.scope.file])).toEqual([['begin', '/f.test.ts'], ['fail', '/f.test.ts'], ['end', '/f.test.ts']]);
  });

  it("records an image made ready under the file and test in scope, with whether it was built and its ms", () => {
    emit({ kind: 'test', phase: 'begin', file: '/img.test.ts', test: 'rec-t2' });
    emit({ kind: 'image', name: 'debian-12-abc+pkgs-def', built: true, ms: 95_000 });
    emit({ kind: 'test', phase: 'end', file: '/img.test.ts', test: 'rec-t2' });
    const img = memoryEvents().filter((e) => e.kind === 'image');
    expect(img).toMatchObject([{ scope: { file: '/img.test.ts', test: 'rec-t2' }, name: 'debian-12-abc+pkgs-def', built: true, ms: 95_000 }]);
  });
});

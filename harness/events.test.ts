import { describe, expect, it } from 'vitest';
import { emit, subscribe, withinAction, type HarnessEvent } from './events.js';

describe('the event sink', () => {
  it('hands every event, stamped with the time, to each listener until it unsubscribes', () => {
    const got: HarnessEvent[] = [];
    const stop = subscribe((e) => got.push(e));
    emit({ kind: 'partition', cluster: 'ab12', a: ['n1'], b: ['n2'] });
    stop();
    emit({ kind: 'heal', cluster: 'ab12' });
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ kind: 'partition', cluster: 'ab12', a: ['n1'], b: ['n2'] });
    expect(Math.abs(got[0].t - Date.now())).toBeLessThan(5000);
  });

  it('keeps going when a listener throws: the next listener still gets the event', () => {
    const got: string[] = [];
    const a = subscribe(() => {
      throw new Error('broken listener');
    });
    const b = subscribe((e) => got.push(e.kind));
    expect(() => emit({ kind: 'heal', cluster: 'ab12' })).not.toThrow();
    a();
    b();
    expect(got).toEqual(['heal']);
  });

  it('names the outermost harness action on every event emitted inside it, also after an await, and none outside', async () => {
    const got: HarnessEvent[] = [];
    const stop = subscribe((e) => got.push(e));
    await withinAction('partition', async () => {
      await new Promise((r) => setTimeout(r, 1));
      await withinAction('netem', async () => emit({ kind: 'heal', cluster: 'in' }));
    });
    emit({ kind: 'heal', cluster: 'out' });
    stop();
    expect(got.map((e) => ['cluster' in e ? e.cluster : undefined, e.within])).toEqual([['in', 'partition'], ['out', undefined]]);
  });
});

import { describe, expect, it } from 'vitest';
import { emit, subscribe, type HarnessEvent } from './events.js';

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
});

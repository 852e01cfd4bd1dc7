import { describe, expect, it } from 'vitest';
import type { V1Node } from '@kubernetes/client-node';
import { applyReadyEvent, readyStatus } from './ready-watch.js';

const node = (name: string, ready?: string): V1Node => ({ metadata: { name }, status: ready ? { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: ready }] } : {} });

describe('applyReadyEvent: Ready transitions from a node watch', () => {
  it('the first event of a node is its baseline; unchanged MODIFIED events are not transitions', () => {
    const s = new Map<string, string>();
    expect(applyReadyEvent(s, 'ADDED', node('a', 'True'))).toBeUndefined();
    expect(applyReadyEvent(s, 'MODIFIED', node('a', 'True'))).toBeUndefined();
    expect(s.get('a')).toBe('True');
  });
  it('True → Unknown → True are two transitions, with their direction', () => {
    const s = new Map<string, string>();
    applyReadyEvent(s, 'ADDED', node('a', 'True'));
    expect(applyReadyEvent(s, 'MODIFIED', node('a', 'Unknown'), 5)).toEqual({ node: 'a', from: 'True', to: 'Unknown', at: 5 });
    expect(applyReadyEvent(s, 'MODIFIED', node('a', 'True'), 6)).toMatchObject({ from: 'Unknown', to: 'True' });
  });
  it('a deleted node left Ready; BOOKMARK and ERROR events change nothing; nodes are tracked separately', () => {
    const s = new Map<string, string>();
    applyReadyEvent(s, 'ADDED', node('a', 'True'));
    applyReadyEvent(s, 'ADDED', node('b', 'False'));
    expect(applyReadyEvent(s, 'BOOKMARK', node('a', 'False'))).toBeUndefined();
    expect(applyReadyEvent(s, 'DELETED', node('a', 'True'))).toMatchObject({ node: 'a', from: 'True', to: 'absent' });
    expect(s.get('b')).toBe('False');
  });
  it('readyStatus reads the Ready condition only', () => {
    expect(readyStatus(node('a', 'False'))).toBe('False');
    expect(readyStatus(node('a'))).toBe('absent');
  });
});

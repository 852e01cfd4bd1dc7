import { describe, expect, it } from 'vitest';
import { JsonLines } from './qmp.js';

describe('JsonLines', () => {
  it('splits messages across chunk boundaries', () => {
    const j = new JsonLines();
    expect(j.push('{"QMP": {"version"')).toEqual([]);
    expect(j.push(': 1}}\r\n{"return": {}, "id": "1"}\n{"event": "STOP"')).toEqual([{ QMP: { version: 1 } }, { return: {}, id: '1' }]);
    expect(j.push('}\n')).toEqual([{ event: 'STOP' }]);
  });
});

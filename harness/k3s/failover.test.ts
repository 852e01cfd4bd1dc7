import { describe, expect, it } from 'vitest';
import { chooseServer, connectionLost } from './failover.js';

describe('chooseServer: the host client stays on a live server and fails over to the next one', () => {
  const up = (name: string) => ({ name, status: 200, body: 'ok' });
  const down = (name: string) => ({ name, error: 'connect ECONNREFUSED 127.0.0.1:40001' });

  it('starts on the first answering server in start order', () => {
    expect(chooseServer([up('n100-1'), up('n100-2')]).name).toBe('n100-1');
    expect(chooseServer([down('n100-1'), up('n100-2'), up('n100-3')]).name).toBe('n100-2');
  });
  it('stays on the current server while it answers (no flapping back to the first)', () => {
    expect(chooseServer([up('n100-1'), up('n100-2')], 'n100-2').name).toBe('n100-2');
  });
  it('leaves a current server that is gone or unhealthy (etcd without quorum answers 500)', () => {
    const c = chooseServer([down('n100-1'), up('n100-2'), up('n100-3')], 'n100-1');
    expect(c).toMatchObject({ name: 'n100-2', why: expect.stringMatching(/n100-1 does not answer; failing over to n100-2/) });
    expect(chooseServer([{ name: 'n100-1', status: 500, body: '[-]etcd failed' }, up('n100-3')], 'n100-1').name).toBe('n100-3');
  });
  it('none answering: no choice, and every server state in the reason', () => {
    const c = chooseServer([down('n100-1'), { name: 'n100-2', status: 401, body: 'Unauthorized' }]);
    expect(c.name).toBeUndefined();
    expect(c.why).toMatch(/n100-1: connect ECONNREFUSED.*n100-2: HTTP 401 Unauthorized/);
  });
  it('connectionLost: refused, reset and slow calls are a lost server; an HTTP error is not', () => {
    expect(connectionLost(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(connectionLost(new Error('socket hang up'))).toBe(true);
    expect(connectionLost(new Error('API call took over 20 s'))).toBe(true);
    expect(connectionLost(new Error('HTTP-Code: 404 Message: Not Found'))).toBe(false);
  });
});

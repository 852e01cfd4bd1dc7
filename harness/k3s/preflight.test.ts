import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parsePreflight, preflightScript, PREFLIGHT_ITEMS } from './preflight.js';

describe('k3s preflight', () => {
  it('all items ok → nothing missing', () => {
    const out = PREFLIGHT_ITEMS.map((i) => `n3x-preflight ok ${i}`).join('\n');
    expect(parsePreflight(out)).toEqual({ ok: [...PREFLIGHT_ITEMS], missing: [] });
  });
  it('a missing item is named with its reason; an item that printed nothing counts as missing', () => {
    const out = PREFLIGHT_ITEMS.filter((i) => i !== 'sysctl:ip_forward' && i !== 'dev:kmsg').map((i) => `n3x-preflight ok ${i}`).join('\n');
    const r = parsePreflight(`${out}\nn3x-preflight missing sysctl:ip_forward is 0, needs 1\n`);
    expect(r.missing).toEqual(['sysctl:ip_forward: is 0, needs 1', 'dev:kmsg: not checked (script output incomplete)']);
  });
  it('the script is valid shell and checks every item', () => {
    execFileSync('bash', ['-n', '-c', preflightScript()]);
    for (const i of PREFLIGHT_ITEMS) expect(preflightScript()).toMatch(new RegExp(`(ok|no) ${i.replace(/:.*/, '')}`));
  });
});

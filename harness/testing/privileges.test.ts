import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeAsRoot, itAsRoot } from './privileges.js';

afterEach(() => vi.restoreAllMocks());

describe('root-only tests', () => {
  it('run as root under their own title', () => {
    vi.spyOn(process, 'getuid').mockReturnValue(0);
    expect(itAsRoot('the bridge backend')).toMatchObject({ run: true });
    expect(itAsRoot('the bridge backend').title('x')).toBe('x');
  });
  it('are skipped otherwise, with the reason in the title', () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    expect(itAsRoot('the bridge backend').run).toBe(false);
    expect(itAsRoot('the bridge backend').title('SIGINT (bridge)')).toBe('SIGINT (bridge) — skipped: the bridge backend needs root');
    expect(describeAsRoot('host links').title('on bridge')).toBe('on bridge — skipped: host links needs root');
  });
});

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testScratchDir } from '../harness/testing/scratch.js';

const script = fileURLToPath(new URL('./bench.sh', import.meta.url));

/**
 * ci/bench.sh with a stand-in `npm` first on PATH: it records its arguments and writes `{"run":2}` to N3X_BENCH_OUT,
 * as `npm run bench` writes its JSON there, then exits 1 when told to fail (a bench that wrote its JSON, then failed).
 */
function bench(opts: { baseline?: string; fail?: boolean } = {}) {
  const dir = testScratchDir('n3x-bench-sh-');
  mkdirSync(join(dir, 'bin'));
  const fake = `#!/bin/sh\necho "$@" > "${dir}/args"\necho '{"run":2}' > "$N3X_BENCH_OUT"\n${opts.fail ? 'exit 1\n' : ''}`;
  writeFileSync(join(dir, 'bin/npm'), fake, { mode: 0o755 });
  const baseline = join(dir, 'cache/bench.json');
  if (opts.baseline !== undefined) {
    mkdirSync(join(dir, 'cache'));
    writeFileSync(baseline, opts.baseline);
  }
  const env = { PATH: `${dir}/bin:${process.env.PATH}`, HOME: dir, N3X_BENCH_OUT: join(dir, 'artifacts/bench.json') };
  const r = spawnSync('bash', [script, baseline, '--no-arch'], { encoding: 'utf8', env });
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').trim() : undefined);
  return { status: r.status, stdout: r.stdout, baselinePath: baseline, args: read(join(dir, 'args')), out: read(env.N3X_BENCH_OUT), baseline: read(baseline) };
}

describe('ci/bench.sh', () => {
  it('compares with the restored baseline (--compare) and makes the new JSON the next baseline', () => {
    const r = bench({ baseline: '{"run":1}' });
    expect(r.status).toBe(0);
    expect(r.args).toBe(`run bench -- --compare ${r.baselinePath} --no-arch`);
    expect(r.out).toBe('{"run":2}');
    expect(r.baseline).toBe('{"run":2}');
  });

  it('without a baseline (first run, evicted cache) runs the bench without --compare, says so, and starts one', () => {
    const r = bench();
    expect(r.status).toBe(0);
    expect(r.args).toBe('run bench -- --no-arch');
    expect(r.stdout).toMatch(/no previous bench JSON at .*: nothing to compare with/);
    expect(r.baseline).toBe('{"run":2}');
  });

  it('fails with the bench and leaves the baseline as it was, even when the failed bench wrote its JSON', () => {
    const r = bench({ baseline: '{"run":1}', fail: true });
    expect(r.status).not.toBe(0);
    expect(r.baseline).toBe('{"run":1}');
  });
});

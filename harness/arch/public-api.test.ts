import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OTHER_TIME_SPELLING, publicNames } from './public-api.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const names = publicNames(root, ['harness/index.ts', 'harness/vitest.ts'].map((f) => `${root}${f}`));

describe('the public API (n3x-harness and n3x-harness/vitest)', () => {
  it('reaches the options of the Machine API, clusters, k3s waits and retryUntil', () => {
    const declares = (file: string, name: string) => names.some((x) => x.startsWith(`${file}:`) && x.endsWith(`: ${name}`));
    expect(declares('harness/machine/types.ts', 'timeout')).toBe(true); // TimeoutOpt
    expect(declares('harness/machine/types.ts', 'bootTimeout')).toBe(true); // MachineOptions
    expect(declares('harness/k3s/cluster.ts', 'timeout')).toBe(true); // K3sCluster's waits
    expect(declares('harness/retry.ts', 'interval')).toBe(true); // retryUntil
    expect(declares('harness/cluster/spec.ts', 'memoryMiB')).toBe(true); // ClusterOptions via NodeFields
  });

  it('spells time options `timeout` and `interval` (seconds), never with a unit (timeoutS, timeoutMs, intervalMs)', () => {
    expect(names.filter((n) => OTHER_TIME_SPELLING.test(n.split(': ')[1]))).toEqual([]);
  });
});

describe('the spelling rule', () => {
  it('flags unit suffixes and leaves timeout, interval, bootTimeout alone', () => {
    expect(['timeoutS', 'timeoutMs', 'intervalMs', 'maxIntervalMs', 'bootTimeoutSec'].filter((n) => OTHER_TIME_SPELLING.test(n))).toHaveLength(5);
    expect(['timeout', 'interval', 'bootTimeout', 'maxInterval', 'commandTimeout'].filter((n) => OTHER_TIME_SPELLING.test(n))).toEqual([]);
  });
});

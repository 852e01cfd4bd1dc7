import { describe, expect, it } from 'vitest';
import { checkpointInputs, checkpointKey, refusal, sourceBefore } from './key.js';

const file = ["import { it } from 'vitest';", 'const h = useCluster({ nodes: 3 });', "it('first', async () => {});", "it('second', async () => {", '  await x();', '});'].join('\n');
const cluster = { qemu: 'QEMU 8.2', nodes: [{ name: 'n100-1' }] };

describe('checkpoint keys', () => {
  it('take the source before the test: by its line, else by its name, else all of it', () => {
    expect(sourceBefore(file, 'second', 4)).toBe(file.split('\n').slice(0, 3).join('\n'));
    expect(sourceBefore(file, 'second')).toBe(file.split('\n').slice(0, 3).join('\n'));
    expect(sourceBefore(file, 'no such test')).toBe(file);
  });

  it("stay the same when the test's own body changes, and change with the set-up or an earlier test", () => {
    const key = (src: string) => checkpointKey(checkpointInputs(cluster, { file: 'f.test.ts', before: sourceBefore(src, 'second') }));
    expect(key(file.replace('await x();', 'await y();'))).toBe(key(file));
    expect(key(file.replace('nodes: 3', 'nodes: 4'))).not.toBe(key(file));
    expect(key(file.replace("it('first', async () => {});", "it('first', async () => { await z(); });"))).not.toBe(key(file));
  });

  it('refuse a changed input with the reason, and nothing when all are the same', () => {
    const saved = checkpointInputs(cluster, { file: 'f.test.ts', before: 'a' });
    expect(refusal(saved, checkpointInputs(cluster, { file: 'f.test.ts', before: 'a' }))).toBeUndefined();
    expect(refusal(saved, checkpointInputs(cluster, { file: 'f.test.ts', before: 'b' }))).toBe("the file's source before the test changed (its set-up or an earlier test)");
    expect(refusal(saved, checkpointInputs({ ...cluster, qemu: 'QEMU 9.0' }, { file: 'g.test.ts', before: 'a' }))).toBe('it was saved for f.test.ts, not g.test.ts; qemu changed');
  });
});

/**
 * Vitest's default order (failed first, then longest first), with the VM files that need the host to themselves
 * (SOLO_SCENARIOS) moved after the ones that may run side by side: with N3X_VM_JOBS > 1 the shared files fill
 * both workers first, and a solo file waits for at most one file beside it.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { SOLO_SCENARIOS } from './test-projects.js';

/** `files` with those in `solo` (paths relative to `root`) moved to the end, each group in its order. Pure. */
export function soloLast<T extends { moduleId: string }>(files: T[], root: string, solo: Record<string, string> = SOLO_SCENARIOS): T[] {
  const isSolo = (f: T) => relative(root, f.moduleId) in solo;
  return [...files.filter((f) => !isSolo(f)), ...files.filter(isSolo)];
}

export class VmSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return soloLast(await super.sort(files), this.ctx.config.root);
  }
}

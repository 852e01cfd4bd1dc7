/** Tests that need root (the bridge backend, host links): skipped with the reason in their title when not root. */
import { describe, it } from 'vitest';

export const isRoot = (): boolean => process.getuid?.() === 0;

const suffix = (what: string) => ` — skipped: ${what} needs root`;

/** `it` as root; otherwise a skipped `it`, with "skipped: <what> needs root" appended to the title. */
export function itAsRoot(what: string): { run: boolean; it: ReturnType<typeof it.skipIf>; title: (t: string) => string } {
  const run = isRoot();
  return { run, it: it.skipIf(!run), title: (t) => (run ? t : t + suffix(what)) };
}

/** `describe` as root; otherwise a skipped `describe`, with the reason appended to the title. */
export function describeAsRoot(what: string): { run: boolean; describe: ReturnType<typeof describe.skipIf>; title: (t: string) => string } {
  const run = isRoot();
  return { run, describe: describe.skipIf(!run), title: (t) => (run ? t : t + suffix(what)) };
}

/**
 * Vitest setup file of the unit and host projects: puts a folder first on PATH in which every host tool n3x
 * knows (ci/host-plan.mjs TOOLS) that the project may not use is a stand-in that fails naming the rule. So a unit
 * test that calls qemu-img fails here, where qemu-img exists, instead of first on a bare runner.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { TOOLS, wantedBy } from './host-plan.mjs';
import { PROJECT_NEEDS } from './test-projects.js';

const project = process.env.N3X_TEST_PROJECT as keyof typeof PROJECT_NEEDS | undefined;
if (!project || !(project in PROJECT_NEEDS)) throw new Error(`ci/shadow-host-tools.ts: N3X_TEST_PROJECT is '${project ?? ''}', not one of ${Object.keys(PROJECT_NEEDS).join(', ')} (set it in the project's env in vitest.config.ts)`);
const allowed = wantedBy(PROJECT_NEEDS[project]);
const dir = join(process.env.N3X_HOST_TMPDIR ?? tmpdir(), `n3x-shadowed-tools-${process.getuid?.() ?? 'u'}-${project}`);
if (!(process.env.PATH ?? '').split(delimiter).includes(dir)) {
  mkdirSync(dir, { recursive: true });
  for (const tool of Object.keys(TOOLS).filter((t) => allowed.has(t))) rmSync(join(dir, tool), { force: true }); // allowed since an earlier run
  for (const tool of Object.keys(TOOLS).filter((t) => !allowed.has(t))) {
    const msg = `n3x: the '${project}' test project may not run ${tool} (a host tool): move the test to a project whose CI job installs it (ci/test-projects.ts)`;
    const tmp = join(dir, `.${tool}.${process.pid}`);
    writeFileSync(tmp, `#!/bin/sh\necho "${msg}" >&2\nexit 127\n`, { mode: 0o755 });
    renameSync(tmp, join(dir, tool));
  }
  process.env.PATH = `${dir}${delimiter}${process.env.PATH ?? ''}`;
}

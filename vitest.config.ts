import { defineConfig } from 'vitest/config';
import { n3xReport } from './harness/report/reporter.js';
import { HOST_TESTS, UNIT_INCLUDE } from './ci/test-projects.js';
import { VmSequencer } from './ci/vm-sequencer.js';

// Three projects: unit (pure logic, nothing but node), host (host tools or root, no VM; ci/test-projects.ts) and
// VM scenarios: N3X_VM_JOBS files side by side (default 1), those in SOLO_SCENARIOS alone and last
// (scenarios/setup/slot.ts, ci/vm-sequencer.ts).
// Every run also writes artifacts/report/index.html (+ report.json): the n3x report, whatever --reporter says.
const report = n3xReport(); // in each project: inline projects do not inherit the root's plugins
const vmJobs = Math.max(1, Number(process.env.N3X_VM_JOBS ?? 1) || 1);
export default defineConfig({
  test: {
    sequence: { sequencer: VmSequencer },
    reporters: process.env.CI ? ['default', ['junit', { outputFile: 'artifacts/junit.xml' }]] : ['default'],
    projects: [
      {
        plugins: [report],
        test: {
          name: 'unit',
          include: UNIT_INCLUDE,
          exclude: HOST_TESTS,
          env: { N3X_TEST_PROJECT: 'unit' },
          globalSetup: ['ci/test-tmp-root.ts'],
          setupFiles: ['ci/test-tmp.ts', 'ci/shadow-host-tools.ts', 'ci/cold-cache.ts'],
          testTimeout: 30_000,
        },
      },
      {
        plugins: [report],
        test: {
          name: 'host',
          include: HOST_TESTS,
          env: { N3X_TEST_PROJECT: 'host' },
          globalSetup: ['ci/test-tmp-root.ts'],
          setupFiles: ['ci/test-tmp.ts', 'ci/shadow-host-tools.ts'],
          testTimeout: 60_000,
        },
      },
      {
        plugins: [report],
        test: {
          name: 'vm',
          include: ['scenarios/**/*.test.ts'],
          exclude: ['scenarios/lib/**'],
          pool: 'forks',
          fileParallelism: vmJobs > 1,
          maxWorkers: vmJobs,
          testTimeout: 600_000,
          hookTimeout: 900_000,
          globalSetup: ['scenarios/setup/global.ts'],
          setupFiles: ['scenarios/setup/slot.ts', 'harness/report/scope.ts'],
          includeTaskLocation: true, // a checkpoint's key holds the file's source before the test's line
        },
      },
    ],
  },
});

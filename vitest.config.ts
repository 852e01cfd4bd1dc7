import { defineConfig } from 'vitest/config';
import { n3xReport } from './harness/report/reporter.js';

// Two projects: fast unit tests of pure logic, and VM scenarios (one file at a time: 2 cores, TCG).
// Every run also writes artifacts/report/index.html (+ report.json): the n3x report, whatever --reporter says.
const report = n3xReport(); // in each project: inline projects do not inherit the root's plugins
export default defineConfig({
  test: {
    reporters: process.env.CI ? ['default', ['junit', { outputFile: 'artifacts/junit.xml' }]] : ['default'],
    projects: [
      {
        plugins: [report],
        test: {
          name: 'unit',
          include: ['harness/**/*.test.ts', 'profiles/**/*.test.ts', 'ci/**/*.test.ts', 'bench/**/*.test.ts', 'images/**/*.test.ts', 'scenarios/lib/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        plugins: [report],
        test: {
          name: 'vm',
          include: ['scenarios/**/*.test.ts'],
          exclude: ['scenarios/lib/**'],
          pool: 'forks',
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 600_000,
          hookTimeout: 900_000,
          globalSetup: ['scenarios/setup/global.ts'],
          setupFiles: ['harness/report/scope.ts'],
        },
      },
    ],
  },
});

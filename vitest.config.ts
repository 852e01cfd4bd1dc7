import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests of pure logic, and VM scenarios (one file at a time: 2 cores, TCG).
export default defineConfig({
  test: {
    reporters: process.env.CI ? ['default', ['junit', { outputFile: 'artifacts/junit.xml' }]] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['harness/**/*.test.ts', 'profiles/**/*.test.ts', 'ci/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'vm',
          include: ['scenarios/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 600_000,
          hookTimeout: 900_000,
          globalSetup: ['scenarios/setup/global.ts'],
        },
      },
    ],
  },
});

/**
 * Vitest setup file (vm project): test boundaries as harness events (a file begins, a test begins, ends or
 * fails), so that the recorder knows which file and test the following events belong to and records every
 * live cluster's last serial lines when a test fails (shown with the error in the report).
 */
import { afterEach, beforeAll, beforeEach } from 'vitest';
import { emit } from '../events.js';
import './record.js'; // the recorder listens from here on

// eslint-disable-next-line no-empty-pattern -- Vitest requires a destructuring pattern for the context
beforeAll(({}, suite) => emit({ kind: 'test', phase: 'begin', file: suite.file.filepath }));
beforeEach((ctx) => {
  emit({ kind: 'test', phase: 'begin', file: ctx.task.file.filepath, test: ctx.task.id });
  ctx.onTestFailed(() => emit({ kind: 'test', phase: 'fail', file: ctx.task.file.filepath, test: ctx.task.id }));
});
afterEach((ctx) => emit({ kind: 'test', phase: 'end', file: ctx.task.file.filepath, test: ctx.task.id }));

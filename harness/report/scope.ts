/**
 * Vitest setup file (vm project): tells the recorder which file and test the following events belong to,
 * and records every live cluster's last serial lines when a test fails (shown with the error in the report).
 */
import { afterEach, beforeAll, beforeEach } from 'vitest';
import { recordFailure, setScope } from './record.js';

// eslint-disable-next-line no-empty-pattern -- Vitest requires a destructuring pattern for the context
beforeAll(({}, suite) => setScope({ file: suite.file.filepath }));
beforeEach((ctx) => {
  setScope({ file: ctx.task.file.filepath, test: ctx.task.id });
  ctx.onTestFailed(() => recordFailure(ctx.task.id));
});
afterEach((ctx) => setScope({ file: ctx.task.file.filepath }));

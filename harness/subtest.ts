/** nixosTest's `with subtest(name)`: logs the step and prefixes any failure with its name. */
import { logger } from './log.js';

const log = logger('subtest');

export async function subtest<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  log.info(`▶ ${name}`);
  try {
    const r = await fn();
    log.info(`✔ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return r;
  } catch (e) {
    if (e instanceof Error) e.message = `subtest "${name}": ${e.message}`;
    throw e;
  }
}

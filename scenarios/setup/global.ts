/** Builds (or finds in the cache) the base image once, before any VM scenario file runs. */
import { ensureImage } from '../../harness/index.js';

export async function setup(): Promise<void> {
  await ensureImage();
}

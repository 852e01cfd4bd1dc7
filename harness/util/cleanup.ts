/**
 * Last-resort cleanup: synchronous actions run when the process exits or gets SIGINT/SIGTERM/SIGHUP, so a
 * Ctrl-C during boot or mid-test leaves no QEMU, TAP, bridge, switch or state dir behind. Normal teardown
 * unregisters its actions after doing them itself.
 */
const actions = new Map<number, () => void>();
let nextId = 1;
let installed = false;

function runAll(): void {
  for (const [id, fn] of [...actions.entries()].reverse()) {
    actions.delete(id);
    try {
      fn();
    } catch {
      /* best effort */
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (actions.size) process.stderr.write(`n3x: ${sig} — stopping machines and removing networks\n`);
      runAll();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Registers a synchronous cleanup action; returns a function that unregisters it. */
export function onExit(fn: () => void): () => void {
  install();
  const id = nextId++;
  actions.set(id, fn);
  return () => actions.delete(id);
}

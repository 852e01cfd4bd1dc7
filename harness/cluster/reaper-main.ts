/**
 * The reaper process (see reaper.ts). usage: reaper-main.ts <stateDir> <ownerPid> <ownerStartTicks>
 * Exits when told `stopped` or `kept` on stdin, when the state dir is gone, or when the cluster is marked kept;
 * otherwise, once the owner is gone (pipe closed and pid not running), it reaps the cluster and logs what it removed.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { sleep } from '../retry.js';
import { isRunning } from '../util/procs.js';
import { descriptorAt, reapClusterDir } from './reap.js';

const [dir, ownerArg, ticksArg] = process.argv.slice(2);
const owner = Number(ownerArg);
const ticks = ticksArg ? Number(ticksArg) : undefined;
const say = (s: string) => console.log(`${new Date().toISOString()} reaper ${process.pid} cluster ${basename(dir)}: ${s}`);

let verdict: string | undefined;
let eof = false;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (s: string) => {
  verdict = s.split('\n').find((l) => l === 'stopped' || l === 'kept') ?? verdict;
});
process.stdin.on('end', () => (eof = true));
process.stdin.on('error', () => (eof = true));

say(`watching for owner ${owner} (start ${ticks ?? '?'}, running: ${isRunning(owner, ticks)})`);
// A watch with no deadline: it lasts as long as the cluster does (each turn reads a few /proc files). The owner
// counts as gone when its pipe has closed and its pid no longer runs; should the pipe somehow stay open, a pid
// that has not run for 10 s in a row.
let goneSince: number | undefined;
for (;;) {
  if (verdict) process.exit(0);
  if (!existsSync(dir)) process.exit(0);
  goneSince = isRunning(owner, ticks) ? undefined : (goneSince ?? Date.now());
  if (goneSince !== undefined && (eof || Date.now() - goneSince > 10_000)) break;
  await sleep(eof ? 0.1 : 0.5);
}
if (verdict || !existsSync(dir)) process.exit(0);
if (descriptorAt(dir)?.state === 'kept') {
  say('owner gone, cluster kept on purpose: leaving it');
  process.exit(0);
}
say(`owner ${owner} gone (stdin ${eof ? 'closed' : 'open'}): reaping`);
const r = await reapClusterDir(dir);
say(`owner ${owner} gone; killed qemu [${r.qemus.join(' ')}], stopped vde_switch [${r.switches.join(' ')}], deleted links [${r.links.join(' ')}], removed ${dir}${r.survivors.length ? `; STILL RUNNING: ${r.survivors.join(' ')}` : ''}`);
process.exit(0);

/**
 * Boot-to-ready and succeed('true') round trips per guest architecture, in one run: one x86_64 and one aarch64
 * VM (the aarch64 one emulated on an x86_64 host), one after the other. bench/run.ts includes it;
 * `npx tsx bench/arch.ts [--arch aarch64] [--runs N]` runs it alone (JSON on stdout), which is how
 * harness/qemu/arch.ts EMULATION_FACTOR is measured.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureImage } from '../harness/images/cache.js';
import { debianRecipe, withArch } from '../harness/images/recipe.js';
import { Machine } from '../harness/machine/machine.js';
import { ARCHES, archProfile, cpuModel, EMULATION_FACTOR, parseArch, type Arch } from '../harness/qemu/arch.js';
import { detectAccel } from '../harness/accel.js';
import { stateRoot } from '../harness/util/paths.js';
import { spread, type Spread } from './roundtrip.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.floor(s.length / 2)].toFixed(2));
};

export interface ArchFigures {
  cpu: string;
  bootToReadyMs: number[];
  bootMedianMs: number;
  succeedTrue: Spread;
}

/** Boots one VM of `arch` `runs` times (fresh overlay each time) and times 100 round trips on the last boot. */
export async function measureArch(arch: Arch, runs = 1): Promise<ArchFigures> {
  const image = await ensureImage(withArch(debianRecipe, arch));
  const boots: number[] = [];
  const rt: number[] = [];
  for (let i = 0; i < runs; i++) {
    const m = new Machine({ name: `bench-${archProfile(arch).debian}`, arch, image, stateDir: join(stateRoot(), `bench-${arch}-${process.pid}-${i}`), bootTimeout: 900 });
    try {
      const t0 = performance.now();
      await m.start();
      boots.push(Math.round(performance.now() - t0));
      if (i === runs - 1) {
        for (let j = 0; j < 10; j++) await m.succeed('true'); // warm-up: translate the backdoor's code once
        for (let j = 0; j < 100; j++) {
          const t = performance.now();
          await m.succeed('true');
          rt.push(performance.now() - t);
        }
      }
    } finally {
      await m.destroy();
    }
  }
  return { cpu: cpuModel(arch, detectAccel().accel), bootToReadyMs: boots, bootMedianMs: median(boots), succeedTrue: spread(rt) };
}

/** Every requested architecture's figures and, with both, the measured boot factor next to the recorded one. */
export async function measureArches(arches: Arch[] = [...ARCHES], runs = 1): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const a of arches) out[a] = await measureArch(a, runs);
  const x = out.x86_64 as ArchFigures | undefined;
  const arm = out.aarch64 as ArchFigures | undefined;
  if (x && arm) out.bootFactor = { measured: Number((arm.bootMedianMs / x.bootMedianMs).toFixed(2)), recorded: EMULATION_FACTOR };
  return out;
}

/** `--arch A` (repeatable; default both) from an argv. */
export function archesFromArgs(argv: string[]): Arch[] {
  const given = argv.flatMap((a, i) => (argv[i - 1] === '--arch' ? [parseArch(a, '--arch')] : []));
  return given.length ? [...new Set(given)] : [...ARCHES];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const runs = Number(argv[argv.indexOf('--runs') + 1] || 1);
  console.log(JSON.stringify(await measureArches(archesFromArgs(argv), argv.includes('--runs') ? runs : 1), null, 2));
}

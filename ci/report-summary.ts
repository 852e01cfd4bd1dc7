/**
 * Writes a short Markdown summary of run reports to $GITHUB_STEP_SUMMARY (stdout when unset), for the GitHub
 * job page: counts, one row per file, each failure with its first error lines and serial tail, skip reasons.
 * usage: npx tsx ci/report-summary.ts [report.json …]   (default: every artifacts/**\/report/report.json)
 */
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReportData } from '../harness/report/model.js';

/** Keeps the summary well under GitHub's 1 MiB per step. */
export const SUMMARY_MAX = 60_000;

const fence = (lines: string[]) => ['```', ...lines.map((l) => l.replace(/```/g, "'''")), '```'];
const secs = (ms?: number) => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);

/** The Markdown for one report. */
export function summaryMarkdown(r: ReportData, artifact?: string): string {
  const c = r.counts;
  const icon = c.failed || c.fileErrors ? '❌' : '✅';
  const out = [`### ${icon} n3x: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped${c.fileErrors ? `, ${c.fileErrors} file error(s)` : ''} (${secs(r.durationMs)})`, ''];
  out.push('| file | state | passed | failed | skipped | duration |', '|---|---|---|---|---|---|');
  for (const f of r.files) {
    const n = (s: string) => f.tests.filter((t) => t.state === s).length;
    out.push(`| \`${f.relFile}\` | ${f.state} | ${n('passed')} | ${n('failed')} | ${n('skipped')} | ${secs(f.durationMs)} |`);
  }
  for (const f of r.files) {
    for (const e of f.errors) out.push('', `**${f.relFile}**: error outside the tests`, ...fence((e.stack ?? e.message).split('\n').slice(0, 15)));
    for (const t of f.tests.filter((x) => x.state === 'failed')) {
      out.push('', `**failed: ${t.fullName}** (\`${f.relFile}\`)`, ...fence(t.errors.flatMap((e) => (e.stack ?? e.message).split('\n')).slice(0, 15)));
      for (const s of t.serialTails.slice(0, 3)) out.push(`serial tail of ${s.machine}:`, ...fence(s.lines.slice(-10)));
    }
    const skipped = f.tests.filter((x) => x.state === 'skipped' && x.skipNote);
    if (skipped.length) out.push('', ...skipped.map((t) => `- skipped: ${t.fullName}: ${t.skipNote}`));
  }
  out.push('', `Full report (topology, boot timelines, every command, serial logs): \`report/index.html\`${artifact ? ` in the \`${artifact}\` artifact` : ''}.`);
  const md = out.join('\n');
  return md.length > SUMMARY_MAX ? `${md.slice(0, SUMMARY_MAX)}\n\n…(summary cut; see the report)\n` : `${md}\n`;
}

/** report.json files under a dir (artifacts/report/report.json, artifacts/<scenario>/report/report.json). */
export function findReports(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith(join('report', 'report.json'))).sort().map((p) => join(dir, p));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = process.argv.length > 2 ? process.argv.slice(2) : findReports('artifacts');
  if (!files.length) console.error('report-summary: no report.json found (did the run start?)');
  const md = files.map((f) => summaryMarkdown(JSON.parse(readFileSync(f, 'utf8')) as ReportData, process.env.N3X_REPORT_ARTIFACT)).join('\n');
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, md);
  else process.stdout.write(md);
}

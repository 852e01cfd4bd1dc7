/** `n3x checkpoints list|prune` and `n3x attach --checkpoint <id>`: a failed test's cluster, as it was before the test. */
import type { Command } from 'commander';
import { age } from '../cluster/snapshot.js';
import { openRepl } from '../repl/repl.js';
import { Replay } from '../rewind/replay.js';
import { openCheckpoint } from '../rewind/restore.js';
import { stepList } from '../rewind/steps.js';
import { checkpointRoot, listCheckpoints, mb, removeCheckpoint } from '../rewind/store.js';
import { ConfigError } from '../errors.js';

export function checkpointsCommand(program: Command): void {
  const cmd = program.command('checkpoints').description('list and prune the checkpoints taken before tests (N3X_CHECKPOINTS=each-test)');
  cmd
    .command('list')
    .description('list checkpoints: id, the test it was taken before, how that test went, age, disk used')
    .action(() => {
      const l = listCheckpoints();
      if (!l.length) return console.log(`no checkpoints in ${checkpointRoot()}`);
      for (const s of l) console.log(`${s.record.id}  ${s.record.status.padEnd(7)}  ${age(s.record.createdAt).padEnd(11)}  ${mb(s.bytes).padStart(9)}  ${s.record.file} › ${s.record.test}`);
      console.log(`${l.length} checkpoint(s), ${mb(l.reduce((a, s) => a + s.bytes, 0))} in ${checkpointRoot()}; rewind a failed test: npx n3x attach --checkpoint <id>`);
    });
  cmd
    .command('prune')
    .description('remove checkpoints (all, or older than --older-than hours; --keep-failed spares failed tests\')')
    .option('--older-than <hours>', 'only checkpoints older than this many hours', '0')
    .option('--keep-failed', 'keep the checkpoints of failed tests')
    .action((o: { olderThan: string; keepFailed?: boolean }) => {
      const hours = Number(o.olderThan);
      if (!Number.isFinite(hours) || hours < 0) throw new ConfigError('--older-than', `'${o.olderThan}' is not a number of hours`, 'give hours ≥ 0, e.g. --older-than 24');
      const gone = listCheckpoints().filter((s) => Date.now() - Date.parse(s.record.createdAt) >= hours * 3600_000 && !(o.keepFailed && s.record.status === 'failed'));
      for (const s of gone) removeCheckpoint(s.record.id);
      console.log(gone.length ? `removed ${gone.length} checkpoint(s), ${mb(gone.reduce((a, s) => a + s.bytes, 0))}` : 'nothing to prune');
    });
}

/** Restores checkpoint `id` into a new cluster and opens the REPL on it with the test's steps and `.replay`. */
export async function openCheckpointRepl(id: string, onExit: 'stop' | 'detach'): Promise<void> {
  const { cluster, record } = await openCheckpoint(id);
  const steps = record.steps ?? [];
  const replay = new Replay(cluster, steps, record.failedAt, (l) => process.stdout.write(`${l}\n`));
  const banner = [
    `n3x: restored checkpoint ${id} (${age(record.createdAt)}): the cluster as it was right before test '${record.test}' of ${record.file} (${record.status})`,
    ...(record.error ? [`the test failed with: ${record.error.split('\n')[0]}`] : []),
    record.steps ? stepList(steps, record.failedAt) : '(no steps recorded: the test had not ended when the checkpoint was last written)',
    '.steps lists them again; .replay runs them one by one up to where the original failed (.replay 3: up to step 3)',
  ].join('\n');
  await openRepl(cluster, {
    onExit,
    banner,
    commands: {
      steps: { help: "List the test's recorded steps", action: (_arg, write) => write(stepList(steps, record.failedAt)) },
      replay: {
        help: 'Replay the recorded steps up to where the original failed, or up to step n: .replay [n]',
        action: async (arg) => {
          const n = arg ? Number(arg) : undefined;
          if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new ConfigError('.replay', `'${arg}' is not a step number`, `give 1 … ${steps.length}`);
          await replay.run(n);
        },
      },
    },
  });
}

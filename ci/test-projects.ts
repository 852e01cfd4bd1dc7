/**
 * Which vitest project a test file belongs to, and what each non-VM project may use from the host. The unit
 * project needs nothing but node (and what every runner has: git, openssl, coreutils); a test that needs a host
 * tool or root goes to `host`, whose CI job installs its NEEDS groups (ci/host-plan.mjs) and runs it with sudo.
 * Each project's tests run with every other host tool shadowed by a failing stand-in (ci/shadow-host-tools.ts).
 */
import type { Need } from './host-plan.mjs';

/**
 * Tests that need host tools or root, not VMs: qcow2 files (qemu-img), host links (ip, as root), Nix's parser,
 * and node-pty (built by npm ci with make/g++/python3; the unit job installs with --ignore-scripts).
 */
export const HOST_TESTS = ['harness/arch/install.test.ts', 'harness/images/disks.test.ts', 'harness/cluster/registry.test.ts', 'images/nixos/contract.test.ts', 'harness/console/backdoor.test.ts', 'harness/network/vde.test.ts'];

/** The unit project: everything outside scenarios/ but the host tests. */
export const UNIT_INCLUDE = ['harness/**/*.test.ts', 'profiles/**/*.test.ts', 'ci/**/*.test.ts', 'bench/**/*.test.ts', 'images/**/*.test.ts', 'scenarios/lib/**/*.test.ts'];

/** The host groups (ci/host-plan.mjs NEEDS) each non-VM project's tests may use; none for unit. */
export const PROJECT_NEEDS: Record<'unit' | 'host', Need[]> = { unit: [], host: ['npm', 'host-tests'] };

/**
 * VM scenario files that need the host to themselves when files run side by side (N3X_VM_JOBS > 1), and why: they
 * hold the VM slot exclusively (harness/testing/slot.ts) and run after the others (ci/vm-sequencer.ts).
 */
export const SOLO_SCENARIOS: Record<string, string> = {
  'scenarios/boot-race.test.ts': 'loads every host core on purpose',
  'scenarios/etcd-ha.test.ts': 'a new leader within a wall-clock bound',
  'scenarios/k3s-rehearsal.test.ts': 'four VMs at k3s sizes against budgets from the accelerator',
  'scenarios/mixed-arch.test.ts': 'an emulated aarch64 guest takes a core',
  'scenarios/nemesis-etcd.test.ts': "client timeouts decide an operation's outcome",
  'scenarios/netem-resilience.test.ts': 'a write latency bound',
  'scenarios/network-simple.test.ts': 'ping RTTs compared with netem delays (±20 %)',
  'scenarios/network-vlans.test.ts': 'ping RTTs compared with netem delays (±20 %)',
  'scenarios/network-bonding-vlans.test.ts': 'ping RTTs compared with netem delays (±20 %)',
  'scenarios/network-lacp.test.ts': 'LACP timers and 20/20 pings across a failed port',
  'scenarios/reaper.test.ts': "kills a runner and counts the host's processes",
  'scenarios/reliability.test.ts': "counts the host's QEMU and VDE processes",
  'scenarios/repl.test.ts': "looks for the host's QEMU processes by state dir",
  'scenarios/smoke.test.ts': 'a killed QEMU fails the pending call within 5 s',
  'scenarios/snapshots.test.ts': "a restored guest's clock within 1 s of the host's, an etcd write within 10 s (failed beside another file on 2 cores)",
};

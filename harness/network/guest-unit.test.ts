import { describe, expect, it } from 'vitest';
import { networkUnitCommand } from './guest-unit.js';

describe('the network set-up unit', () => {
  const cmd = networkUnitCommand("set -e\nip -batch - <<'IPCMDS'\nlink set eth1 up\nIPCMDS");

  it('writes the script, then runs it as a oneshot ordered before network.target and network-online.target, which it pulls in', () => {
    expect(cmd).toContain("cat > /run/n3x/network.sh <<'END_OF_NETWORK_SCRIPT'\nset -e\nip -batch - <<'IPCMDS'\nlink set eth1 up\nIPCMDS\nEND_OF_NETWORK_SCRIPT\n");
    expect(cmd).toMatch(/systemd-run --quiet --unit=n3x-network\.service /);
    const run = cmd.split('\n').find((l) => l.startsWith('systemd-run '))!;
    const props = [...run.matchAll(/--property=(\S+)/g)].map((m) => m[1]);
    expect(props).toEqual(['Type=oneshot', 'RemainAfterExit=yes', 'DefaultDependencies=no', 'Wants=network.target', 'Wants=network-online.target', 'Before=network.target', 'Before=network-online.target']);
    expect(run).toMatch(/^systemd-run --quiet --unit=n3x-network\.service --description='[^']*'( --property=\S+)+ bash \/run\/n3x\/network\.sh \|\|$/); // every property one word
    expect(cmd).toMatch(/bash \/run\/n3x\/network\.sh \|\|\n {2}\{ journalctl -u n3x-network\.service .* >&2; exit 1; \}$/);
  });

  it('runs under bash -n (the heredocs close)', async () => {
    const { execa } = await import('execa');
    expect((await execa('bash', ['-n'], { input: cmd, reject: false })).exitCode).toBe(0);
  });
});

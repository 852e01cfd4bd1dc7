/**
 * What can be checked of images/nixos here, where Nix cannot build NixOS: every .nix file parses, and the
 * module, evaluated with stand-ins for nixpkgs' lib and pkgs, gives the backdoor unit and script of the built-in
 * image (images/debian/overlay) plus the contract's modules, console and network settings.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const overlay = join(here, '../debian/overlay');
const hasNix = spawnSync('nix-instantiate', ['--version'], { stdio: 'ignore' }).status === 0;
// Skipped without Nix on a developer's machine; in CI (CI=true) the host project's job installs it, so it fails there.
const title = (t: string) => (hasNix ? t : `${t} — skipped: nix-instantiate missing (apt-get install nix-bin, or bash ci/setup.sh)`);

/**
 * Parsing and evaluating need no Nix store: Nix's `dummy://` store opens nothing under /nix, so no build users
 * ('nixbld' group), no daemon and no root (the local store warns without the group and, as non-root, fails
 * creating /nix/var/nix/profiles/per-user). The same for root and every user, on any machine with nix-bin.
 */
const NIX_ARGS = ['--store', 'dummy://'];
const nix = (args: string[]) => spawnSync('nix-instantiate', [...NIX_ARGS, ...args], { cwd: here, encoding: 'utf8' });
const evalJson = (expr: string): any => JSON.parse(execFileSync('nix-instantiate', [...NIX_ARGS, '--eval', '--strict', '--json', '--expr', expr], { cwd: here, encoding: 'utf8' }));

/** A systemd unit file as { Section: { Key: value } } (values as written). */
function parseUnit(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = '';
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (!l || l.startsWith('#')) continue;
    const s = /^\[(\w+)\]$/.exec(l);
    if (s) out[(section = s[1])] = {};
    else {
      const [k, ...v] = l.split('=');
      out[section][k] = v.join('=');
    }
  }
  return out;
}

/** NixOS's rendering of unit values: true/false → yes/no (systemd reads both), numbers and lists as text. */
const render = (v: unknown): string => (v === true ? 'yes' : v === false ? 'no' : Array.isArray(v) ? v.join(' ') : String(v));

/** The NixOS service attrs as the unit file NixOS writes, in the same { Section: { Key } } shape. */
function asUnit(svc: any): Record<string, Record<string, string>> {
  const unit = Object.fromEntries(Object.entries(svc.unitConfig).map(([k, v]) => [k, render(v)]));
  return {
    Unit: { Description: svc.description, ...unit, After: render(svc.after) },
    Service: Object.fromEntries(Object.entries(svc.serviceConfig).map(([k, v]) => [k, render(v)])),
    Install: { WantedBy: render(svc.wantedBy) },
  };
}
const normalize = (u: Record<string, Record<string, string>>) =>
  Object.fromEntries(Object.entries(u).map(([s, kv]) => [s, Object.fromEntries(Object.entries(kv).map(([k, v]) => [k, v === 'true' ? 'yes' : v === 'false' ? 'no' : v]))]));

// The module with stand-ins: lib.mkDefault is the identity, pkgs.writeScript returns a fake store path.
const stubbed = `
  let m = import ./module.nix {
    config = {}; lib = { mkDefault = x: x; };
    pkgs = { bash = "/nix/store/bash"; iproute2 = "iproute2"; iputils = "iputils"; procps = "procps";
             writeScript = name: text: { inherit name text; }; };
  };
      bd = m.systemd.services.n3x-backdoor;
  in m // { systemd = m.systemd // { services = m.systemd.services // { n3x-backdoor = bd // {
    serviceConfig = bd.serviceConfig // { ExecStart = "/usr/lib/n3x/backdoor.sh"; }; }; }; }; }`;

describe.skipIf(!hasNix && !process.env.CI)(title('images/nixos (NixOS path: parsed and evaluated here, never built)'), () => {
  it('every .nix file parses', () => {
    const files = readdirSync(here).filter((f) => f.endsWith('.nix'));
    expect(files).toEqual(expect.arrayContaining(['flake.nix', 'module.nix', 'image.nix', 'backdoor-unit.nix', 'backdoor-script.nix']));
    for (const f of files) {
      const r = nix(['--parse', f]);
      expect({ status: r.status, stderr: r.stderr }, f).toEqual({ status: 0, stderr: '' });
    }
  });

  it("the module's backdoor unit is the built-in image's n3x-backdoor.service, key by key", () => {
    const debian = normalize(parseUnit(readFileSync(join(overlay, 'etc/systemd/system/n3x-backdoor.service'), 'utf8')));
    const nixos = normalize(asUnit(evalJson(`(${stubbed}).systemd.services.n3x-backdoor`)));
    expect(nixos).toEqual(debian);
  });

  it('its ExecStart is the built-in backdoor.sh with only the interpreter and PATH changed', () => {
    const debian = readFileSync(join(overlay, 'usr/lib/n3x/backdoor.sh'), 'utf8');
    const script = evalJson(`let s = import ./backdoor-script.nix { bash = "/bin/bash"; path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"; }; in s`);
    expect(script).toBe(debian);
    const m = evalJson(`let m = import ./module.nix { config = {}; lib = { mkDefault = x: x; }; pkgs = { bash = "/nix/store/bash"; iproute2 = ""; iputils = ""; procps = ""; writeScript = name: text: text; }; }; in m.systemd.services.n3x-backdoor.serviceConfig.ExecStart`);
    const changed = m.split('\n').filter((l: string, i: number) => l !== debian.split('\n')[i]);
    expect(changed).toEqual(['#!/nix/store/bash/bin/bash', 'export LC_ALL=C HOME=/root TERM=dumb PATH=/run/wrappers/bin:/run/current-system/sw/bin']);
  });

  it('modules, serial console, kernel NIC names, no DHCP or default route, as CONTRACT.md lists', () => {
    const m = evalJson(`let m = ${stubbed}; in { inherit (m) boot networking; gettys = map (t: m.systemd.services."serial-getty@\${t}".enable) [ "hvc0" "hvc1" "ttyS0" ]; }`);
    expect(m.gettys).toEqual([false, false, false]); // enable = false masks the unit (a getty's vhangup on hvc0 kills the backdoor)
    expect(m.boot.initrd.kernelModules).toContain('virtio_console');
    expect(m.boot.kernelModules).toEqual(expect.arrayContaining(['8021q', 'bonding', '9p', '9pnet_virtio']));
    expect(m.boot.extraModprobeConfig).toBe(readFileSync(join(overlay, 'etc/modprobe.d/n3x-bonding.conf'), 'utf8').trim());
    expect(m.boot.kernelParams).toEqual(expect.arrayContaining(['console=ttyS0,115200', 'panic=-1']));
    expect(m.networking).toMatchObject({ usePredictableInterfaceNames: false, useDHCP: false, defaultGateway: null });
    expect(m.boot.kernel.sysctl['kernel.panic']).toBe(-1);
  });
});

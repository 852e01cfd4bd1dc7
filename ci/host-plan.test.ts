import { describe, expect, it } from 'vitest';
import { ALL_NEEDS, distroOf, FILES, hostPlan, packagesFor, parseNeeds, TOOLS, wantedBy, type HostFacts } from './host-plan.mjs';

const debian = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';
const ubuntu = 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n';
const mint = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n';
const fedora = 'NAME="Fedora Linux"\nID=fedora\n';

/** A fresh CI runner: nothing installed, no Debian keyring, universe enabled (as on GitHub's images). */
function facts(over: Partial<HostFacts>): HostFacts {
  return { osRelease: debian, uid: 0, passwordlessSudo: false, missingTools: ['qemu-system-x86_64', 'mmdebstrap', 'vde_switch', 'newuidmap'], keyring: true, universe: true, imageCached: false, userns: true, appArmorUserns: false, subids: true, user: 'dev', ...over };
}

const install = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends'];

describe('hostPlan: the commands a Debian or Ubuntu host runs', () => {
  it('reads the distro from /etc/os-release (ID, then ID_LIKE)', () => {
    expect([debian, ubuntu, mint, fedora].map(distroOf)).toEqual(['debian', 'ubuntu', 'ubuntu', undefined]);
  });

  it("Debian as root: apt-get update and install, keyring already there, uidmap too (a non-root user's rootless build needs it after root's set-up)", () => {
    expect(hostPlan(facts({}))).toEqual({
      distro: 'debian',
      packages: ['qemu-system-x86', 'mmdebstrap', 'vde2', 'uidmap'],
      commands: [['apt-get', 'update', '-qq'], [...install, 'qemu-system-x86', 'mmdebstrap', 'vde2', 'uidmap']],
    });
  });

  it('Ubuntu as root: installs the Debian archive keyring (universe) that mmdebstrap is given with --keyring', () => {
    expect(hostPlan(facts({ osRelease: ubuntu, keyring: false }))).toEqual({
      distro: 'ubuntu',
      packages: ['qemu-system-x86', 'mmdebstrap', 'vde2', 'uidmap', 'debian-archive-keyring'],
      commands: [['apt-get', 'update', '-qq'], [...install, 'qemu-system-x86', 'mmdebstrap', 'vde2', 'uidmap', 'debian-archive-keyring']],
    });
  });

  it('Ubuntu without universe: enables it the Ubuntu way first', () => {
    expect(hostPlan(facts({ osRelease: ubuntu, keyring: false, missingTools: [], universe: false })).commands).toEqual([
      [...install, 'software-properties-common'],
      ['add-apt-repository', '-y', 'universe'],
      ['apt-get', 'update', '-qq'],
      [...install, 'debian-archive-keyring'],
    ]);
  });

  it('non-root with passwordless sudo: the same commands through sudo -n, plus uidmap for the rootless build', () => {
    for (const osRelease of [debian, ubuntu]) {
      const p = hostPlan(facts({ osRelease, uid: 1000, passwordlessSudo: true, keyring: osRelease === debian }));
      expect(p.commands[0]).toEqual(['sudo', '-n', 'apt-get', 'update', '-qq']);
      expect(p.commands[1].slice(0, 3)).toEqual(['sudo', '-n', 'env']);
      expect(p.packages).toContain('uidmap');
      expect(p.packages.includes('debian-archive-keyring')).toBe(osRelease === ubuntu);
    }
  });

  it('non-root without sudo: nothing to run when all is installed, else an error naming the apt-get command', () => {
    expect(hostPlan(facts({ uid: 1000, missingTools: [] }))).toEqual({ distro: 'debian', packages: [], commands: [] });
    const p = hostPlan(facts({ osRelease: ubuntu, uid: 1000, keyring: false, universe: false }));
    expect(p.commands).toEqual([]);
    expect(p.error).toMatch(/not root \(no passwordless sudo\): run `sudo apt-get install qemu-system-x86 mmdebstrap vde2 uidmap debian-archive-keyring` \(after `sudo add-apt-repository universe`\)/);
  });

  it('non-root without a cached image: names each missing rootless prerequisite and its fix', () => {
    const p = hostPlan(facts({ osRelease: ubuntu, uid: 1000, missingTools: [], userns: false, appArmorUserns: true, subids: false }));
    expect(p.error).toMatch(/not root.*kernel\.unprivileged_userns_clone=1.*apparmor_restrict_unprivileged_userns=0.*usermod --add-subuids 100000-165535 --add-subgids 100000-165535 dev/);
    expect(hostPlan(facts({ uid: 1000, missingTools: [], subids: false, imageCached: true })).error).toBeUndefined();
    expect(hostPlan(facts({ uid: 0, missingTools: [], subids: false, userns: false })).error).toBeUndefined();
  });

  it('aarch64 machines: the emulator, qemu-user + binfmt + arch-test for the arm64 build, and the UEFI firmware file', () => {
    const p = hostPlan(facts({ missingTools: ['qemu-system-aarch64', 'qemu-aarch64-static', 'update-binfmts', 'arch-test'], missingFiles: ['/usr/share/AAVMF/AAVMF_CODE.fd'] }));
    expect(p.packages).toEqual(['qemu-system-arm', 'qemu-user-static', 'binfmt-support', 'arch-test', 'qemu-efi-aarch64']);
    expect(p.commands.at(-1)).toEqual([...install, 'qemu-system-arm', 'qemu-user-static', 'binfmt-support', 'arch-test', 'qemu-efi-aarch64']);
  });

  it('refuses other distributions with the packages to install', () => {
    expect(hostPlan(facts({ osRelease: fedora })).error).toMatch(/neither Debian nor Ubuntu: install qemu-system-x86, .*debian-archive-keyring/);
  });
});

describe('the report browser', () => {
  it('images you bring: partitioning, FAT and firmware packages and nix-bin; a firmware file counts as missing by its path', () => {
    const p = hostPlan(facts({ missingTools: ['sfdisk', 'mkfs.vfat', 'mcopy', 'nix-instantiate'], missingFiles: ['/usr/share/OVMF/OVMF_CODE_4M.fd'] }));
    expect(p.packages).toEqual(['fdisk', 'dosfstools', 'mtools', 'nix-bin', 'ovmf']);
    expect(p.commands.at(-1)).toEqual([...install, 'fdisk', 'dosfstools', 'mtools', 'nix-bin', 'ovmf']);
  });

  it('Debian installs chromium; Ubuntu (a snap stub there) does not', () => {
    const deb = hostPlan({ osRelease: 'ID=debian\n', uid: 0, passwordlessSudo: false, missingTools: ['chromium'], keyring: true });
    expect(deb.packages).toEqual(['chromium']);
    const ubu = hostPlan({ osRelease: 'ID=ubuntu\nID_LIKE=debian\n', uid: 0, passwordlessSudo: false, missingTools: ['chromium'], keyring: true, universe: true });
    expect(ubu.packages).toEqual([]);
  });
});

describe('NEEDS: a job installs only what its work needs', () => {
  const everything = { missingTools: Object.keys(TOOLS), missingFiles: Object.keys(FILES), keyring: false };

  it('every command and firmware file n3x checks for belongs to a group (npm start installs them all)', () => {
    const grouped = wantedBy(ALL_NEEDS);
    expect([...Object.keys(TOOLS), ...Object.keys(FILES)].filter((t) => !grouped.has(t))).toEqual([]);
  });

  it('N3X_APT_CACHE: apt keeps its downloads in that directory, which goes back to the sudo user afterwards', () => {
    const p = hostPlan(facts({ aptCache: '/home/runner/.cache/n3x-apt', owner: '1001:118' }), ['vm']);
    expect(p.commands).toEqual([
      ['mkdir', '-p', '/home/runner/.cache/n3x-apt/partial'],
      ['apt-get', 'update', '-qq'],
      [...install, '-o', 'Dir::Cache::Archives=/home/runner/.cache/n3x-apt', '-o', 'APT::Keep-Downloaded-Packages=true', 'qemu-system-x86', 'vde2'],
      ['chown', '-R', '1001:118', '/home/runner/.cache/n3x-apt'],
    ]);
    expect(hostPlan(facts({}), ['vm']).commands.flat()).not.toContain('-o');
  });

  it('vm, nixos and host-tests on a bare runner: their packages and nothing else', () => {
    expect(hostPlan(facts(everything), ['vm']).packages).toEqual(['qemu-system-x86', 'qemu-utils', 'vde2', 'iproute2']);
    expect(hostPlan(facts(everything), ['nixos']).packages).toEqual(['nix-bin']);
    expect(hostPlan(facts(everything), ['host-tests']).packages).toEqual(['qemu-utils', 'vde2', 'iproute2', 'tar', 'nix-bin']);
    expect(packagesFor(['aarch64'])).toEqual(['qemu-system-arm', 'qemu-user-static', 'binfmt-support', 'arch-test', 'qemu-efi-aarch64']);
  });

  it('the rootless prerequisites are checked only when the job builds an image', () => {
    const noUserns = facts({ uid: 1000, passwordlessSudo: true, userns: false });
    expect(hostPlan(noUserns, ['vm']).error).toBeUndefined();
    expect(hostPlan(noUserns, ['image']).error).toMatch(/unprivileged user namespaces/);
  });

  it('an unknown group is refused with the known ones', () => {
    expect(parseNeeds('vm, nixos')).toEqual(['vm', 'nixos']);
    expect(() => parseNeeds('vm,nixso')).toThrow(/unknown host need\(s\) nixso: use npm, image, vm/);
  });
});

# systemd.services.n3x-backdoor: the unit of the built-in image (images/debian/overlay/etc/systemd/system/
# n3x-backdoor.service) as NixOS options. Pure (no nixpkgs): images/nixos/contract.test.ts compares it, key by key,
# with the Debian unit file.
{ execStart }:
{
  description = "n3x backdoor root shell on /dev/hvc0 (host-side unix socket only)";
  after = [ "systemd-journald.socket" ];
  wantedBy = [ "sysinit.target" ];
  unitConfig = {
    DefaultDependencies = false;
    StartLimitIntervalSec = 0;
    IgnoreOnIsolate = true;
  };
  serviceConfig = {
    Type = "simple";
    ExecStart = execStart;
    StandardInput = "tty-force";
    StandardOutput = "inherit";
    StandardError = "journal+console";
    TTYPath = "/dev/hvc0";
    TTYReset = true;
    TTYVHangup = false;
    Restart = "always";
    RestartSec = "200ms";
    KillMode = "process";
  };
}

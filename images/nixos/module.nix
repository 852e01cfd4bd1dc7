# The n3x guest contract (images/CONTRACT.md) as a NixOS module: import it into a host configuration and the
# n3x harness can boot that configuration and drive it (backdoor on /dev/hvc0, output port n3x.out, modules,
# serial console, kernel NIC names, no default route). UNTESTED on this project's machines: see README.md.
{ config, lib, pkgs, ... }:
let
  backdoor = pkgs.writeScript "n3x-backdoor" (import ./backdoor-script.nix {
    bash = "${pkgs.bash}/bin/bash";
    path = "/run/wrappers/bin:/run/current-system/sw/bin";
  });
in
{
  systemd.services.n3x-backdoor = import ./backdoor-unit.nix { execStart = "${backdoor}"; };

  # No getty on the harness's consoles (systemd-getty-generator starts one on every virtio console: on hvc0 its
  # vhangup kills the backdoor; hvc1 is the REPL's .shell), nor a login prompt in the serial log (ttyS0).
  systemd.services."serial-getty@hvc0".enable = false;
  systemd.services."serial-getty@hvc1".enable = false;
  systemd.services."serial-getty@ttyS0".enable = false;

  # virtio_console early: /dev/hvc0, /dev/hvc1 and the n3x.out port exist before the backdoor starts.
  boot.initrd.availableKernelModules = [ "virtio_pci" "virtio_blk" "virtio_net" "virtio_rng" ];
  boot.initrd.kernelModules = [ "virtio_console" ];
  # VLANs and bonds for the vlans / bonding-vlans profiles; 9p for the shared directory (file transfers).
  boot.kernelModules = [ "8021q" "bonding" "9p" "9pnet_virtio" ];
  boot.extraModprobeConfig = "options bonding max_bonds=0";
  boot.kernelParams = [ "console=ttyS0,115200" "panic=-1" ];
  boot.kernel.sysctl = {
    "net.ipv4.ip_forward" = 1;
    "kernel.panic" = -1;
    "kernel.printk" = "4 4 1 7";
  };
  # eth0 = management NIC (127.0.0.1 forwards only), eth1 … = the profile's data NICs; the harness configures them.
  networking.usePredictableInterfaceNames = false;
  networking.useDHCP = false;
  networking.dhcpcd.enable = false;
  networking.defaultGateway = null;
  networking.firewall.enable = lib.mkDefault false; # scenarios open ports between nodes
  # The backdoor may answer before /tmp would be cleaned or mounted over: keep /tmp as it is at boot.
  boot.tmp.useTmpfs = false;
  boot.tmp.cleanOnBoot = false;
  # Tools the harness runs in the guest (ip, modprobe, mount, stty, journalctl come with NixOS's base system).
  environment.systemPackages = [ pkgs.iproute2 pkgs.iputils pkgs.procps ];
  users.users.root.hashedPassword = lib.mkDefault "!"; # no password logins
}

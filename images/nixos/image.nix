# What the qcow2 built by flake.nix boots with: an MBR disk, GRUB on /dev/vda speaking on the serial console
# (SeaBIOS, the harness's default firmware for a disk without a kernel), root filesystem by label.
{ lib, ... }:
{
  boot.loader.grub.enable = true;
  boot.loader.grub.device = lib.mkDefault "/dev/vda";
  boot.loader.grub.extraConfig = ''
    serial --unit=0 --speed=115200
    terminal_input serial
    terminal_output serial
  '';
  boot.loader.timeout = lib.mkDefault 0;
  boot.growPartition = lib.mkDefault false;
  fileSystems."/" = lib.mkDefault { device = "/dev/disk/by-label/nixos"; fsType = "ext4"; autoResize = false; };
  system.stateVersion = lib.mkDefault "24.11";
}

# A minimal configuration to try the path with: replace it with your own host's modules (see README.md).
{ ... }:
{
  networking.hostName = "nixos-n3x";
  services.journald.extraConfig = "Storage=volatile";
}

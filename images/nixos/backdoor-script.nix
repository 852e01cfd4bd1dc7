# The backdoor script of the built-in image (images/debian/overlay/usr/lib/n3x/backdoor.sh), unchanged except for
# its interpreter and PATH, which on NixOS are store paths and /run/current-system/sw/bin. Pure (no nixpkgs):
# images/nixos/contract.test.ts evaluates it with nix-instantiate and compares it to the Debian script.
{ bash, path }:
let
  debian = builtins.readFile ../debian/overlay/usr/lib/n3x/backdoor.sh;
  fhsPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
in
assert builtins.substring 0 12 debian == "#!/bin/bash\n";
assert builtins.length (builtins.split fhsPath debian) == 3; # exactly one PATH line to replace
builtins.replaceStrings [ "#!/bin/bash\n" fhsPath ] [ "#!${bash}\n" "PATH=${path}" ] debian

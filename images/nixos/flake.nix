{
  description = "n3x guest contract for NixOS, and qcow2 images of NixOS configurations the n3x harness boots";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      lib = nixpkgs.lib;
      # A qcow2 (nixos.qcow2 in the result) of a NixOS configuration with the contract and image.nix added.
      mkImage = { modules, system ? "x86_64-linux", additionalSpace ? "1024M" }:
        let
          nixos = lib.nixosSystem {
            inherit system;
            modules = [ self.nixosModules.n3x-guest ./image.nix ] ++ modules;
          };
        in
        import "${nixpkgs}/nixos/lib/make-disk-image.nix" {
          inherit lib additionalSpace;
          inherit (nixos) config pkgs;
          format = "qcow2";
          partitionTableType = "legacy";
          diskSize = "auto";
        };
    in
    {
      nixosModules.n3x-guest = import ./module.nix;
      nixosModules.default = self.nixosModules.n3x-guest;
      lib = { inherit mkImage; };
      packages.x86_64-linux.example = mkImage { modules = [ ./example.nix ]; };
      packages.x86_64-linux.default = self.packages.x86_64-linux.example;
    };
}

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { debianRecipe, imageName, recipeHash, validatePackages, withArch, withPackages } from './recipe.js';
import { recipeHashOf } from '../../ci/recipe-hash.mjs';

describe('derived image recipes (extra packages)', () => {
  it('no extra packages is the base recipe, whose hash ci/recipe-hash.mjs computes too', () => {
    expect(withPackages(debianRecipe, [])).toBe(debianRecipe);
    expect(recipeHash(debianRecipe)).toBe(recipeHashOf(debianRecipe.dir));
    expect(imageName(debianRecipe)).toBe(`debian-${recipeHash(debianRecipe)}`);
  });

  it('one hash per package set: order and duplicates do not matter, another set differs from it and from the base', () => {
    const a = withPackages(debianRecipe, ['nfs-common', 'keepalived']);
    const b = withPackages(debianRecipe, ['keepalived', 'nfs-common', 'keepalived']);
    expect(a.packages).toEqual(['keepalived', 'nfs-common']);
    expect(recipeHash(a)).toBe(recipeHash(b));
    expect(recipeHash(a)).not.toBe(recipeHash(withPackages(debianRecipe, ['keepalived'])));
    expect(recipeHash(a)).not.toBe(recipeHash(debianRecipe));
    expect(imageName(a)).toBe(`debian+pkgs-${recipeHash(a)}`);
  });

  it('accepts Debian package names and rejects anything else with a ConfigError', () => {
    expect(() => validatePackages(['g++', 'libc6.1-dev', 'wireguard-tools', 'r-base-core'])).not.toThrow();
    for (const bad of ['Keepalived', 'a', '-rf', 'curl=7.88', 'curl;reboot', 'nfs common', '']) {
      expect(() => validatePackages([bad]), bad).toThrow(ConfigError);
    }
    expect(() => withPackages(debianRecipe, ['$(reboot)'])).toThrow(/not a Debian package name/);
  });
});

describe('recipes per architecture', () => {
  it('x86_64 is the base recipe; aarch64 has its own hash and cache name, also for a derived image', () => {
    expect(withArch(debianRecipe, 'x86_64')).toBe(debianRecipe);
    const arm = withArch(debianRecipe, 'aarch64');
    expect(recipeHash(arm)).not.toBe(recipeHash(debianRecipe));
    expect(imageName(arm)).toBe(`debian-aarch64-${recipeHash(arm)}`);
    const armPkgs = withPackages(arm, ['keepalived']);
    expect(imageName(armPkgs)).toBe(`debian-aarch64+pkgs-${recipeHash(armPkgs)}`);
    expect(recipeHash(armPkgs)).not.toBe(recipeHash(withPackages(debianRecipe, ['keepalived'])));
    expect(recipeHash(withArch(arm, 'x86_64'))).toBe(recipeHash(debianRecipe));
  });
});

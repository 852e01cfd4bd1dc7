/**
 * The image each node boots: the base image, or the derived image of its package set (cluster-wide `packages`
 * plus the node's own). Every distinct set is built once and cached by its recipe hash, then shared.
 */
import { ConfigError } from '../errors.js';
import { ensureImage, validateImage, type ImageFiles } from '../images/cache.js';
import { debianRecipe, imageName, withArch, withPackages, type Recipe } from '../images/recipe.js';
import type { Arch } from '../qemu/arch.js';
import { mergeNodeConfig, type NodeConfig } from './nodeconfig.js';

type ImageOption = ImageFiles | { disk: string; kernel: string; initrd: string };

type NodeOfArch = { name: string; arch?: Arch } & NodeConfig;

/** Node name → recipe (nodes with equal architecture and package set get equal recipes). Pure apart from hashing the recipe folder. */
export function nodeRecipes(defaults: NodeConfig, nodes: NodeOfArch[], base: Recipe = debianRecipe): Map<string, Recipe> {
  return new Map(nodes.map((n) => [n.name, withPackages(withArch(base, n.arch), mergeNodeConfig(defaults, n).packages)]));
}

/** Resolves (building what is missing, one distinct package set at a time) every node's image. */
export async function resolveNodeImages(defaults: NodeConfig & { image?: ImageOption }, nodes: NodeOfArch[]): Promise<Record<string, ImageFiles>> {
  const recipes = nodeRecipes(defaults, nodes);
  if (defaults.image) {
    const withPkgs = [...recipes].filter(([, r]) => r.packages?.length).map(([n]) => n);
    if (withPkgs.length) throw new ConfigError('packages', `${withPkgs.join(', ')} ask for extra packages on a custom image`, 'install them into your image, or drop `image` to use the built-in one');
    const arches = [...new Set(nodes.map((n) => n.arch ?? 'x86_64'))];
    if (arches.length > 1) throw new ConfigError('image', `one custom image for nodes of ${arches.join(' and ')}`, 'a custom image boots one architecture: give every node the same arch, or drop `image` to use the built-in image of each');
    const img = validateImage(defaults.image);
    return Object.fromEntries(nodes.map((n) => [n.name, img]));
  }
  const built = new Map<string, ImageFiles>();
  for (const r of recipes.values()) if (!built.has(imageName(r))) built.set(imageName(r), await ensureImage(r));
  return Object.fromEntries([...recipes].map(([n, r]) => [n, built.get(imageName(r))!]));
}

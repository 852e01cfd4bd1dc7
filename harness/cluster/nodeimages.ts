/**
 * The image each node boots: the base image, or the derived image of its package set (cluster-wide `packages`
 * plus the node's own). Every distinct set is built once and cached by its recipe hash, then shared.
 */
import { ConfigError } from '../errors.js';
import { ensureImage, validateImage, type ImageFiles } from '../images/cache.js';
import { debianRecipe, imageName, withPackages, type Recipe } from '../images/recipe.js';
import { mergeNodeConfig, type NodeConfig } from './nodeconfig.js';

type ImageOption = ImageFiles | { disk: string; kernel: string; initrd: string };

/** Node name → recipe (nodes with equal package sets get equal recipes). Pure apart from hashing the recipe folder. */
export function nodeRecipes(defaults: NodeConfig, nodes: ({ name: string } & NodeConfig)[], base: Recipe = debianRecipe): Map<string, Recipe> {
  return new Map(nodes.map((n) => [n.name, withPackages(base, mergeNodeConfig(defaults, n).packages)]));
}

/** Resolves (building what is missing, one distinct package set at a time) every node's image. */
export async function resolveNodeImages(defaults: NodeConfig & { image?: ImageOption }, nodes: ({ name: string } & NodeConfig)[]): Promise<Record<string, ImageFiles>> {
  const recipes = nodeRecipes(defaults, nodes);
  if (defaults.image) {
    const withPkgs = [...recipes].filter(([, r]) => r.packages?.length).map(([n]) => n);
    if (withPkgs.length) throw new ConfigError('packages', `${withPkgs.join(', ')} ask for extra packages on a custom image`, 'install them into your image, or drop `image` to use the built-in one');
    const img = validateImage(defaults.image);
    return Object.fromEntries(nodes.map((n) => [n.name, img]));
  }
  const built = new Map<string, ImageFiles>();
  for (const r of recipes.values()) if (!built.has(imageName(r))) built.set(imageName(r), await ensureImage(r));
  return Object.fromEntries([...recipes].map(([n, r]) => [n, built.get(imageName(r))!]));
}

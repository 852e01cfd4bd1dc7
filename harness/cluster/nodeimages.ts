/**
 * The image each node boots: its own `image` (files, or a recipe built into the cache), else the cluster's,
 * else the built-in image or the derived image of its package set (cluster-wide `packages` plus the node's own).
 * Every distinct recipe is built once and cached by its recipe hash, then shared; each one ready is an `image` event.
 */
import { ConfigError } from '../errors.js';
import { emit } from '../events.js';
import { ensureImage, validateImage, type ImageFiles, type ImageOption } from '../images/cache.js';
import { debianRecipe, imageName, withArch, withPackages, type Recipe } from '../images/recipe.js';
import type { Arch } from '../qemu/arch.js';
import { mergeNodeConfig, type NodeConfig } from './nodeconfig.js';

type NodeOfArch = { name: string; arch?: Arch } & NodeConfig;

type NodeWithImage = NodeOfArch & { image?: ImageOption };

/** Node name → recipe (nodes with equal architecture and package set get equal recipes). Pure apart from hashing the recipe folder. */
export function nodeRecipes(defaults: NodeConfig, nodes: NodeOfArch[], base: Recipe = debianRecipe): Map<string, Recipe> {
  return new Map(nodes.map((n) => [n.name, withPackages(withArch(base, n.arch), mergeNodeConfig(defaults, n).packages)]));
}

/** Resolves (building what is missing, one distinct recipe at a time) every node's image. */
export async function resolveNodeImages(defaults: NodeConfig & { image?: ImageOption }, nodes: NodeWithImage[]): Promise<Record<string, ImageFiles>> {
  const recipes = nodeRecipes(defaults, nodes);
  const chosen = new Map(nodes.map((n) => [n.name, n.image ?? defaults.image]));
  const withPkgs = nodes.filter((n) => chosen.get(n.name) && recipes.get(n.name)!.packages?.length).map((n) => n.name);
  if (withPkgs.length) throw new ConfigError('packages', `${withPkgs.join(', ')} ask for extra packages on a custom image`, 'install them into your image, or drop `image` to use the built-in one');
  const sharing = nodes.filter((n) => !n.image && defaults.image);
  const arches = [...new Set(sharing.map((n) => n.arch ?? 'x86_64'))];
  if (arches.length > 1) throw new ConfigError('image', `one custom image for nodes of ${arches.join(' and ')}`, 'a custom image boots one architecture: give each node its own `image`, or drop `image` to use the built-in image of each');
  // Files are checked for every node before the first (slow) build starts.
  const files = new Map(nodes.flatMap((n) => {
    const img = chosen.get(n.name);
    return img && !('recipe' in img) ? [[n.name, validateImage(img)] as const] : [];
  }));
  const built = new Map<string, ImageFiles>();
  const build = async (r: Recipe) => {
    if (!built.has(imageName(r))) built.set(imageName(r), await ensureImage(r, { onReady: (ready) => emit({ kind: 'image', ...ready }) }));
    return built.get(imageName(r))!;
  };
  const out: Record<string, ImageFiles> = {};
  for (const n of nodes) {
    const img = chosen.get(n.name);
    if (files.has(n.name)) out[n.name] = files.get(n.name)!;
    else if (img && 'recipe' in img) {
      const f = await build(img.recipe);
      out[n.name] = img.firmware ? validateImage({ ...f, firmware: img.firmware }) : f;
    } else out[n.name] = await build(recipes.get(n.name)!);
  }
  return out;
}

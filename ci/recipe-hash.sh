#!/usr/bin/env bash
# Prints the base image's recipe hash (the actions/cache key).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsx -e "import('./harness/images/recipe.ts').then((m) => console.log(m.recipeHash(m.debianRecipe)))"

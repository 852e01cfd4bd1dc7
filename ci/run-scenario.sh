#!/usr/bin/env bash
# One matrix entry, the same locally, in GitHub Actions and in GitLab CI: ci/run-scenario.sh <scenario>
# Installs what is missing, fetches k3s for k3s-* scenarios (ci/fetch-k3s.sh), runs the scenario with a JUnit
# report, and leaves serial logs and failure dumps under artifacts/<scenario>/.
set -euo pipefail
cd "$(dirname "$0")/.."
# Scenario names are paths below scenarios/ without .test.ts: smoke, nixpkgs/keepalived, …
known() { (cd scenarios && find . -name '*.test.ts' | sed 's|^\./||; s|\.test\.ts$||' | sort | tr '\n' ' '); }
name=${1:?usage: ci/run-scenario.sh <scenario>   (one of: $(known))}
if [ ! -f "scenarios/$name.test.ts" ] || [[ $name == *..* ]]; then
  echo "ci/run-scenario.sh: unknown scenario '$name'; use one of: $(known)" >&2
  exit 2
fi
# GitHub artifact names may not contain '/': the upload step reads this one.
if [ -n "${GITHUB_ENV:-}" ]; then echo "N3X_ARTIFACT_NAME=n3x-${name//\//-}" >> "$GITHUB_ENV"; fi
N3X_SETUP_IMAGE=0 bash ci/setup.sh
# The images this scenario needs (npx n3x images plan): CI's prepare stage built each once and this job restored
# them; one missing here (a re-run after the cache was evicted) is built now, with a warning, never a failure.
for id in $(npx tsx harness/cli/main.ts images plan --scenario "$name" --missing); do
  msg="image $id is not in the cache (evicted since the prepare stage, or a local run): building it in this job"
  if [ -n "${GITHUB_ACTIONS:-}" ]; then echo "::warning::$msg"; else echo "ci/run-scenario.sh: warning: $msg"; fi
  npx tsx harness/cli/main.ts images build-planned "$id"
done
# k3s for the architectures the scenario requires (from the same plan); N3X_REQUIRE_K3S=1 makes a failed fetch fatal.
for arch in $(npx tsx harness/cli/main.ts images plan --scenario "$name" --k3s); do
  if [ "$arch" = amd64 ] && [ -n "${N3X_K3S_BINARY:-}" ]; then continue; fi
  if [ "$arch" = arm64 ] && [ -n "${N3X_K3S_BINARY_ARM64:-}" ]; then continue; fi
  bash ci/fetch-k3s.sh "$arch"
done
mkdir -p "artifacts/$name"
export N3X_ARTIFACTS="$PWD/artifacts/$name"
npx vitest run --project vm "scenarios/$name.test.ts" --reporter=default --reporter=junit --outputFile.junit="artifacts/$name/junit.xml"

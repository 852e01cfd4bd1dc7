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
bash ci/setup.sh
case $name in
  k3s-preflight | k3s-rehearsal) ;; # run without k3s (a stand-in, or no k3s at all)
  k3s-*) [ -n "${N3X_K3S_BINARY:-}" ] || bash ci/fetch-k3s.sh ;;
esac
mkdir -p "artifacts/$name"
export N3X_ARTIFACTS="$PWD/artifacts/$name"
npx vitest run --project vm "scenarios/$name.test.ts" --reporter=default --reporter=junit --outputFile.junit="artifacts/$name/junit.xml"

#!/usr/bin/env bash
# One matrix entry, the same locally, in GitHub Actions and in GitLab CI: ci/run-scenario.sh <scenario>
# Installs what is missing, fetches k3s for k3s-* scenarios (ci/fetch-k3s.sh), runs the scenario with a JUnit
# report, and leaves serial logs and failure dumps under artifacts/<scenario>/.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: ci/run-scenario.sh <scenario>   (one of: $(ls scenarios/*.test.ts | xargs -n1 basename | sed 's/.test.ts//' | tr '\n' ' '))}
if [ ! -f "scenarios/$name.test.ts" ]; then
  echo "ci/run-scenario.sh: unknown scenario '$name'; use one of: $(ls scenarios/*.test.ts | xargs -n1 basename | sed 's/.test.ts//' | tr '\n' ' ')" >&2
  exit 2
fi
bash ci/setup.sh
case $name in
  k3s-*) [ -n "${N3X_K3S_BINARY:-}" ] || bash ci/fetch-k3s.sh ;;
esac
mkdir -p "artifacts/$name"
export N3X_ARTIFACTS="$PWD/artifacts/$name"
npx vitest run --project vm "scenarios/$name.test.ts" --reporter=default --reporter=junit --outputFile.junit="artifacts/$name/junit.xml"

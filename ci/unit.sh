#!/usr/bin/env bash
# A non-VM test project (default unit; host: the tests needing host tools or root): ci/unit.sh [unit|host]
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p artifacts
project=${1:-unit}
npx vitest run --project "$project" --reporter=default --reporter=junit --outputFile.junit="artifacts/junit-$project.xml"

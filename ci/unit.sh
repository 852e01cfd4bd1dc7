#!/usr/bin/env bash
# Unit tests only (no VMs): what the workflow's first job runs.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p artifacts
npx vitest run --project unit --reporter=default --reporter=junit --outputFile.junit=artifacts/junit-unit.xml

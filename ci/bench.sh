#!/usr/bin/env bash
# CI's bench job, the same on GitHub Actions and GitLab CI: ci/bench.sh <baseline.json> [bench options…]
# Runs `npm run bench` with its JSON kept as artifacts/bench.json (N3X_BENCH_OUT) and, when the CI cache restored the
# previous run's JSON to <baseline.json>, `--compare <baseline.json>` (every figure beside that run's, on stderr).
# After a bench that finished, the new JSON replaces <baseline.json>: the job saves it as the next run's baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=${1:?usage: ci/bench.sh <baseline.json> [bench options…]   (the previous bench JSON; need not exist yet)}
shift
export N3X_BENCH_OUT=${N3X_BENCH_OUT:-artifacts/bench.json}
mkdir -p "$(dirname "$N3X_BENCH_OUT")" "$(dirname "$baseline")"
compare=()
if [ -s "$baseline" ]; then
  compare=(--compare "$baseline")
else
  echo "ci/bench.sh: no previous bench JSON at $baseline (the first run on this branch, or the cache was evicted): nothing to compare with"
fi
npm run bench -- "${compare[@]}" "$@"
cp "$N3X_BENCH_OUT" "$baseline"

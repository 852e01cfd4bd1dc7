#!/usr/bin/env bash
# Proves n3x works for a developer who is not root (run this as root; it reruns from scratch each time):
# root installs the host packages (ci/host-plan.mjs), a user made with useradd clones the committed branch into
# its home, runs ci/setup.sh (no sudo needed; npm ci; the base image built rootless with mmdebstrap --mode=unshare),
# the unit tests, then ONE VM scenario under the shared VM lock (VDE backend; root-only parts skipped with the reason).
# usage: sudo bash ci/nonroot-check.sh [SCENARIO]   (default network-simple)
# env:   N3X_TEST_USER (default n3xtest), N3X_NONROOT_REPO (default this checkout), N3X_VM_LOCK (default /tmp/n3x-vm.lock),
#        N3X_NONROOT_KEEP_CACHE=1 keeps the user's image cache (a rerun then skips the rootless build check)
# Writes a timing report to $N3X_NONROOT_REPORT (default /tmp/n3x-nonroot-check/report.txt), logs beside it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
scenario=${1:-network-simple}
user=${N3X_TEST_USER:-n3xtest}
repo=${N3X_NONROOT_REPO:-$here}
lock=${N3X_VM_LOCK:-/tmp/n3x-vm.lock}
report=${N3X_NONROOT_REPORT:-/tmp/n3x-nonroot-check/report.txt}
logs=$(dirname "$report")
[ "$(id -u)" = 0 ] || { echo "ci/nonroot-check.sh: run as root (it creates the test user and installs host packages)" >&2; exit 2; }
[ -f "$here/scenarios/$scenario.test.ts" ] || { echo "ci/nonroot-check.sh: no scenarios/$scenario.test.ts" >&2; exit 2; }
mkdir -p "$logs"
: > "$report"
note() { echo "$*" | tee -a "$report"; }
# Runs "$@" as the test user in a login shell (clean environment, its own HOME), logging to $logs/NAME.log.
step() {
  local name=$1; shift
  local t0=$SECONDS rc=0
  runuser -l "$user" -c "cd ~/n3x && $*" > "$logs/$name.log" 2>&1 || rc=$?
  note "$(printf '%-10s %4ss  exit %s  %s' "$name" $((SECONDS - t0)) "$rc" "$*")"
  if [ "$rc" != 0 ]; then tail -n 40 "$logs/$name.log" >&2; note "FAILED: $name (log: $logs/$name.log)"; exit 1; fi
}

id "$user" >/dev/null 2>&1 || useradd -m -s /bin/bash "$user"
home=$(getent passwd "$user" | cut -d: -f6)
grep -q "^$user:" /etc/subuid && grep -q "^$user:" /etc/subgid ||
  { echo "ci/nonroot-check.sh: $user has no /etc/subuid or /etc/subgid range: usermod --add-subuids 200000-265535 --add-subgids 200000-265535 $user" >&2; exit 1; }
note "non-root check: user $user (uid $(id -u "$user")), repo $repo @ $(git -C "$repo" rev-parse --short HEAD), scenario $scenario, $(date -u +%FT%TZ)"

# Root's part: the host packages, nothing else.
node "$here/ci/host-plan.mjs"

# A clean clone of the committed branch in the user's home (no node_modules, no cache: everything from scratch).
rm -rf "$home/n3x"
[ "${N3X_NONROOT_KEEP_CACHE:-}" = 1 ] || rm -rf "$home/.cache/n3x"
# (git refuses a repository owned by someone else unless its global config says so: a throwaway one here)
gitcfg=$(mktemp); chmod 0644 "$gitcfg"; printf '[safe]\n\tdirectory = *\n' > "$gitcfg"
runuser -u "$user" -- env GIT_CONFIG_GLOBAL="$gitcfg" git clone -q "$repo" "$home/n3x"
rm -f "$gitcfg"

step plan 'node ci/host-plan.mjs --print'
grep -q '"uid": 0' "$logs/plan.log" && { note "FAILED: the plan ran as root"; exit 1; }
step setup 'bash ci/setup.sh'
[ "${N3X_NONROOT_KEEP_CACHE:-}" = 1 ] || grep -q 'mode unshare' "$logs/setup.log" || { note "FAILED: the image was not built with mmdebstrap --mode=unshare"; exit 1; }
step doctor 'npx tsx harness/cli/main.ts doctor'
grep -q 'network backend: vde' "$logs/doctor.log" || { note "FAILED: n3x doctor does not pick the VDE backend"; exit 1; }
step unit 'npm run test:unit'
# VM runs are serialized across everyone sharing this machine: hold the lock (as root) around the user's run.
t0=$SECONDS
rc=0
flock "$lock" timeout 1500 runuser -l "$user" -c "cd ~/n3x && npx vitest run scenarios/$scenario.test.ts" > "$logs/scenario.log" 2>&1 || rc=$?
note "$(printf '%-10s %4ss  exit %s  %s' scenario $((SECONDS - t0)) "$rc" "npx vitest run scenarios/$scenario.test.ts (incl. waiting for $lock)")"
[ "$rc" = 0 ] || { tail -n 60 "$logs/scenario.log" >&2; note "FAILED: scenario (log: $logs/scenario.log)"; exit 1; }
sed 's/\x1b\[[0-9;]*m//g' "$logs/scenario.log" | grep -E '^ +(Test Files|Tests|Duration) |skipped|^ ✓ .*\(' | head -n 20 | tee -a "$report"
# Nothing of the run may outlive it: QEMU and switches get a few seconds to exit after the test process.
for _ in $(seq 20); do
  leftover=$(pgrep -u "$user" -f 'qemu-system|vde_switch' || true)
  [ -n "$leftover" ] || break
  sleep 1
done
[ -z "$leftover" ] || { note "FAILED: processes left behind 20 s after the run: $(ps -o pid=,args= -p "${leftover//$'\n'/,}")"; exit 1; }
note "OK: non-root setup, rootless image, unit tests and $scenario passed as $user"

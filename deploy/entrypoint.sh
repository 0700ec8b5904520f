#!/usr/bin/env bash
# Container entrypoint: runs ONE Orch app from its TypeScript sources (swc-node, no build step).
#
#   entrypoint.sh [APP [app args...]]     or     ORCH_SERVICE=APP entrypoint.sh
#
# The app comes from the first argument or ORCH_SERVICE; giving both with different values is an
# error, so a pod spec can never run something other than what its env says. `exec` makes node the
# direct child of tini (PID 1), so SIGTERM reaches node and the service drains within SHUTDOWN_GRACE_MS.
# ORCH_APP_DIR overrides the install directory (default: the directory above this script).
set -euo pipefail

readonly APPS=(api scheduler lease-broker ledger-writer rate-limiter event-notifier demo-worker)

die() {
  local code=$1
  shift
  printf 'orch-entrypoint: %s\n' "$*" >&2
  exit "$code"
}

app_dir=${ORCH_APP_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

app=${ORCH_SERVICE:-}
if [[ $# -gt 0 ]]; then
  if [[ -n $app && $1 != "$app" ]]; then
    die 64 "ORCH_SERVICE=$app and argument '$1' disagree; give one of them"
  fi
  app=$1
  shift
fi
[[ -n $app ]] || die 64 "no app given: set ORCH_SERVICE or pass it as the first argument (one of: ${APPS[*]})"

known=false
for candidate in "${APPS[@]}"; do
  [[ $app == "$candidate" ]] && known=true
done
$known || die 64 "unknown app '$app' (one of: ${APPS[*]})"

main="apps/$app/src/main.ts"
[[ -f $app_dir/$main ]] || die 66 "$app_dir/$main does not exist in this image"

cd "$app_dir"
export ORCH_SERVICE=$app
exec node -r ./scripts/register.cjs "$main" "$@"

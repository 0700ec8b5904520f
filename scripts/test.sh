#!/usr/bin/env bash
# The whole test suite: typecheck, lint (module boundaries), unit, integration
# and end-to-end tests against the real PostgreSQL and NATS. Ends with one line
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true
# The dashboard's browser test (test/dashboard) drives Debian's Chromium: install it when missing.
export ORCH_NEED_CHROMIUM=1
bash scripts/ensure-infra.sh || exit 1

status=0
echo "== typecheck"; npx tsc -p tsconfig.json --noEmit || status=1
# The dashboard's browser modules (plain .js with JSDoc types, DOM lib).
npx tsc -p apps/api/src/dashboard/tsconfig.browser.json || status=1
echo "== lint"
# The module-boundary rule needs the Nx project graph; without it the rule is silently skipped.
npx nx show projects >/dev/null || status=1
npx eslint --max-warnings 0 . || status=1
echo "== tests"
mkdir -p tmp
npx jest --ci --runInBand --json --outputFile=tmp/jest-results.json "$@" || status=1
if [ -f tmp/jest-results.json ]; then
  node -e '
    const r = require("./tmp/jest-results.json");
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  '
fi
exit $status

#!/usr/bin/env bash
# Installs exactly the versions in package-lock.json.
#
# `npm ci` is tried first. Where the reachable npm registry serves only the linux
# builds of packages with per-platform binaries (@swc/core, @unrs/resolver-binding),
# `npm ci` can refuse the lock file as "out of sync"; `npm install` then installs
# the same locked tree (ADR 0005).
# The lock file must not change: CI fails if it does.
set -euo pipefail
cd "$(dirname "$0")/.."
if npm ci --no-audit --no-fund --loglevel=error 2>/tmp/orch-npm-ci.log; then
  echo "[deps] npm ci done"
else
  if ! grep -q 'in sync' /tmp/orch-npm-ci.log; then cat /tmp/orch-npm-ci.log >&2; exit 1; fi
  echo "[deps] npm ci refused the lock file (platform binaries missing from this registry); using npm install"
  cp package-lock.json /tmp/orch-lock-before.json
  npm install --no-audit --no-fund --loglevel=error
  if ! cmp -s package-lock.json /tmp/orch-lock-before.json; then
    echo "[deps] npm install changed package-lock.json: commit a lock file that matches package.json" >&2
    diff <(cat /tmp/orch-lock-before.json) package-lock.json | head -40 >&2
    exit 1
  fi
fi

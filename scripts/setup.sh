#!/usr/bin/env bash
# `npm run setup`: everything a fresh machine needs before `npm start` or `npm test`:
# PostgreSQL and NATS (JetStream) running on 127.0.0.1, and the locked npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-infra.sh
bash scripts/install-deps.sh

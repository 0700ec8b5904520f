#!/usr/bin/env node
// The `orchctl` bin: runs the TypeScript CLI directly (ADR 0004, no build step).
require('../scripts/register.cjs');
require('../apps/cli/src/main.ts');

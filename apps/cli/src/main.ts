// orchctl: Orch's operator CLI. `orchctl --help` lists the commands.
import { ID_TOKEN_PATTERN } from '@orch/contracts';
import type { BundleFile } from '@orch/persistence';
import { DATABASE_URL_DEFAULT } from '@orch/service-kit';
import { parseArgs } from 'node:util';
import { BundleError, exportState, importState, verifyState } from './state-kit';

export const USAGE = `orchctl — Orch operator CLI

  orchctl export --out <dir | file.tar> [--tenant <tenant>] [--database-url <url>]
      Writes the orchestrator state (jobs, runs, ledger events, audit, dead letters, schedules,
      limits, quotas and throttles) as NDJSON files plus manifest.json (counts, sizes, SHA-256)
      into <dir>, which must be empty or absent, or, for a name ending in .tar, into one new tar
      archive. --tenant: only that tenant's rows (a tenant bundle). Deterministic: the same state,
      the same bytes.
  orchctl verify --in <dir | file.tar>
      Checks a bundle without a database: manifest, file digests, row counts, hash chains, and
      for a tenant bundle that every row is that tenant's.
  orchctl import --in <dir | file.tar> [--database-url <url>]
      Verifies the bundle, refusing a tampered one before writing anything, migrates the database,
      then writes the bundle in one transaction. Importing the same bundle again changes nothing.

  --database-url defaults to $DATABASE_URL, else ${DATABASE_URL_DEFAULT}.
  Exit codes: 0 done, 1 failure, 2 bad arguments, 3 bundle refused (invalid, tampered, conflicting, other schema).`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return;
  }
  let values: { out?: string; in?: string; tenant?: string; 'database-url'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { out: { type: 'string' }, in: { type: 'string' }, tenant: { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const url = values['database-url'] || process.env['DATABASE_URL'] || DATABASE_URL_DEFAULT;
  const log = (s: string) => process.stderr.write(`${s}\n`);
  switch (command) {
    case 'export': {
      if (!values.out) throw new UsageError('export needs --out <dir | file.tar>');
      const tenant = values.tenant;
      if (tenant !== undefined && !ID_TOKEN_PATTERN.test(tenant)) throw new UsageError(`--tenant ${JSON.stringify(tenant)} is not a tenant id (${ID_TOKEN_PATTERN.source})`);
      const onTable = (f: BundleFile) => log(`  ${f.table.padEnd(28)} ${String(f.rows).padStart(9)} rows  ${f.sha256.slice(0, 16)}…`);
      const m = await exportState(url, values.out, { tenant, onTable });
      const of = tenant === undefined ? '' : ` of tenant ${tenant}`;
      log(`exported ${m.files.reduce((n, f) => n + f.rows, 0)} rows${of} in ${m.files.length} files to ${values.out} (bundle ${m.digest.slice(0, 16)}…)`);
      return;
    }
    case 'verify': {
      if (!values.in) throw new UsageError('verify needs --in <dir | file.tar>');
      const b = await verifyState(values.in);
      const tenants = new Set([...Object.keys(b.chains.events), ...Object.keys(b.chains.audit)]);
      const scope = b.manifest.scope ? `, every row tenant ${b.manifest.scope.tenant}'s` : '';
      log(`bundle ${values.in} is intact: ${b.manifest.files.length} files, ${b.manifest.files.reduce((n, f) => n + f.rows, 0)} rows, hash chains of ${tenants.size} tenant(s) verified${scope}`);
      return;
    }
    case 'import': {
      if (!values.in) throw new UsageError('import needs --in <dir | file.tar>');
      const { tables } = await importState(url, values.in, (t) => log(`  ${t.table.padEnd(28)} ${String(t.inserted).padStart(9)} written  ${String(t.present).padStart(9)} already present`));
      const written = tables.reduce((n, t) => n + t.inserted, 0);
      log(written === 0 ? `nothing to write: the database already holds this bundle` : `imported ${written} rows from ${values.in}`);
      return;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`orchctl: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof BundleError) {
      console.error(`orchctl: refused (${err.code}): ${err.message}`);
      process.exit(3);
    }
    console.error(`orchctl failed: ${(err as Error)?.stack ?? String(err)}`);
    process.exit(1);
  },
);

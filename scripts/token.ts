// `npm run -s token -- --tenant t1 --scopes orch:read,orch:operate`: prints a
// development JWT signed with the local dev key (created in .orch/dev-jwt when
// missing), accepted by services started with AUTH_JWKS_FILE=.orch/dev-jwt/jwks.json
// (npm start does that). Only the token goes to stdout, so TOKEN=$(npm run -s token -- …) works.
import * as path from 'node:path';
import { defaultDevKeyDir, ensureDevKeys, parseTokenArgs, signDevToken, TOKEN_USAGE, TokenArgsError } from '@orch/auth';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(TOKEN_USAGE);
    return;
  }
  const request = parseTokenArgs(args);
  const keys = await ensureDevKeys(request.keysDir ? path.resolve(request.keysDir) : defaultDevKeyDir(path.resolve(__dirname, '..')));
  const token = await signDevToken(keys.privateJwk, {
    subject: request.subject,
    scopes: request.scopes,
    ...(request.tenant !== undefined ? { tenant: request.tenant } : { tenants: request.tenants }),
    ttlSeconds: request.ttlSeconds,
    // The same variables the services read, so a token for a custom issuer/audience verifies too.
    issuer: process.env['AUTH_ISSUER'] || undefined,
    audience: process.env['AUTH_AUDIENCE'] || undefined,
  });
  process.stdout.write(`${token}\n`);
}

main().catch((err: unknown) => {
  if (err instanceof TokenArgsError) {
    console.error(`npm run token: ${err.message}\n${TOKEN_USAGE}`);
    process.exit(2);
  }
  console.error(`npm run token failed: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});

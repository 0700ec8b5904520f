import { BaseServiceConfig, IsPortNumber } from './base-service-config';
import { ConfigError } from './config.errors';
import { parseEnv } from './parse-env';

class AppConfig extends BaseServiceConfig {
  @IsPortNumber()
  HTTP_PORT: number = 3000;
}

function problemsOf(env: Record<string, string>): ConfigError['problems'] {
  try {
    parseEnv(AppConfig, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('BaseServiceConfig NATS credentials', () => {
  it('needs no credentials at all (a development server without auth)', () => {
    const c = parseEnv(AppConfig, {});
    expect([c.NATS_USER, c.NATS_PASSWORD, c.NATS_NKEY_SEED_FILE, c.NATS_CREDS_FILE]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('reads a user and password, an nkey seed file or a creds file', () => {
    expect(parseEnv(AppConfig, { NATS_USER: 'orch-services', NATS_PASSWORD: 'pw' })).toMatchObject({ NATS_USER: 'orch-services', NATS_PASSWORD: 'pw' });
    expect(parseEnv(AppConfig, { NATS_NKEY_SEED_FILE: '/var/run/secrets/orch/nats/seed' }).NATS_NKEY_SEED_FILE).toBe('/var/run/secrets/orch/nats/seed');
    expect(parseEnv(AppConfig, { NATS_CREDS_FILE: '/etc/nats/orch.creds' }).NATS_CREDS_FILE).toBe('/etc/nats/orch.creds');
  });

  it('refuses a user without a password, naming NATS_PASSWORD', () => {
    expect(problemsOf({ NATS_USER: 'orch-services' })).toEqual([
      { variable: 'NATS_PASSWORD', message: 'NATS_PASSWORD must be set when NATS_USER is', value: undefined },
    ]);
  });

  it('refuses a password without a user and never echoes the password', () => {
    const problems = problemsOf({ NATS_PASSWORD: 's3cret' });
    expect(problems).toEqual([{ variable: 'NATS_USER', message: 'NATS_USER must be set when NATS_PASSWORD is', value: undefined }]);
    expect(JSON.stringify(problems)).not.toContain('s3cret');
  });

  it('refuses two authentication mechanisms at once, naming both variables', () => {
    const problems = problemsOf({ NATS_USER: 'u', NATS_PASSWORD: 'pw', NATS_NKEY_SEED_FILE: '/seed' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['NATS_NKEY_SEED_FILE', 'NATS_USER']);
    expect(problems[0].message).toMatch(/must not be combined with (NATS_USER|NATS_NKEY_SEED_FILE)/);
    expect(problemsOf({ NATS_NKEY_SEED_FILE: '/seed', NATS_CREDS_FILE: '/c.creds' }).map((p) => p.variable).sort()).toEqual(['NATS_CREDS_FILE', 'NATS_NKEY_SEED_FILE']);
  });

  it('refuses a user name with white space', () => {
    expect(problemsOf({ NATS_USER: 'a b', NATS_PASSWORD: 'pw' })).toEqual([{ variable: 'NATS_USER', message: 'NATS_USER must not contain white space', value: 'a b' }]);
  });
});

describe('BaseServiceConfig stream retention', () => {
  it('leaves the limits unset by default (the streams then use their defaults) and reads them as numbers', () => {
    const c = parseEnv(AppConfig, {});
    expect([c.ORCH_EVENTS_MAX_AGE_MS, c.ORCH_LOGS_MAX_AGE_MS, c.ORCH_LOGS_MAX_BYTES, c.ORCH_NOTIFY_MAX_AGE_MS, c.ORCH_STREAM_DUPLICATE_WINDOW_MS]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(parseEnv(AppConfig, { ORCH_NOTIFY_MAX_AGE_MS: '3600000', ORCH_LOGS_MAX_BYTES: '10485760' })).toMatchObject({
      ORCH_NOTIFY_MAX_AGE_MS: 3_600_000,
      ORCH_LOGS_MAX_BYTES: 10_485_760,
    });
  });

  it('refuses a retention shorter than a minute, naming the variable', () => {
    expect(problemsOf({ ORCH_EVENTS_MAX_AGE_MS: '1000' }).map((p) => p.variable)).toEqual(['ORCH_EVENTS_MAX_AGE_MS']);
    expect(problemsOf({ ORCH_LOGS_MAX_AGE_MS: 'a week' }).map((p) => p.variable)).toEqual(['ORCH_LOGS_MAX_AGE_MS']);
  });
});

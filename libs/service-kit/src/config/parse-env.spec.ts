import { IsBoolean, IsInt, IsOptional, IsString } from 'class-validator';
import { BaseServiceConfig, IsPortNumber } from './base-service-config';
import { ConfigError } from './config.errors';
import { parseEnv } from './parse-env';

class AppConfig extends BaseServiceConfig {
  @IsPortNumber()
  HTTP_PORT: number = 3000;
}

class FlagConfig {
  @IsBoolean()
  FEATURE_ENABLED: boolean = false;

  @IsOptional()
  @IsString()
  API_TOKEN?: string;

  @IsOptional()
  @IsInt()
  BATCH_SIZE?: number;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseEnv', () => {
  it('returns the declared defaults for an empty environment', () => {
    const config = parseEnv(AppConfig, {});
    expect(config).toBeInstanceOf(AppConfig);
    expect({ ...config }).toEqual({
      NATS_URL: 'nats://127.0.0.1:4222',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/orch',
      ORCH_NAMESPACE: 'orch',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: 10_000,
      HTTP_PORT: 3000,
    });
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });

  it('converts numeric variables and keeps strings', () => {
    const config = parseEnv(AppConfig, {
      HTTP_PORT: '8080',
      SHUTDOWN_GRACE_MS: '2500',
      NATS_URL: 'tls://nats.internal:4222',
      LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
    });
    expect(config.HTTP_PORT).toBe(8080);
    expect(config.SHUTDOWN_GRACE_MS).toBe(2500);
    expect(config.NATS_URL).toBe('tls://nats.internal:4222');
    expect(config.LOG_LEVEL).toBe('debug');
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
  });

  it('ignores variables the class does not declare', () => {
    const config = parseEnv(AppConfig, { PATH: '/usr/bin', HOME: '/root' });
    expect(config).not.toHaveProperty('PATH');
    expect(config).not.toHaveProperty('HOME');
  });

  it('treats empty values as unset', () => {
    expect(parseEnv(AppConfig, { HTTP_PORT: '' }).HTTP_PORT).toBe(3000);
  });

  it('reads variables without a default that carry a validator', () => {
    expect(parseEnv(FlagConfig, { BATCH_SIZE: '50' }).BATCH_SIZE).toBe(50);
  });

  it('converts numbers and booleans whose type is only inferred from the default', () => {
    class Inferred {
      @IsInt() BATCH = 10;
      @IsBoolean() DRY_RUN = false;
    }
    expect({ ...parseEnv(Inferred, { BATCH: '25', DRY_RUN: 'true' }) }).toEqual({ BATCH: 25, DRY_RUN: true });
    expect(configError(() => parseEnv(Inferred, { BATCH: '2x' })).message).toBe(
      'invalid configuration: BATCH must be an integer number (got "2x")',
    );
  });

  it.each([
    ['true', true],
    ['1', true],
    ['ON', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads boolean %j as %s', (raw, expected) => {
    expect(parseEnv(FlagConfig, { FEATURE_ENABLED: raw }).FEATURE_ENABLED).toBe(expected);
  });

  it('names the variable and the value in the message', () => {
    expect(() => parseEnv(AppConfig, { HTTP_PORT: '70000' })).toThrow(
      new ConfigError([{ variable: 'HTTP_PORT', message: 'HTTP_PORT must not be greater than 65535', value: '70000' }]),
    );
    expect(configError(() => parseEnv(AppConfig, { HTTP_PORT: '70000' })).message).toBe(
      'invalid configuration: HTTP_PORT must not be greater than 65535 (got "70000")',
    );
  });

  it.each([
    ['HTTP_PORT', 'abc', 'HTTP_PORT must be an integer number'],
    ['HTTP_PORT', '-1', 'HTTP_PORT must not be less than 0'],
    ['HTTP_PORT', '80.5', 'HTTP_PORT must be an integer number'],
    ['SHUTDOWN_GRACE_MS', '120001', 'SHUTDOWN_GRACE_MS must not be greater than 120000'],
    ['SHUTDOWN_GRACE_MS', 'soon', 'SHUTDOWN_GRACE_MS must be an integer number'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL must be one of the following values: trace, debug, info, warn, error, fatal'],
    ['ORCH_NAMESPACE', 'Orch-1', 'ORCH_NAMESPACE must be 1-32 characters of a-z, 0-9 and _, starting with a letter'],
    ['ORCH_NAMESPACE', 'a'.repeat(33), 'ORCH_NAMESPACE must be 1-32 characters of a-z, 0-9 and _, starting with a letter'],
    ['NATS_URL', 'http://nats:4222', 'NATS_URL must be a nats://, tls://, ws:// or wss:// URL'],
    ['DATABASE_URL', 'mysql://db/orch', 'DATABASE_URL must be a postgres:// URL'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318', 'OTEL_EXPORTER_OTLP_ENDPOINT must be a URL address'],
  ])('rejects %s=%j with "%s"', (variable, value, message) => {
    const err = configError(() => parseEnv(AppConfig, { [variable]: value }));
    expect(err.problems).toEqual([{ variable, message, value }]);
    expect(err.message).toBe(`invalid configuration: ${message} (got ${JSON.stringify(value)})`);
    expect(err.code).toBe('config_invalid');
  });

  it('rejects a boolean that is not true/false-like', () => {
    expect(configError(() => parseEnv(FlagConfig, { FEATURE_ENABLED: 'maybe' })).message).toBe(
      'invalid configuration: FEATURE_ENABLED must be true or false (got "maybe")',
    );
  });

  it('reports every bad variable at once', () => {
    const err = configError(() => parseEnv(AppConfig, { HTTP_PORT: 'x', LOG_LEVEL: 'loud', NATS_URL: 'nope' }));
    expect(err.problems.map((p) => p.variable).sort()).toEqual(['HTTP_PORT', 'LOG_LEVEL', 'NATS_URL']);
    for (const variable of ['HTTP_PORT', 'LOG_LEVEL', 'NATS_URL']) expect(err.message).toContain(`${variable} must`);
  });

  it('masks secrets in the message', () => {
    const err = configError(() =>
      parseEnv(AppConfig, { DATABASE_URL: 'mysql://orch:hunter2@db/orch' }),
    );
    expect(err.message).toContain('mysql://orch:***@db/orch');
    expect(err.message).not.toContain('hunter2');

    class TokenConfig {
      @IsInt() API_TOKEN_TTL_S: number = 1;
      @IsString() @IsOptional() API_TOKEN?: string;
    }
    expect(configError(() => parseEnv(TokenConfig, { API_TOKEN_TTL_S: 'x' })).message).toBe(
      'invalid configuration: API_TOKEN_TTL_S must be an integer number (got "***")',
    );
  });
});

import { BaseServiceConfig } from '@orch/service-kit';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, Min, Validate, ValidationArguments, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { AUTH_AUDIENCE_DEFAULT, AUTH_CLOCK_TOLERANCE_DEFAULT_S, AUTH_ISSUER_DEFAULT, JwtVerifierOptions, loadJwksFile } from './jwt-verifier';

/** Exactly one of AUTH_JWKS_URL / AUTH_JWKS_FILE, and the URL an http(s) URL. */
@ValidatorConstraint({ name: 'jwksSource' })
class JwksSource implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    return this.problem(args.object as AuthServiceConfig) === undefined;
  }

  defaultMessage(args: ValidationArguments): string {
    return this.problem(args.object as AuthServiceConfig) ?? 'AUTH_JWKS_URL is invalid';
  }

  private problem(c: AuthServiceConfig): string | undefined {
    if (c.AUTH_JWKS_URL && c.AUTH_JWKS_FILE) return 'set only one of AUTH_JWKS_URL and AUTH_JWKS_FILE';
    if (c.AUTH_JWKS_FILE) return undefined;
    if (!c.AUTH_JWKS_URL) {
      return 'AUTH_JWKS_URL (the identity provider\'s JWKS endpoint) or AUTH_JWKS_FILE (a local JWKS file; `npm start` creates one) must be set';
    }
    try {
      const url = new URL(c.AUTH_JWKS_URL);
      return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'AUTH_JWKS_URL must be an http(s) URL';
    } catch {
      return 'AUTH_JWKS_URL must be an http(s) URL';
    }
  }
}

/** AUTH_JWKS_FILE must hold a usable public JWKS; checked at boot so the message names the variable. */
@ValidatorConstraint({ name: 'jwksFile' })
class JwksFile implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return this.problem(value) === undefined;
  }

  defaultMessage(args: ValidationArguments): string {
    return `AUTH_JWKS_FILE is unusable: ${this.problem(args.value) ?? 'unknown problem'}`;
  }

  private problem(value: unknown): string | undefined {
    try {
      loadJwksFile(String(value));
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }
}

/**
 * Environment of a service that verifies bearer tokens (api, event-notifier):
 * the shared variables plus `AUTH_*`. Exactly one key source: `AUTH_JWKS_URL`
 * (production: the identity provider's JWKS endpoint) or `AUTH_JWKS_FILE`
 * (development and tests: a local public JWKS, see `npm run token`).
 */
export class AuthServiceConfig extends BaseServiceConfig {
  /** The identity provider's JWKS endpoint (fetched and cached; rotations are picked up). */
  @Validate(JwksSource)
  AUTH_JWKS_URL?: string;

  /** A local JWKS file with public keys only. */
  @IsOptional()
  @Validate(JwksFile)
  AUTH_JWKS_FILE?: string;

  /** Required `iss` of tokens. */
  @IsString() @IsNotEmpty()
  AUTH_ISSUER: string = AUTH_ISSUER_DEFAULT;

  /** Required `aud` of tokens (one of their audiences). */
  @IsString() @IsNotEmpty()
  AUTH_AUDIENCE: string = AUTH_AUDIENCE_DEFAULT;

  /** Leeway for `exp`/`nbf` between the issuer's clock and this service's. */
  @IsInt() @Min(0) @Max(300)
  AUTH_CLOCK_TOLERANCE_S: number = AUTH_CLOCK_TOLERANCE_DEFAULT_S;
}

/** The {@link JwtVerifierOptions} of a parsed {@link AuthServiceConfig}. */
export function authOptionsFromConfig(config: AuthServiceConfig): JwtVerifierOptions {
  return {
    ...(config.AUTH_JWKS_URL ? { jwksUrl: config.AUTH_JWKS_URL } : { jwksFile: config.AUTH_JWKS_FILE }),
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    clockToleranceSec: config.AUTH_CLOCK_TOLERANCE_S,
  };
}

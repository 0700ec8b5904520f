import { BaseServiceConfig, IsPortNumber } from '@orch/service-kit';

/** Default `HTTP_PORT` of the rate-limiter. */
export const RATE_LIMITER_HTTP_PORT_DEFAULT = 8084;

/** rate-limiter configuration (environment variables, validated at boot). */
export class RateLimiterConfig extends BaseServiceConfig {
  @IsPortNumber()
  HTTP_PORT: number = RATE_LIMITER_HTTP_PORT_DEFAULT;
}

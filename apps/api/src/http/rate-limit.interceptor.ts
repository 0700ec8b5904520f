import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { principalOf } from '@orch/auth';
import { OrchError } from '@orch/contracts';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { TenantRateLimiter } from './tenant-rate-limiter';

/**
 * Per-tenant request limit of the api (`API_RATE_LIMIT_RPS` / `API_RATE_LIMIT_BURST`,
 * per replica). Interceptors run after every guard, so only requests that passed
 * authentication and authorization are counted; each of them gets
 * `X-RateLimit-Limit` (the burst), `X-RateLimit-Remaining` and `X-RateLimit-Reset`
 * (seconds until the bucket is full), and an empty bucket answers 429
 * `rate_limited` with `Retry-After` (seconds, rounded up). Public routes
 * (probes) carry no principal and are not limited.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(private readonly limiter: TenantRateLimiter) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const principal = principalOf(http.getRequest<Request>());
    if (!principal) return next.handle();
    const res = http.getResponse<Response>();
    const r = this.limiter.take(principal.tenant);
    res.setHeader('X-RateLimit-Limit', String(this.limiter.limits.burst));
    res.setHeader('X-RateLimit-Remaining', String(r.remaining));
    res.setHeader('X-RateLimit-Reset', String(Math.ceil(r.resetMs / 1000)));
    if (!r.ok) {
      const retryAfterSeconds = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
      res.setHeader('Retry-After', String(retryAfterSeconds));
      throw new OrchError(
        'rateLimited',
        `tenant ${principal.tenant} is over its API rate limit (${this.limiter.limits.ratePerSecond} requests/s, burst ${this.limiter.limits.burst}); retry after ${retryAfterSeconds} s`,
        { retryable: true },
      );
    }
    return next.handle();
  }
}

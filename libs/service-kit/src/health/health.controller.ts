import { Controller, Get, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { Public } from '../http/public-route';
import { runReadinessCheck, SHUTDOWN_INDICATOR, type ReadinessCheck } from './readiness-check';
import { ShutdownState } from './shutdown-state';

/** DI token of the app's `ReadinessCheck[]`. */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/**
 * Serves /healthz (liveness) and /readyz (readiness); 503 bodies name what is down. Public: probes carry no token.
 * Not in the OpenAPI document: probes are for the platform, not API clients (and their bodies are terminus', not problem+json).
 */
@Public()
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    @Inject(READINESS_CHECKS) private readonly checks: readonly ReadinessCheck[],
  ) {}

  /** 200 while the process runs; 503 once shutdown has begun. */
  @Get('healthz')
  @HealthCheck()
  liveness(): Promise<HealthCheckResult> {
    return this.health.check(this.shutdown.isShuttingDown ? [() => this.shuttingDown()] : []);
  }

  /** 200 when every check passes within its timeout; 503 with the failing names otherwise or during shutdown. */
  @Get('readyz')
  @HealthCheck()
  readiness(): Promise<HealthCheckResult> {
    // Dependencies are being closed during shutdown; probing them would only add noise.
    if (this.shutdown.isShuttingDown) return this.health.check([() => this.shuttingDown()]);
    return this.health.check(this.checks.map((check): HealthIndicatorFunction => () => this.probe(check)));
  }

  private shuttingDown(): HealthIndicatorResult {
    return this.indicators.check(SHUTDOWN_INDICATOR).down({ message: 'shutting down' });
  }

  private async probe(check: ReadinessCheck): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(check.name);
    try {
      await runReadinessCheck(check);
      return session.up();
    } catch (err: unknown) {
      return session.down({ message: err instanceof Error ? err.message : String(err) });
    }
  }
}

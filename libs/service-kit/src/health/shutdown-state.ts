import { Injectable } from '@nestjs/common';

/**
 * Whether the process has begun shutting down. Set once by the signal handler of
 * `bootstrapService`; /healthz and /readyz answer 503 from then on so load
 * balancers stop sending traffic while in-flight work drains.
 */
@Injectable()
export class ShutdownState {
  private shuttingDown = false;

  /** Marks shutdown as begun; idempotent. */
  begin(): void {
    this.shuttingDown = true;
  }

  /** `true` once {@link ShutdownState.begin} was called. */
  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { limitsChangedSubject, OrchNames } from '@orch/contracts';
import { NATS_CONNECTION, ORCH_NAMES } from '@orch/messaging';

/** Why a tenant's limits notice was published. */
export type LimitsChange = 'rules' | 'pauses' | 'slots' | 'breakers';

/**
 * Publishes `<ns>.limits.<tenant>.changed` (core NATS, fire and forget) after a rule or pause
 * change and after slots are released, so sleeping schedulers re-offer held jobs at once
 * instead of at their next poll. Losing a notice costs only latency: the poll still runs.
 */
@Injectable()
export class LimitsNotices {
  private readonly logger = new Logger('LimitsNotices');

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
  ) {}

  changed(tenant: string, change: LimitsChange): void {
    try {
      this.nc.publish(limitsChangedSubject(this.names.namespace, tenant), JSON.stringify({ tenant, change, at: new Date().toISOString() }));
    } catch (err) {
      this.logger.warn(`limits notice for ${tenant} not published: ${(err as Error)?.message ?? String(err)}`);
    }
  }
}

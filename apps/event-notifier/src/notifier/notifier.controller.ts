import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Incoming, Route } from '@orch/messaging';
import { NotifierService } from './notifier.service';

/** Name of the consumer binding (JetStreamServer options) that feeds {@link NotifierController}. */
export const LEDGER_EVENTS_CONSUMER = 'events';
/** Durable consumer name on the EVENTS stream, shared by every replica. */
export const EVENT_NOTIFIER_DURABLE = 'event-notifier';

/** Consumes every ledger event (`orch.evt.>`) and relays it as a notifier event. */
@Controller()
export class NotifierController {
  constructor(private readonly notifier: NotifierService) {}

  /**
   * Returning acks the ledger event; a malformed one is terminated (non-retryable
   * OrchError), a failed publish is redelivered with backoff.
   */
  @EventPattern(Route.consumer(LEDGER_EVENTS_CONSUMER))
  async onLedgerEvent(@Payload() m: Incoming<unknown>): Promise<void> {
    await this.notifier.relay(m.envelope);
  }
}

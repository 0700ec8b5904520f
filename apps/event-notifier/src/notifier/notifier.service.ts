import { Inject, Injectable, Logger } from '@nestjs/common';
import { Envelope, NotifierEvent, OrchError, OrchNames } from '@orch/contracts';
import { makeEnvelope, ORCH_NAMES, OrchClient } from '@orch/messaging';
import { parseJobEventData } from './ledger-event.parser';
import { buildNotifierEvent, notifierMessage } from './notifier-event.builder';

/**
 * Turns ledger events into `orch.event.v1` notifier messages on the NOTIFY
 * stream. The message id is the ledger event id, so handling the same ledger
 * event twice (a redelivery after a crash between publish and ack) stores it
 * once: exactly one notifier message per ledger event within the stream's
 * duplicate window.
 */
@Injectable()
export class NotifierService {
  private readonly logger = new Logger('NotifierService');

  constructor(
    private readonly client: OrchClient,
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
  ) {}

  /**
   * Validates, builds and publishes; resolves only once JetStream stored the
   * message (or reported it a duplicate), so the caller may ack.
   *
   * @throws OrchError `validation_failed` (not retryable) for a malformed event;
   *   `unavailable` (retryable) when the publish failed.
   */
  async relay(envelope: Envelope<unknown>): Promise<NotifierEvent> {
    const data = parseJobEventData(envelope, envelope.data);
    const event = buildNotifierEvent(envelope, data);
    const msg = notifierMessage(this.names, envelope, event);
    try {
      const ack = await this.client.publish(msg.subject, makeEnvelope(msg.envelope), { msgId: msg.msgId });
      if (ack.duplicate) this.logger.debug(`notifier event ${event.eventId} was already published (seq ${ack.seq})`);
    } catch (cause) {
      throw new OrchError('unavailable', `publishing notifier event ${event.eventId} (${event.eventType}) on ${msg.subject} failed`, {
        cause,
        retryable: true,
      });
    }
    return event;
  }
}

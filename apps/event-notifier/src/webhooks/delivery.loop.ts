import type { LoggerService } from '@nestjs/common';
import type { ClaimedDelivery, DeliveryNext } from '@orch/persistence';
import { DeliveryRetryPolicy, nextAfterAttempt } from './delivery-schedule';
import { IdleWaiter } from './idle-waiter';
import type { AttemptOutcome } from './webhook-sender';

/** Where the loop claims deliveries and records attempts (the notify schema). */
export interface DeliveryStore {
  claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  /** False when the result no longer applies (the claim was superseded). */
  record(d: ClaimedDelivery, outcome: AttemptOutcome, next: DeliveryNext): Promise<boolean>;
  abandon(d: ClaimedDelivery, error: string): Promise<boolean>;
}

/** Sends one attempt; never throws. */
export type AttemptSender = (d: ClaimedDelivery, timeoutMs: number) => Promise<AttemptOutcome>;

/** Settings of {@link WebhookDeliveryLoop}. */
export interface DeliveryLoopOptions {
  /** Attempts in flight per process. */
  concurrency: number;
  timeoutMs: number;
  /** Wait between claims when nothing is due (a fan-out wakes the loop sooner). */
  pollMs: number;
  policy: DeliveryRetryPolicy;
}

/** Added to twice the timeout to make a claim's lease: long enough to record the result. */
export const CLAIM_LEASE_MARGIN_MS = 10_000;
/** At stop, how long past the request timeout in-flight attempts may take to record. */
export const STOP_RECORD_GRACE_MS = 2_000;

/**
 * Sends due webhook deliveries: claims up to the free concurrency slots (a
 * batch, `SKIP LOCKED`, so replicas share the work), POSTs each, records the
 * attempt and the next step (succeeded, failed with backoff, dead). Start/stop;
 * stop claims nothing more and lets in-flight attempts finish, bounded by the
 * request timeout.
 */
export class WebhookDeliveryLoop {
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly idler = new IdleWaiter();
  private readonly leaseMs: number;

  constructor(
    private readonly store: DeliveryStore,
    private readonly send: AttemptSender,
    private readonly options: DeliveryLoopOptions,
    private readonly logger: LoggerService,
  ) {
    this.leaseMs = options.timeoutMs * 2 + CLAIM_LEASE_MARGIN_MS;
  }

  /** Attempts running now. */
  get active(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.run();
  }

  /** Something became due (a fan-out, a redelivery): claim now instead of at the next poll. */
  wake(): void {
    this.idler.wake();
  }

  /** Stops claiming, then waits for in-flight attempts (at most the request timeout plus a grace). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loopDone;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.timeoutMs + STOP_RECORD_GRACE_MS)));
    await Promise.race([Promise.allSettled([...this.inFlight]), deadline]);
    clearTimeout(timer);
    if (this.inFlight.size > 0) this.logger.warn(`${this.inFlight.size} webhook attempts still running at shutdown; they will be retried after their lease`);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const free = this.options.concurrency - this.inFlight.size;
      let full = false;
      if (free > 0) {
        try {
          const batch = await this.store.claim(free, this.leaseMs);
          for (const d of batch) this.track(this.deliver(d));
          full = batch.length === free;
        } catch (err) {
          this.logger.warn(`claiming webhook deliveries failed: ${(err as Error)?.message ?? String(err)}`);
        }
      }
      // A full batch may leave more due work: claim again at once (or wait for a free slot).
      if (this.running && !(full && this.inFlight.size < this.options.concurrency)) await this.idler.wait(this.options.pollMs);
    }
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => {
      const wasFull = this.inFlight.size >= this.options.concurrency;
      this.inFlight.delete(p);
      if (wasFull) this.wake();
    });
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    try {
      if (d.roundAttempt > this.options.policy.maxAttempts) {
        // Earlier attempts of this round never reported (a crash mid-attempt) and used the budget up.
        await this.store.abandon(d, `gave up: attempt ${d.attempt} would exceed ${this.options.policy.maxAttempts} attempts (earlier attempts were interrupted)`);
        return;
      }
      const outcome = await this.send(d, this.options.timeoutMs);
      const next = nextAfterAttempt(d.roundAttempt, outcome.delivered, this.options.policy);
      const applied = await this.store.record(d, outcome, next);
      if (!applied) {
        this.logger.warn(`webhook delivery ${d.id} attempt ${d.attempt}: result not recorded (the delivery changed or was claimed again meanwhile)`);
      } else if (next.status === 'dead') {
        this.logger.warn(`webhook delivery ${d.id} (event ${d.eventId}, webhook ${d.webhookId}) is dead after attempt ${d.attempt}: ${outcome.error}`);
      } else if (next.status === 'failed') {
        this.logger.debug?.(`webhook delivery ${d.id} attempt ${d.attempt} failed (${outcome.error}); retry in ${next.delayMs} ms`);
      }
    } catch (err) {
      // The claim's lease ends and the delivery is retried: at least once, never lost.
      this.logger.error(`webhook delivery ${d.id} attempt ${d.attempt} could not be recorded: ${(err as Error)?.message ?? String(err)}`);
    }
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { jetstream, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeEnvelope, LogLine, OrchError, OrchNames, validatePlain } from '@orch/contracts';
import { NATS_CONNECTION, ORCH_NAMES } from '@orch/messaging';

/** A stored log line as `GET /api/v1/jobs/:id/logs` returns it. */
export interface JobLogItem extends LogLine {
  /** Stream sequence of the message: a stable, increasing position. */
  seq: number;
}

/** Messages per pull; bounds one round trip, not the answer. */
const FETCH_BATCH = 500;
/** How long one pull waits for messages the consumer reported pending. */
const FETCH_EXPIRES_MS = 5_000;
/** The server removes an abandoned reader's consumer after this (we also delete it when done). */
const CONSUMER_INACTIVE_MS = 30_000;

/**
 * Reads a job's log lines from the logs stream (`orch.log.<tenant>.<jobId>`) with
 * an ephemeral ordered consumer, oldest first, until nothing is pending or
 * `limit` lines were read. Messages that are not a valid `job.log` envelope of
 * this tenant and job are skipped (workers publish them; one bad line must not
 * hide the rest).
 */
@Injectable()
export class JobLogsReader {
  private readonly logger = new Logger(JobLogsReader.name);
  private readonly js: JetStreamClient;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
  ) {
    this.js = jetstream(nc);
  }

  async read(tenant: string, jobId: string, limit: number): Promise<JobLogItem[]> {
    try {
      return await this.readStream(tenant, jobId, limit);
    } catch (err) {
      throw new OrchError('unavailable', 'job logs cannot be read right now; retry later', { cause: err });
    }
  }

  private async readStream(tenant: string, jobId: string, limit: number): Promise<JobLogItem[]> {
    const consumer = await this.js.consumers.get(this.names.streams.logs, {
      filter_subjects: this.names.log(tenant, jobId),
      inactive_threshold: CONSUMER_INACTIVE_MS,
    });
    const items: JobLogItem[] = [];
    let skipped = 0;
    try {
      let pending = (await consumer.info(true)).num_pending;
      while (pending > 0 && items.length < limit) {
        const batch = await consumer.fetch({ max_messages: Math.min(FETCH_BATCH, pending, limit - items.length), expires: FETCH_EXPIRES_MS });
        let received = 0;
        for await (const m of batch) {
          received += 1;
          pending = m.info.pending;
          const item = toLogItem(m, tenant, jobId);
          if (item) items.push(item);
          else skipped += 1;
          if (pending === 0 || items.length >= limit) {
            batch.stop();
            break;
          }
        }
        if (received === 0) break;
      }
    } finally {
      await consumer.delete().catch(() => undefined);
    }
    if (skipped > 0) this.logger.warn(`skipped ${skipped} undecodable log message(s) of job ${jobId}`);
    return items;
  }
}

function toLogItem(m: JsMsg, tenant: string, jobId: string): JobLogItem | null {
  try {
    const env = decodeEnvelope(m.data);
    if (env.type !== 'job.log' || env.tenant !== tenant) return null;
    const line = validatePlain(LogLine, env.data, 'log line');
    if (line.jobId !== jobId) return null;
    return { seq: m.seq, jobId: line.jobId, attempt: line.attempt, level: line.level, message: line.message, ts: line.ts };
  } catch {
    return null;
  }
}

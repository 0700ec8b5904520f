import { Inject, Injectable, Logger } from '@nestjs/common';
import { OrchError, OrchNames } from '@orch/contracts';
import { ORCH_NAMES } from '@orch/messaging';
import { JobRow, LEDGER_DATA_SOURCE, LedgerReader } from '@orch/persistence';
import type { Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { EventNotifierConfig } from '../config';
import { SseTransport } from '../sse/sse-transport';
import { LiveStreams } from '../streams/live-streams.service';
import { JobEndWatch } from './job-end-watch';
import { decodeLogLine, LogFraming, parseLogStreamStart } from './log-lines';

/** The textual UUID form (any version); ledger job ids are UUIDv7. */
const JOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who asks for which job's log. */
export interface LogStreamCaller {
  tenant: string;
  /** When the caller's token expires (epoch ms). */
  expiresAt?: number;
}

/**
 * Opens SSE streams of one job's log lines: an ordered consumer on the LOGS
 * stream (filter `orch.log.<tenant>.<jobId>`), ended by a {@link JobEndWatch}
 * with `event: end` once the job is terminal.
 */
@Injectable()
export class LogStreamService {
  private readonly logger = new Logger('LogStreamService');
  private readonly reader = new LedgerReader();

  constructor(
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
    @Inject(LEDGER_DATA_SOURCE) private readonly ledger: DataSource,
    private readonly config: EventNotifierConfig,
    private readonly streams: LiveStreams,
  ) {}

  /**
   * Serves the log of `jobId` on `res` until the job ended and every line was
   * sent, the client leaves, is too slow, its token expires, or the service
   * shuts down.
   *
   * @throws OrchError `not_found` unless the job is the caller's tenant's (the
   *   same answer as for an id that never existed); `validation_failed` for a
   *   bad Last-Event-ID or `from`; `unavailable` (nothing written) when the
   *   ledger or NATS cannot answer, or while shutting down.
   */
  async open(req: Request, res: Response, jobId: string, caller: LogStreamCaller): Promise<void> {
    const start = parseLogStreamStart(req.headers, req.query as Record<string, unknown>);
    const resume = 'with Last-Event-ID';
    this.streams.refuseWhileStopping(resume);
    const job = await this.mustFind(caller.tenant, jobId);
    const stream = this.names.streams.logs;
    const subject = this.names.log(caller.tenant, job.id);
    const label = `SSE log of job ${job.id} (tenant ${caller.tenant})`;
    const framing = new LogFraming();
    const transport = new SseTransport(req, res, this.config.LOG_STREAM_MAX_BUFFER_BYTES, framing, this.logger, label);
    const live = await this.streams.run(
      {
        label,
        stream,
        filterSubject: subject,
        startSeq: await this.streams.firstSequence(stream, start),
        decode: (m) => decodeLogLine(m, caller.tenant, job.id),
        transport,
        keepAliveMs: this.config.SSE_KEEPALIVE_MS,
        ...(caller.expiresAt !== undefined ? { expiresAt: caller.expiresAt } : {}),
      },
      resume,
    );
    if (!live) return;
    const watch = new JobEndWatch(
      job.id,
      {
        status: async () => (await this.reader.getJob(this.ledger, caller.tenant, job.id))?.status ?? null,
        lastLogSeq: () => this.streams.lastSequenceOf(stream, subject),
      },
      this.config.LOG_STREAM_END_POLL_MS,
      this.logger,
    );
    const about = { jobId: job.id, tenant: job.tenant, project: job.project, correlationId: job.correlationId };
    void watch.run(live, job.status, (end) => (framing.end = { ...about, ...end }));
  }

  /** The tenant's job, or 404 — the same for a malformed id, an unknown id and another tenant's job. */
  private async mustFind(tenant: string, id: string): Promise<JobRow> {
    const valid = JOB_ID_PATTERN.test(id);
    let job: JobRow | null = null;
    if (valid) {
      try {
        job = await this.reader.getJob(this.ledger, tenant, id);
      } catch (cause) {
        throw new OrchError('unavailable', 'the ledger database is unavailable; retry later', { cause });
      }
    }
    if (!job) throw new OrchError('notFound', `job ${valid ? id : '(invalid id)'} not found`);
    return job;
  }
}

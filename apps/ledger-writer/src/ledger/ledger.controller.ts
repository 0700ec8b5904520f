import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AdmitCommand,
  AppendAuditCommand,
  ArtifactRequest,
  CancelJobCommand,
  CancelRunCommand,
  CompleteRequest,
  ControlBackfillCommand,
  CreateBackfillCommand,
  ExpireCommand,
  FailRequest,
  FencedRequest,
  HeartbeatRequest,
  LeaseCommand,
  LedgerVerb,
  ProgressRequest,
  PromoteCommand,
  PurgeDeadLettersCommand,
  ReplayJobsCommand,
  SubmitBatchCommand,
  SubmitJobCommand,
  SubmitRunCommand,
  ThrottleCommand,
} from '@orch/contracts';
import { Incoming, Route } from '@orch/messaging';
import { LedgerService } from './ledger.service';

const cmd = (verb: LedgerVerb) => Route.command('ledger-writer', verb);

/** `orch.cmd.ledgerwriter.<verb>`: every ledger change goes through here. */
@Controller()
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @MessagePattern(cmd('submit'), { data: SubmitJobCommand })
  submit(@Payload() m: Incoming<SubmitJobCommand>) {
    return this.ledger.execute('submit', m);
  }

  @MessagePattern(cmd('promote'), { data: PromoteCommand })
  promote(@Payload() m: Incoming<PromoteCommand>) {
    return this.ledger.execute('promote', m);
  }

  @MessagePattern(cmd('admit'), { data: AdmitCommand })
  admit(@Payload() m: Incoming<AdmitCommand>) {
    return this.ledger.execute('admit', m);
  }

  @MessagePattern(cmd('throttle'), { data: ThrottleCommand })
  throttle(@Payload() m: Incoming<ThrottleCommand>) {
    return this.ledger.execute('throttle', m);
  }

  @MessagePattern(cmd('lease'), { data: LeaseCommand })
  lease(@Payload() m: Incoming<LeaseCommand>) {
    return this.ledger.execute('lease', m);
  }

  @MessagePattern(cmd('start'), { data: FencedRequest })
  start(@Payload() m: Incoming<FencedRequest>) {
    return this.ledger.execute('start', m);
  }

  @MessagePattern(cmd('heartbeat'), { data: HeartbeatRequest })
  heartbeat(@Payload() m: Incoming<HeartbeatRequest>) {
    return this.ledger.execute('heartbeat', m);
  }

  @MessagePattern(cmd('progress'), { data: ProgressRequest })
  progress(@Payload() m: Incoming<ProgressRequest>) {
    return this.ledger.execute('progress', m);
  }

  @MessagePattern(cmd('complete'), { data: CompleteRequest })
  complete(@Payload() m: Incoming<CompleteRequest>) {
    return this.ledger.execute('complete', m);
  }

  @MessagePattern(cmd('fail'), { data: FailRequest })
  fail(@Payload() m: Incoming<FailRequest>) {
    return this.ledger.execute('fail', m);
  }

  @MessagePattern(cmd('expire'), { data: ExpireCommand })
  expire(@Payload() m: Incoming<ExpireCommand>) {
    return this.ledger.execute('expire', m);
  }

  /** Operator cancel → CancelJobResult (see CancelJobCommand). */
  @MessagePattern(cmd('cancel'), { data: CancelJobCommand })
  cancel(@Payload() m: Incoming<CancelJobCommand>) {
    return this.ledger.execute('cancel', m);
  }

  /** 1..1000 jobs, all or nothing → SubmitBatchResult. */
  @MessagePattern(cmd('submit-batch'), { data: SubmitBatchCommand })
  submitBatch(@Payload() m: Incoming<SubmitBatchCommand>) {
    return this.ledger.execute('submit-batch', m);
  }

  /** A DAG run: the run, its edges and every job, all or nothing → SubmitRunResult (docs/runs.md). */
  @MessagePattern(cmd('submit-run'), { data: SubmitRunCommand })
  submitRun(@Payload() m: Incoming<SubmitRunCommand>) {
    return this.ledger.execute('submit-run', m);
  }

  /** Cancels every unfinished job of a run → CancelRunResult (see CancelRunCommand). */
  @MessagePattern(cmd('cancel-run'), { data: CancelRunCommand })
  cancelRun(@Payload() m: Incoming<CancelRunCommand>) {
    return this.ledger.execute('cancel-run', m);
  }

  /** Replays of finished jobs (one, or a bulk of dead letters) → ReplayJobsResult (see ReplayJobsCommand). */
  @MessagePattern(cmd('replay'), { data: ReplayJobsCommand })
  replay(@Payload() m: Incoming<ReplayJobsCommand>) {
    return this.ledger.execute('replay', m);
  }

  /** Removes dead letters from the set → PurgeDeadLettersResult. */
  @MessagePattern(cmd('purge-dead-letters'), { data: PurgeDeadLettersCommand })
  purgeDeadLetters(@Payload() m: Incoming<PurgeDeadLettersCommand>) {
    return this.ledger.execute('purge-dead-letters', m);
  }

  /** A fenced worker's artifact, stored in its tenant's bucket, into the ledger → RecordArtifactResult (docs/artifacts.md). */
  @MessagePattern(cmd('artifact'), { data: ArtifactRequest })
  artifact(@Payload() m: Incoming<ArtifactRequest>) {
    return this.ledger.execute('artifact', m);
  }

  /** A backfill and its jobs, planned under the tenant's lock → CreateBackfillResult (docs/backfills.md). */
  @MessagePattern(cmd('create-backfill'), { data: CreateBackfillCommand })
  createBackfill(@Payload() m: Incoming<CreateBackfillCommand>) {
    return this.ledger.execute('create-backfill', m);
  }

  /** Pause, resume or cancel a backfill → ControlBackfillResult. */
  @MessagePattern(cmd('control-backfill'), { data: ControlBackfillCommand })
  controlBackfill(@Payload() m: Incoming<ControlBackfillCommand>) {
    return this.ledger.execute('control-backfill', m);
  }

  /** An operator change made by another service, into the audit log → AppendAuditResult. */
  @MessagePattern(cmd('audit'), { data: AppendAuditCommand })
  audit(@Payload() m: Incoming<AppendAuditCommand>) {
    return this.ledger.execute('audit', m);
  }
}

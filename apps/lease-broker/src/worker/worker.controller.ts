import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ArtifactRequest,
  ClaimRequest,
  CompleteRequest,
  CompleteResult,
  FailRequest,
  FailResult,
  FencedRequest,
  HeartbeatRequest,
  LeaseResult,
  LedgerVerb,
  ProgressRequest,
  RecordArtifactResult,
  UpstreamReportRequest,
  UpstreamReportResult,
} from '@orch/contracts';
import { Incoming, OrchClient, Route } from '@orch/messaging';
import { ArtifactBuckets } from '../artifacts/artifact-buckets.service';
import { ClaimService } from './claim.service';
import { assertSubjectTenant } from './worker-protocol';

/**
 * The worker protocol, `<ns>.worker.<tenant>.<verb>` (docs/protocol.md). Claims
 * are served here; `upstream` goes to the rate-limiter; every other verb is the
 * ledger-writer command of the same name (`artifact` once held to the size limit),
 * forwarded with the worker's envelope fields. Ledger errors (stale_lease
 * 409, …) pass through unchanged.
 */
@Controller()
export class WorkerController {
  constructor(
    private readonly claims: ClaimService,
    private readonly client: OrchClient,
    private readonly artifacts: ArtifactBuckets,
  ) {}

  @MessagePattern(Route.worker('claim'), { data: ClaimRequest })
  claim(@Payload() m: Incoming<ClaimRequest>) {
    assertSubjectTenant(m.subject, m.envelope.tenant);
    return this.claims.claim(m);
  }

  @MessagePattern(Route.worker('start'), { data: FencedRequest })
  start(@Payload() m: Incoming<FencedRequest>) {
    return this.forward<LeaseResult>('start', m);
  }

  @MessagePattern(Route.worker('heartbeat'), { data: HeartbeatRequest })
  heartbeat(@Payload() m: Incoming<HeartbeatRequest>) {
    return this.forward<LeaseResult>('heartbeat', m);
  }

  @MessagePattern(Route.worker('progress'), { data: ProgressRequest })
  progress(@Payload() m: Incoming<ProgressRequest>) {
    return this.forward<LeaseResult>('progress', m);
  }

  @MessagePattern(Route.worker('complete'), { data: CompleteRequest })
  complete(@Payload() m: Incoming<CompleteRequest>) {
    return this.forward<CompleteResult>('complete', m);
  }

  @MessagePattern(Route.worker('fail'), { data: FailRequest })
  fail(@Payload() m: Incoming<FailRequest>) {
    return this.forward<FailResult>('fail', m);
  }

  /** An upstream's 429/5xx slows the job source's adaptive rate limits: the rate-limiter's command. */
  @MessagePattern(Route.worker('upstream'), { data: UpstreamReportRequest })
  upstream(@Payload() m: Incoming<UpstreamReportRequest>) {
    return this.forward<UpstreamReportResult>('upstream', m, 'rate-limiter');
  }

  /** An artifact the worker stored in its tenant's bucket: held to `ARTIFACT_MAX_BYTES`, then the ledger's fenced `artifact`. */
  @MessagePattern(Route.worker('artifact'), { data: ArtifactRequest })
  artifact(@Payload() m: Incoming<ArtifactRequest>) {
    assertSubjectTenant(m.subject, m.envelope.tenant);
    this.artifacts.checkSize(m.data);
    return this.forward<RecordArtifactResult>('artifact', m);
  }

  private forward<T>(verb: LedgerVerb | 'upstream', m: Incoming<object>, service: 'ledger-writer' | 'rate-limiter' = 'ledger-writer'): Promise<T> {
    assertSubjectTenant(m.subject, m.envelope.tenant);
    const env = m.envelope;
    return this.client.command<T>(service, verb, {
      type: `${service === 'ledger-writer' ? 'ledger' : 'ratelimiter'}.${verb}`,
      tenant: env.tenant,
      project: env.project,
      correlationId: env.correlationId,
      causationId: env.id,
      jobType: env.jobType,
      taskRunnerId: env.taskRunnerId,
      data: m.data,
    });
  }
}

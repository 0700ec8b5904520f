import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
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
} from '@orch/contracts';
import { Incoming, OrchClient, Route } from '@orch/messaging';
import { ClaimService } from './claim.service';
import { assertSubjectTenant } from './worker-protocol';

/**
 * The worker protocol, `<ns>.worker.<tenant>.<verb>` (docs/protocol.md). Claims
 * are served here; every other verb is the ledger-writer command of the same
 * name, forwarded with the worker's envelope fields. Ledger errors (stale_lease
 * 409, …) pass through unchanged.
 */
@Controller()
export class WorkerController {
  constructor(
    private readonly claims: ClaimService,
    private readonly client: OrchClient,
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

  private forward<T>(verb: LedgerVerb, m: Incoming<object>): Promise<T> {
    assertSubjectTenant(m.subject, m.envelope.tenant);
    const env = m.envelope;
    return this.client.command<T>('ledger-writer', verb, {
      type: `ledger.${verb}`,
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

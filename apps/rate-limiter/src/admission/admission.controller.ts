import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RateLimitAdmitCommand, RateLimitAdmitResult } from '@orch/contracts';
import { Incoming, Route } from '@orch/messaging';
import { ADMISSION_POLICY, AdmissionPolicy } from './admission-policy';

/** `orch.cmd.ratelimiter.admit`: the scheduler asks, per tenant, which jobs may run now. */
@Controller()
export class AdmissionController {
  constructor(@Inject(ADMISSION_POLICY) private readonly policy: AdmissionPolicy) {}

  @MessagePattern(Route.command('rate-limiter', 'admit'), { data: RateLimitAdmitCommand })
  admit(@Payload() m: Incoming<RateLimitAdmitCommand>): Promise<RateLimitAdmitResult> {
    return this.policy.decide({ tenant: m.envelope.tenant, jobs: m.data.jobs, now: new Date(), correlationId: m.envelope.correlationId });
  }
}

import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@orch/auth';
import { JobExplanation, Scopes } from '@orch/contracts';
import { ApiJsonResponse } from '@orch/service-kit';
import { TenantId } from '../http/tenant.decorator';
import { ApiJobIdParam, JobNotFound, Unavailable } from '../openapi-decorators';
import { S } from '../openapi-schemas';
import { explainExamples } from './explain.examples';
import { ExplainService } from './explain.service';

/** Why a job is not running right now. */
@ApiTags('jobs')
@Controller('api/v1/jobs')
export class ExplainController {
  constructor(private readonly explainer: ExplainService) {}

  @Get(':id/explain')
  @RequireScopes(Scopes.read)
  @ApiOperation({
    operationId: 'explainJob',
    summary: 'Why a job is not running',
    description:
      'What holds the job right now, most decisive first: its run\'s unfinished parents, `runAt`, a retry backoff, the limit, quota, pause or ' +
      'circuit breaker that throttles it (with rule and key), its place among the tenant\'s eligible jobs of its type, or the absence of a ' +
      'worker; with the next eligible time where one is known. For a leased, running or finished job it says what the job is doing or how it ended.',
  })
  @ApiJobIdParam()
  @ApiJsonResponse(200, { description: 'The explanation.', schema: S.jobExplanation, examples: explainExamples })
  @JobNotFound()
  @Unavailable('the ledger database', false)
  explain(@TenantId() tenant: string, @Param('id') id: string): Promise<JobExplanation> {
    return this.explainer.explain(tenant, id);
  }
}

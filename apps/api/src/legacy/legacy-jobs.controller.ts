import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@orch/auth';
import { JobView, Scopes } from '@orch/contracts';
import { ApiJsonResponse, ApiProblemResponse } from '@orch/service-kit';
import type { Response } from 'express';
import { ApiConfig } from '../config';
import { TenantId } from '../http/tenant.decorator';
import { ApiJobIdParam, Unavailable } from '../openapi-decorators';
import { EXAMPLE_JOB_ID, jobExamples } from '../openapi-examples';
import { S } from '../openapi-schemas';
import { JobsService } from '../jobs/jobs.service';
import { deprecationHeaders, LEGACY_DETAIL_DEPRECATED_AT, parseSunset } from './deprecation';

/** Headers of every answer of a deprecated route (see {@link deprecationHeaders}). */
const DEPRECATION_HEADERS = {
  Deprecation: { description: 'RFC 9745: when the route was deprecated, `@<unix seconds>`.', schema: { type: 'string' }, example: `@${Math.floor(LEGACY_DETAIL_DEPRECATED_AT.getTime() / 1000)}` },
  Sunset: { description: 'RFC 8594: when the route stops answering (`API_LEGACY_SUNSET`), an HTTP-date.', schema: { type: 'string' }, example: 'Wed, 30 Jun 2027 00:00:00 GMT' },
  Link: { description: 'The route that replaces it, `rel="successor-version"`.', schema: { type: 'string' }, example: `</api/v1/jobs/${EXAMPLE_JOB_ID}>; rel="successor-version"` },
};

/** Deprecated routes kept for old clients until `API_LEGACY_SUNSET`. */
@ApiTags('jobs')
@Controller('api/v1/jobs')
export class LegacyJobsController {
  private readonly sunset: Date;

  constructor(
    private readonly jobs: JobsService,
    config: ApiConfig,
  ) {
    // Validated at boot (IsLegacySunset), so this cannot be undefined.
    this.sunset = parseSunset(config.API_LEGACY_SUNSET)!;
  }

  /**
   * Deprecated alias of `GET /api/v1/jobs/{id}`: the same body and errors, plus
   * `Deprecation`, `Sunset` and a `Link` to the successor on every answer
   * (404s included, so a client learns of the move whatever it asks).
   */
  @Get(':id/detail')
  @RequireScopes(Scopes.read)
  @ApiOperation({
    operationId: 'getJobDetailLegacy',
    summary: 'Get a job (deprecated alias)',
    description: 'Deprecated: use `GET /api/v1/jobs/{id}`. Same body and errors, plus `Deprecation`, `Sunset` and a `Link` to the successor on every answer, 404s included.',
    deprecated: true,
  })
  @ApiJobIdParam()
  @ApiJsonResponse(200, { description: 'The job, as `GET /api/v1/jobs/{id}` answers it.', schema: S.job, examples: { queued: jobExamples.queued }, ownHeaders: DEPRECATION_HEADERS })
  @ApiProblemResponse(404, {
    description: "No such job in the caller's tenant; the deprecation headers come with it too.",
    headers: DEPRECATION_HEADERS,
    examples: { not_found: { code: 'not_found', detail: `job ${EXAMPLE_JOB_ID} not found`, instance: `/api/v1/jobs/${EXAMPLE_JOB_ID}/detail` } },
  })
  @Unavailable('the ledger database', false)
  detail(@TenantId() tenant: string, @Param('id') id: string, @Res({ passthrough: true }) res: Response): Promise<JobView> {
    const headers = deprecationHeaders({ deprecatedAt: LEGACY_DETAIL_DEPRECATED_AT, sunset: this.sunset, successor: `/api/v1/jobs/${encodeURIComponent(id)}` });
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    return this.jobs.get(tenant, id);
  }
}

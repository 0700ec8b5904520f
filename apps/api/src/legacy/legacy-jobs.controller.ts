import { Controller, Get, Param, Res } from '@nestjs/common';
import { RequireScopes } from '@orch/auth';
import { JobView, Scopes } from '@orch/contracts';
import type { Response } from 'express';
import { ApiConfig } from '../config';
import { TenantId } from '../http/tenant.decorator';
import { JobsService } from '../jobs/jobs.service';
import { deprecationHeaders, LEGACY_DETAIL_DEPRECATED_AT, parseSunset } from './deprecation';

/** Deprecated routes kept for old clients until `API_LEGACY_SUNSET`. */
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
  detail(@TenantId() tenant: string, @Param('id') id: string, @Res({ passthrough: true }) res: Response): Promise<JobView> {
    const headers = deprecationHeaders({ deprecatedAt: LEGACY_DETAIL_DEPRECATED_AT, sunset: this.sunset, successor: `/api/v1/jobs/${encodeURIComponent(id)}` });
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    return this.jobs.get(tenant, id);
  }
}

import { Controller, Get, Query } from '@nestjs/common';
import { RequireScopes } from '@orch/auth';
import { Scopes } from '@orch/contracts';
import { TenantId } from '../http/tenant.decorator';
import { parseAuditQuery } from './audit.params';
import { AuditPage, AuditService } from './audit.service';

/** `GET /api/v1/audit`: who did what to which target, and why (the tenant's hash-chained audit log). */
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /**
   * Entries newest first; filters `action`, `targetType`, `targetId`, `project`,
   * `from` (inclusive), `to` (exclusive); `page_size`/`page_token` →
   * `next_page_token` (null on the last page).
   */
  @Get()
  @RequireScopes(Scopes.read)
  list(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<AuditPage> {
    return this.audit.list(tenant, parseAuditQuery(query));
  }
}

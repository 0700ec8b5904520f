import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@orch/auth';
import { Scopes } from '@orch/contracts';
import { ApiJsonResponse, ApiPageQuery } from '@orch/service-kit';
import { TenantId } from '../http/tenant.decorator';
import { BadQuery, Unavailable } from '../openapi-decorators';
import { auditPageExample } from '../openapi-examples';
import { S } from '../openapi-schemas';
import { parseAuditQuery } from './audit.params';
import { AuditPage, AuditService } from './audit.service';

/** `GET /api/v1/audit`: who did what to which target, and why (the tenant's hash-chained audit log). */
@ApiTags('audit')
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
  @ApiOperation({
    operationId: 'listAudit',
    summary: "List the tenant's audit log",
    description:
      'Operator actions, newest first: who (token subject and scopes), what (`action` on `targetType`/`targetId`, with the target before and after), ' +
      'why (`reason`, `ticket`). Entries are hash-chained per tenant. Cursor pagination like every list.',
  })
  @ApiQuery({ name: 'action', required: false, description: '`<noun>.<verb>`, e.g. `job.cancel`.', schema: { type: 'string' }, example: 'job.cancel' })
  @ApiQuery({ name: 'targetType', required: false, description: 'e.g. `job`, `webhook`.', schema: { type: 'string' }, example: 'job' })
  @ApiQuery({ name: 'targetId', required: false, description: 'The id of the target.', schema: { type: 'string' } })
  @ApiQuery({ name: 'project', required: false, schema: { type: 'string' }, example: 'ingest' })
  @ApiQuery({ name: 'from', required: false, description: 'Entries at or after this instant (ISO 8601 with a time zone).', schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'to', required: false, description: 'Entries before this instant.', schema: { type: 'string', format: 'date-time' } })
  @ApiPageQuery()
  @ApiJsonResponse(200, { description: 'A page of entries.', schema: S.auditPage, examples: auditPageExample })
  @BadQuery('invalid audit query', 'page_token', 'page_token is not a token this API issued')
  @Unavailable('the ledger database', false)
  list(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<AuditPage> {
    return this.audit.list(tenant, parseAuditQuery(query));
  }
}

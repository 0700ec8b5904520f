import { Controller, Headers, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorAction, RequireScopes } from '@orch/auth';
import { OperatorContext, Scopes } from '@orch/contracts';
import { BUNDLE_ARCHIVE_MEDIA_TYPE } from '@orch/persistence';
import { ApiProblemResponse, componentRef, OpenApiRefs } from '@orch/service-kit';
import type { Request, Response } from 'express';
import { IDEMPOTENCY_KEY_HEADER } from '../http/headers';
import { noBodyActionKey } from '../http/no-body';
import { TenantId } from '../http/tenant.decorator';
import { IdempotencyConflict, REASON_MISSING, Unavailable } from '../openapi-decorators';
import { BUNDLE_DIGEST_HEADER, EXPORT_AUDIT_ACTION } from './export-command';
import { EXPORTS_IN_FLIGHT_MAX, ExportsService } from './exports.service';

const H = OpenApiRefs.headers;
const header = (description: string) => ({ description, schema: { type: 'string' as const } });

/**
 * `POST /api/v1/exports`: the caller's tenant's state as an offline-kit
 * bundle archive (docs/offline-kit.md), for `orchctl import` at another site.
 */
@ApiTags('exports')
@Controller('api/v1/exports')
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Post()
  @RequireScopes(Scopes.operate)
  @OperatorAction({ ticket: 'optional' })
  @ApiOperation({
    operationId: 'exportTenantState',
    summary: "Export the tenant's state as a bundle archive",
    description:
      "Answers one tar archive holding the caller's tenant's rows of every ledger and limits table (jobs, runs and edges, ledger events and chain " +
      'heads, audit log, dead letters, idempotency keys, schedules and fires, backfills and watermarks, limit rules, pauses, quota state, admissions): ' +
      '`manifest.json` first (counts, sizes, SHA-256 of each file, the tenant in `scope`), then one NDJSON file per table, all from one consistent ' +
      'snapshot and streamed table by table. Another tenant\'s rows and rows of no tenant (rules and pauses over every tenant, their state) are never in it. ' +
      'The same state gives the same bytes. `orchctl verify --in <file>.tar` checks it and `orchctl import --in <file>.tar` writes it into another database. ' +
      `Operator action (\`X-Orch-Reason\`, \`X-Orch-Ticket\` optional), audited as \`${EXPORT_AUDIT_ACTION}\` with the bundle's digest before the first byte is sent. ` +
      'Takes no body. A retry with the same `Idempotency-Key` is not audited again (`Idempotent-Replayed: true`) and answers the state as it is then. ' +
      `At most ${EXPORTS_IN_FLIGHT_MAX} exports run at once per api replica.`,
  })
  @ApiResponse({
    status: 200,
    description: 'The bundle archive. A failure after the headers cuts the connection: an archive shorter than `Content-Length` is not a bundle.',
    headers: {
      'Content-Type': header(`\`${BUNDLE_ARCHIVE_MEDIA_TYPE}\``),
      'Content-Length': { description: 'The exact size of the archive.', schema: { type: 'integer', minimum: 0 } },
      'Content-Disposition': header('`attachment; filename="orch-<tenant>-<first 12 hex digits of the digest>.tar"`.'),
      [BUNDLE_DIGEST_HEADER]: { description: "The manifest's `digest` (SHA-256 over the scope and the file listing, hex): the bundle's fingerprint, as the audit entry records it.", schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
      [H.idempotencyKey]: componentRef('headers', H.idempotencyKey),
      [H.idempotentReplayed]: componentRef('headers', H.idempotentReplayed),
      'Cache-Control': header('`no-store`'),
    },
    content: { [BUNDLE_ARCHIVE_MEDIA_TYPE]: { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblemResponse(400, {
    description: 'No (or a too long) `X-Orch-Reason`, a body with fields, a malformed Idempotency-Key (`validation_failed`), or no tenant chosen (`tenant_required`).',
    examples: { reason: REASON_MISSING },
  })
  @IdempotencyConflict('reason or ticket')
  @Unavailable('the ledger database or ledger-writer (the audit), or this replica runs its maximum of exports,', true)
  async export(
    @TenantId() tenant: string,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.exports.stream(tenant, operator, noBodyActionKey(req, idempotencyKey), res);
  }
}

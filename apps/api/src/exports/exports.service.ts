import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppendAuditResult, OperatorContext, OrchError } from '@orch/contracts';
import { OrchClient } from '@orch/messaging';
import { BundleError, ExportClient, LEDGER_DATA_SOURCE, STATE_BUNDLE_MIGRATION_TABLES, STATE_BUNDLE_SCHEMAS, writeBundleArchive } from '@orch/persistence';
import { currentContext } from '@orch/telemetry';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { ApiConfig } from '../config';
import { commandFailure } from '../http/command-failure';
import { IDEMPOTENT_REPLAYED_HEADER } from '../http/headers';
import { ledgerReadFailure } from '../jobs/ledger-errors';
import { exportAuditCommand, exportHeaders } from './export-command';

/**
 * Exports running at once on one api replica: each holds a pooled connection
 * and a snapshot for as long as its download takes, so a few must leave the
 * pool to the other routes.
 */
export const EXPORTS_IN_FLIGHT_MAX = 2;

/**
 * `POST /api/v1/exports`: the caller's tenant's state bundle as one tar
 * archive, streamed table by table from one read-only snapshot of the ledger
 * pool (ADR 0019). The export is audited (`state.export`, through
 * ledger-writer) after the bundle is measured and before its first byte is
 * sent: no audit entry, no bytes.
 */
@Injectable()
export class ExportsService {
  private readonly logger = new Logger('Exports');
  private inFlight = 0;

  constructor(
    @Inject(LEDGER_DATA_SOURCE) private readonly ds: DataSource,
    private readonly client: OrchClient,
    private readonly config: ApiConfig,
  ) {}

  /**
   * Streams `tenant`'s bundle into `res`. Before the headers are sent, a
   * failure is thrown as a problem (503 when busy, the database or
   * ledger-writer unavailable; 409 for a reused key); after, `res` is cut,
   * so the client never mistakes a partial archive for a whole one.
   */
  async stream(tenant: string, operator: OperatorContext, idempotencyKey: string, res: Response): Promise<void> {
    if (this.inFlight >= EXPORTS_IN_FLIGHT_MAX) {
      throw new OrchError('unavailable', `${EXPORTS_IN_FLIGHT_MAX} exports are already running on this api replica; retry later`);
    }
    this.inFlight += 1;
    let gone = false;
    res.once('close', () => (gone = true));
    const qr = this.ds.createQueryRunner();
    try {
      const db = (await qr.connect()) as ExportClient;
      await writeBundleArchive(db, res, {
        schemas: STATE_BUNDLE_SCHEMAS,
        migrationTables: STATE_BUNDLE_MIGRATION_TABLES,
        tenant,
        beforeWrite: async (manifest, bytes) => {
          // A caller that hung up while the bundle was measured gets no audit entry for an export it never received.
          if (gone) throw new OrchError('unavailable', 'the caller went away before the export was sent; nothing was audited');
          const audit = await this.audit(tenant, exportAuditCommand(tenant, manifest, operator, idempotencyKey));
          res.status(200).set(exportHeaders(tenant, manifest, bytes)).setHeader('Idempotency-Key', idempotencyKey);
          if (!audit.created) res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
        },
      });
    } catch (err) {
      if (!res.headersSent) throw err instanceof BundleError ? new OrchError('internal', err.message, { cause: err }) : ledgerReadFailure(err);
      this.logger.warn(`export of tenant ${tenant} cut after the headers: ${(err as Error)?.message ?? String(err)}`);
    } finally {
      await qr.release().catch(() => undefined);
      this.inFlight -= 1;
    }
  }

  private async audit(tenant: string, data: ReturnType<typeof exportAuditCommand>): Promise<AppendAuditResult> {
    const timeoutMs = this.config.API_COMMAND_TIMEOUT_MS;
    try {
      return await this.client.command<AppendAuditResult>(
        'ledger-writer',
        'audit',
        { type: 'ledger.audit', tenant, project: '*', correlationId: currentContext().correlationId ?? uuidv7(), data },
        { timeoutMs },
      );
    } catch (err) {
      throw commandFailure(err, 'ledger-writer', timeoutMs);
    }
  }
}

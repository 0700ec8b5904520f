import { Inject, Injectable } from '@nestjs/common';
import type { AuditEntryView } from '@orch/contracts';
import { LEDGER_DATA_SOURCE, LedgerReader } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { ledgerReadFailure } from '../jobs/ledger-errors';
import { AuditQueryParams, encodeAuditPageToken } from './audit.params';

/** A page of `GET /api/v1/audit`. */
export interface AuditPage {
  items: AuditEntryView[];
  next_page_token: string | null;
}

/** The caller's tenant's audit log, read from the ledger through the read-only pool. */
@Injectable()
export class AuditService {
  private readonly reader = new LedgerReader();

  constructor(@Inject(LEDGER_DATA_SOURCE) private readonly ds: DataSource) {}

  async list(tenant: string, params: AuditQueryParams): Promise<AuditPage> {
    try {
      const page = await this.reader.listAudit(this.ds, {
        tenant,
        action: params.action,
        targetType: params.targetType,
        targetId: params.targetId,
        project: params.project,
        from: params.from,
        to: params.to,
        pageSize: params.pageSize,
        after: params.afterSeq,
      });
      return { items: page.entries, next_page_token: page.next === null ? null : encodeAuditPageToken(page.next) };
    } catch (err) {
      throw ledgerReadFailure(err);
    }
  }
}

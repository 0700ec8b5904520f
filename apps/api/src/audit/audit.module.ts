import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

/** The audit log resource of the control plane. */
@Module({
  controllers: [AuditController],
  providers: [AuditService],
})
export class AuditModule {}

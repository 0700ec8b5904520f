import { Module } from '@nestjs/common';
import { BackfillsController } from './backfills.controller';
import { BackfillsService } from './backfills.service';

/** Backfills: `POST /api/v1/backfills` (and dry runs), list, get, pause, resume, cancel (docs/backfills.md). */
@Module({
  controllers: [BackfillsController],
  providers: [BackfillsService],
})
export class BackfillsModule {}

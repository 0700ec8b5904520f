import { Module } from '@nestjs/common';
import { JobLogsReader } from './job-logs.reader';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

/** The jobs resource of the control plane. */
@Module({
  controllers: [JobsController],
  providers: [JobsService, JobLogsReader],
  // The legacy alias (`GET /jobs/{id}/detail`) answers with the same lookup.
  exports: [JobsService],
})
export class JobsModule {}

import { Module } from '@nestjs/common';
import { JobsOperationsController } from './jobs-operations.controller';
import { JobsOperationsService } from './jobs-operations.service';

/**
 * Batch submit, cancel and summary of jobs. Import it before JobsModule: its
 * `GET /api/v1/jobs/summary` must be registered before `GET /api/v1/jobs/:id`.
 */
@Module({
  controllers: [JobsOperationsController],
  providers: [JobsOperationsService],
})
export class JobsOperationsModule {}

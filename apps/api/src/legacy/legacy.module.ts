import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { LegacyJobsController } from './legacy-jobs.controller';

/** Deprecated aliases of current routes (`Deprecation`, `Sunset`, `Link` successor-version). */
@Module({
  imports: [JobsModule],
  controllers: [LegacyJobsController],
})
export class LegacyModule {}

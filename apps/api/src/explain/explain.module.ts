import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { ExplainController } from './explain.controller';
import { ExplainService } from './explain.service';

/** `GET /api/v1/jobs/{id}/explain`. */
@Module({
  imports: [JobsModule],
  controllers: [ExplainController],
  providers: [ExplainService],
})
export class ExplainModule {}

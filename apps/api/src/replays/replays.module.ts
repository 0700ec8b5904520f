import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { DeadLettersController, JobReplayController } from './replays.controller';
import { ReplaysService } from './replays.service';

/** Replays (`POST /api/v1/jobs/{id}/replay`) and the dead-letter set (`/api/v1/dead-letters`). */
@Module({
  imports: [JobsModule],
  controllers: [JobReplayController, DeadLettersController],
  providers: [ReplaysService],
})
export class ReplaysModule {}

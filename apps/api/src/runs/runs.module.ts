import { Module } from '@nestjs/common';
import { RunsController } from './runs.controller';
import { RunsService } from './runs.service';

/** DAG runs: `POST /api/v1/runs`, `GET /api/v1/runs`, `GET /api/v1/runs/{id}` (docs/runs.md). */
@Module({
  controllers: [RunsController],
  providers: [RunsService],
})
export class RunsModule {}

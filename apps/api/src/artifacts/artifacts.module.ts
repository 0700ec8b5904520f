import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { ArtifactObjectReader } from './artifact-object.reader';
import { ArtifactsController, JobArtifactsController } from './artifacts.controller';
import { ArtifactsService } from './artifacts.service';

/** Job artifacts: the list from the ledger and verified downloads from the tenant's object-store bucket (docs/artifacts.md). */
@Module({
  imports: [JobsModule],
  controllers: [JobArtifactsController, ArtifactsController],
  providers: [ArtifactsService, ArtifactObjectReader],
})
export class ArtifactsModule {}

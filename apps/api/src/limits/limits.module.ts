import { Module } from '@nestjs/common';
import { LimitsController } from './limits.controller';
import { LimitsService } from './limits.service';

/** Limits and quotas, forwarded to the rate-limiter's `limits.*` commands. */
@Module({
  controllers: [LimitsController],
  providers: [LimitsService],
})
export class LimitsModule {}

import { ControlPlaneLimits, SubmitJobRequest } from '@orch/contracts';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, ValidateNested } from 'class-validator';

/**
 * `POST /api/v1/jobs/batch` body: 1..1000 jobs, each exactly like the body of
 * `POST /api/v1/jobs`. Validation problems name the item (`jobs.3.jobType`).
 */
export class SubmitBatchRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ControlPlaneLimits.batchMaxJobs)
  // ValidateNested passes an item that is itself an array.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => SubmitJobRequest)
  jobs!: SubmitJobRequest[];
}
